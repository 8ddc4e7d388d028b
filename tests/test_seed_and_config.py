"""The demo world, and configuration safety."""
import pytest
import sqlalchemy as sa

from djgc_direct import create_app
from djgc_direct.accounts.models import Role, User
from djgc_direct.demo.seed import USERS
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Organisation
from tests.helpers import login

HOME_TITLES = {
    Role.ADMIN: "系统管理",
    Role.SECRETARIAT: "秘书处工作台",
    Role.LEADER: "领导工作台",
    Role.REPRESENTATIVE: "党代表工作台",
    Role.UNIT_STAFF: "承办单位工作台",
}


def snapshot():
    return (db.session.scalar(sa.select(sa.func.count(User.id))),
            db.session.scalar(sa.select(sa.func.count(Organisation.id))))


def test_seed_demo_twice_changes_nothing(runner):
    first = runner.invoke(args=["djgc", "seed-demo"])
    assert first.exit_code == 0 and "demo world created" in first.output
    counts = snapshot()
    second = runner.invoke(args=["djgc", "seed-demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    assert snapshot() == counts == (len(USERS), 11)


def test_every_demo_account_logs_in_and_sees_its_home(runner, app):
    runner.invoke(args=["djgc", "seed-demo"])
    for username, role, name, *_ in USERS:
        client = app.test_client()
        assert login(client, username, app.config["DEMO_PASSWORD"]).status_code == 302, username
        page = client.get("/").get_data(as_text=True)
        assert HOME_TITLES[role] in page and name in page, username


def test_demo_world_has_the_article_people(runner):
    runner.invoke(args=["djgc", "seed-demo"])
    chen = db.session.scalar(sa.select(User).where(User.name == "陈刚"))
    assert chen.title == "市委书记" and chen.precedence == 1
    su = db.session.scalar(sa.select(User).where(User.name == "苏志明"))
    assert su.role is Role.REPRESENTATIVE and su.delegation.name == "鹿寨县代表团"
    units = set(db.session.scalars(sa.select(Organisation.name).where(Organisation.is_unit.is_(True))))
    assert units == {"市财政局", "市人力资源和社会保障局", "雒容工业园区管委会"}


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY=None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SECRET_KEY="short")
    app = create_app("production", SECRET_KEY="x" * 40)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_needs_a_database_url(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app("production", SECRET_KEY="x" * 40)


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="unknown DJGC_CONFIG"):
        create_app("staging")


def test_demo_world_holds_the_finished_luorong_case_and_cases_in_other_states(runner):
    from decimal import Decimal

    from djgc_direct.cases.models import Case, CaseStatus
    from djgc_direct.cases.services import approved_reply
    from djgc_direct.demo.cases import LUORONG_TITLE

    runner.invoke(args=["djgc", "seed-demo"])
    luorong = db.session.scalar(sa.select(Case).where(Case.title == LUORONG_TITLE))
    assert luorong.status is CaseStatus.CLOSED and luorong.number == "直通〔2026〕0001号"
    assert approved_reply(luorong).amount_yuan == Decimal("1730000.00")
    assert luorong.feedback[-1].rating.value == "satisfied"
    assert luorong.annotations[0].leader.name == "陈刚"
    statuses = set(db.session.scalars(sa.select(Case.status)))
    assert statuses == set(CaseStatus)  # the Luorong case closed, and every other state on show
    count = db.session.scalar(sa.select(sa.func.count(Case.id)))
    runner.invoke(args=["djgc", "seed-demo"])
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == count


def test_demo_world_is_assessed_once_under_the_shipped_rubrics(runner):
    from djgc_direct.assessments.models import AssessmentRun, RubricVersion

    runner.invoke(args=["djgc", "seed-demo"])
    runner.invoke(args=["djgc", "seed-demo"])
    names = set(db.session.scalars(sa.select(RubricVersion.name)))
    assert len(names) == 2
    assert db.session.scalar(sa.select(sa.func.count(AssessmentRun.id))) == 1


def test_the_assessment_page_opens_on_the_latest_assessed_month(runner, app):
    runner.invoke(args=["djgc", "seed-demo"])
    client = app.test_client()
    login(client, "mishuchu", app.config["DEMO_PASSWORD"])
    page = client.get("/assessments/").get_data(as_text=True)
    assert "尚未考核" not in page and "市财政局" in page


def test_sqlite_connections_are_set_up_for_concurrent_reads_and_writes(app):
    """Every connection to a SQLite file: WAL (readers never block the writer), a busy timeout
    (writers queue instead of failing), foreign keys, and memory-mapped reads."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's connection settings")
    from djgc_direct import SQLITE_BUSY_TIMEOUT_MS, SQLITE_MMAP_BYTES

    with db.engine.connect() as connection:
        def setting(name):
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert setting("journal_mode") == "wal"
        assert setting("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
        assert setting("foreign_keys") == 1
        assert setting("synchronous") == 1  # NORMAL
        assert setting("mmap_size") == SQLITE_MMAP_BYTES
