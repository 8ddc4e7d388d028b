"""Logins, sessions, throttling, CSRF and redirects."""
from datetime import timedelta

import sqlalchemy as sa

from djgc_direct.accounts.models import UserSession
from djgc_direct.audit.models import AuditRecord
from djgc_direct.extensions import db
from tests.factories import PASSWORD, AdminFactory, UserFactory
from tests.helpers import csrf_token, login, post_form


def test_login_opens_a_server_side_session_and_shows_home(client):
    UserFactory(username="mishu", name="韦晓梅")
    response = login(client, "mishu")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "秘书处工作台" in page and "韦晓梅" in page
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 1
    assert db.session.scalar(sa.select(AuditRecord.action).order_by(AuditRecord.id.desc())) == "login"


def test_session_cookie_flags(client):
    UserFactory(username="mishu")
    response = login(client, "mishu")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_and_unknown_user_get_the_same_message(client):
    UserFactory(username="mishu")
    wrong = login(client, "mishu", "Wrong-pass-123").get_data(as_text=True)
    unknown = login(client, "nobody", "Wrong-pass-123").get_data(as_text=True)
    assert "用户名或密码错误" in wrong and "用户名或密码错误" in unknown
    assert client.get("/").status_code == 302


def test_inactive_account_cannot_log_in(client):
    UserFactory(username="gone", active=False)
    page = login(client, "gone").get_data(as_text=True)
    assert "已停用" in page
    assert client.get("/").status_code == 302


def test_throttling_locks_the_account_then_lets_it_in_after_the_lock(client, clock, app):
    user = UserFactory(username="mishu")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "mishu", "Wrong-pass-123")
    # Even the right password is refused while locked.
    page = login(client, "mishu").get_data(as_text=True)
    assert "临时锁定" in page
    assert client.get("/").status_code == 302
    db.session.refresh(user)
    assert user.locked_until is not None
    clock.advance(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    assert login(client, "mishu").status_code == 302
    assert client.get("/").status_code == 200


def test_logout_kills_the_old_session_cookie_on_the_server(client, app):
    UserFactory(username="mishu")
    login(client, "mishu")
    stolen_cookie = client.get_cookie("djgc_session").value
    response = post_form(client, "/logout", {}, form_url="/")
    assert response.status_code == 302
    # Replaying the cookie captured before logout no longer opens the session.
    replay = app.test_client()
    replay.set_cookie("djgc_session", stolen_cookie)
    assert replay.get("/").status_code == 302
    revoked = db.session.scalar(sa.select(UserSession))
    assert revoked.revoked_at is not None


def test_password_change_ends_other_sessions_but_keeps_this_one(client, app):
    UserFactory(username="mishu")
    other_device = app.test_client()
    login(other_device, "mishu")
    login(client, "mishu")
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "New-pass-2026!", "confirm": "New-pass-2026!"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    fresh = app.test_client()
    assert login(fresh, "mishu", "New-pass-2026!").status_code == 302


def test_password_change_rejects_weak_and_wrong_current(client):
    UserFactory(username="mishu")
    login(client, "mishu")
    page = post_form(client, "/account/password", {
        "current_password": "not-it-123", "new_password": "New-pass-2026!", "confirm": "New-pass-2026!"})
    assert "当前密码不正确" in page.get_data(as_text=True)
    page = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "short1", "confirm": "short1"})
    assert "至少需要" in page.get_data(as_text=True)
    page = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "New-pass-2026!", "confirm": "Other-pass-2026!"})
    assert "不一致" in page.get_data(as_text=True)
    assert login(client.application.test_client(), "mishu").status_code == 302  # old password still works


def test_post_without_csrf_token_is_refused(client):
    UserFactory(username="mishu")
    response = client.post("/login", data={"username": "mishu", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    login(client, "mishu")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_safe_next_is_followed_and_unsafe_next_refused(client):
    AdminFactory(username="root")
    assert login(client, "root", next_url="/admin/users/").headers["Location"] == "/admin/users/"
    for evil in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]:
        fresh = client.application.test_client()
        assert login(fresh, "root", next_url=evil).headers["Location"] == "/", evil


def test_anonymous_request_redirects_to_login_with_next(client):
    response = client.get("/admin/users/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin/users/")


def test_expired_server_session_is_refused(client, clock, app):
    UserFactory(username="mishu")
    login(client, "mishu")
    clock.advance(seconds=app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() + 60)
    assert client.get("/").status_code == 302


def test_new_session_identifier_at_each_login(client):
    UserFactory(username="mishu")
    login(client, "mishu")
    first = db.session.scalar(sa.select(UserSession.token_hash))
    post_form(client, "/logout", {}, form_url="/")
    login(client, "mishu")
    hashes = db.session.scalars(sa.select(UserSession.token_hash)).all()
    assert len(set(hashes)) == 2 and first in hashes


def test_failed_logins_are_counted_and_audited(client):
    user = UserFactory(username="mishu")
    login(client, "mishu", "Wrong-pass-123")
    db.session.refresh(user)
    assert user.failed_logins == 1
    assert db.session.scalar(sa.select(AuditRecord.action).where(AuditRecord.object_id == user.id)) == "login_failed"


def test_lock_is_per_account(client, app):
    UserFactory(username="victim")
    UserFactory(username="other")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(app.test_client(), "victim", "Wrong-pass-123")
    assert login(client, "other").status_code == 302


def test_language_switch_to_english_and_back(client):
    UserFactory(username="mishu")
    page = client.get("/login").get_data(as_text=True)
    assert "登录党代表直通车" in page
    client.get("/language/en?next=/login")
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page
    assert client.get("/language/en?next=https://evil.example/").headers["Location"] == "/"


def test_login_form_rejects_empty_fields(client):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 200
    assert client.get("/").status_code == 302

