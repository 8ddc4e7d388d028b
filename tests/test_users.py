"""`djgc user create` and the admin user pages."""
import sqlalchemy as sa

from djgc_direct.accounts.models import Role, User, UserSession
from djgc_direct.extensions import db
from tests.factories import AdminFactory, DelegationFactory, UnitFactory, UserFactory
from tests.helpers import login, post_form


def get_user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_cli_creates_a_leader_reading_the_password_from_stdin(runner, app):
    result = runner.invoke(args=["djgc", "user", "create", "chengang", "--role", "leader", "--name", "陈刚",
                                 "--title", "市委书记", "--precedence", "1"], input="Strong-pass-2026\n")
    assert result.exit_code == 0, result.output
    leader = get_user("chengang")
    assert leader.role is Role.LEADER and leader.title == "市委书记" and leader.precedence == 1
    assert leader.password_hash != "Strong-pass-2026"
    assert login(app.test_client(), "chengang", "Strong-pass-2026").status_code == 302


def test_cli_rejects_bad_role_with_a_clear_message(runner):
    result = runner.invoke(args=["djgc", "user", "create", "x", "--role", "emperor", "--name", "某人"],
                           input="Strong-pass-2026\n")
    assert result.exit_code == 1
    assert "未知角色“emperor”" in result.output and "representative" in result.output
    assert get_user("x") is None


def test_cli_rejects_unknown_org_duplicate_and_weak_password(runner):
    unit = UnitFactory(name="市财政局")
    DelegationFactory(name="鹿寨县代表团")
    base = ["djgc", "user", "create"]
    result = runner.invoke(args=base + ["cz", "--role", "unit_staff", "--name", "莫振华", "--org", "市税务局"],
                           input="Strong-pass-2026\n")
    assert result.exit_code == 1 and "没有名为“市税务局”的组织" in result.output
    result = runner.invoke(args=base + ["cz", "--role", "unit_staff", "--name", "莫振华", "--org", unit.name],
                           input="Strong-pass-2026\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=base + ["cz", "--role", "unit_staff", "--name", "莫振华", "--org", unit.name],
                           input="Strong-pass-2026\n")
    assert result.exit_code == 1 and "已存在" in result.output
    result = runner.invoke(args=base + ["su", "--role", "representative", "--name", "苏志明",
                                        "--delegation", "鹿寨县代表团"], input="short\n")
    assert result.exit_code == 1 and "至少需要" in result.output
    result = runner.invoke(args=base + ["su", "--role", "representative", "--name", "苏志明"],
                           input="Strong-pass-2026\n")
    assert result.exit_code == 1 and "代表团" in result.output
    result = runner.invoke(args=base + ["boss", "--role", "leader", "--name", "某领导"], input="Strong-pass-2026\n")
    assert result.exit_code == 1 and "职务" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_unit_staff_must_belong_to_a_handling_unit(runner):
    UnitFactory(name="市委宣传部", is_unit=False)
    result = runner.invoke(args=["djgc", "user", "create", "xc", "--role", "unit_staff", "--name", "某人",
                                 "--org", "市委宣传部"], input="Strong-pass-2026\n")
    assert result.exit_code == 1 and "承办单位" in result.output


def test_admin_creates_a_representative(client):
    AdminFactory(username="root")
    delegation = DelegationFactory(name="鹿寨县代表团")
    login(client, "root")
    response = post_form(client, "/admin/users/new", {
        "username": "suzhiming", "name": "苏志明", "role": "representative", "organisation_id": 0,
        "delegation_id": delegation.id, "password": "Strong-pass-2026"})
    assert response.status_code == 302
    user = get_user("suzhiming")
    assert user.role is Role.REPRESENTATIVE and user.delegation_id == delegation.id


def test_admin_user_form_reports_errors_and_stores_nothing(client):
    AdminFactory(username="root")
    login(client, "root")
    page = post_form(client, "/admin/users/new", {
        "username": "suzhiming", "name": "苏志明", "role": "representative", "organisation_id": 0,
        "delegation_id": 0, "password": "Strong-pass-2026"}).get_data(as_text=True)
    assert "党代表须属于一个代表团" in page
    page = post_form(client, "/admin/users/new", {
        "username": "bad name!", "name": "x", "role": "secretariat", "organisation_id": 0,
        "delegation_id": 0, "password": "Strong-pass-2026"}).get_data(as_text=True)
    assert "用户名只能包含" in page
    assert get_user("suzhiming") is None


def test_admin_deactivates_a_user_and_ends_their_sessions(client, app):
    AdminFactory(username="root")
    victim = UserFactory(username="mishu")
    victim_client = app.test_client()
    login(victim_client, "mishu")
    login(client, "root")
    response = post_form(client, f"/admin/users/{victim.id}", {
        "username": "mishu", "name": victim.name, "role": "secretariat", "organisation_id": 0,
        "delegation_id": 0})
    assert response.status_code == 302
    db.session.refresh(victim)
    assert victim.active is False
    assert victim_client.get("/").status_code == 302
    assert db.session.scalar(sa.select(UserSession.revoked_at).where(UserSession.user_id == victim.id))


def test_admin_cannot_deactivate_themselves(client):
    admin = AdminFactory(username="root")
    login(client, "root")
    page = post_form(client, f"/admin/users/{admin.id}", {
        "username": "root", "name": admin.name, "role": "admin", "organisation_id": 0,
        "delegation_id": 0}).get_data(as_text=True)
    assert "不能停用自己的账户" in page
    db.session.refresh(admin)
    assert admin.active


def test_admin_resets_a_password(client, app):
    AdminFactory(username="root")
    user = UserFactory(username="mishu")
    login(client, "root")
    post_form(client, f"/admin/users/{user.id}", {
        "username": "mishu", "name": user.name, "role": "secretariat", "organisation_id": 0,
        "delegation_id": 0, "active": "y", "password": "Reset-pass-2026"})
    assert login(app.test_client(), "mishu", "Reset-pass-2026").status_code == 302
