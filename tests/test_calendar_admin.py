"""The admin page of the working-day calendar: overrides by form, coverage warnings, access."""
from datetime import date

import pytest
import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.deadlines import calendar as cal
from djgc_direct.deadlines import services
from djgc_direct.deadlines.models import CalendarOverride
from djgc_direct.extensions import db
from tests.factories import AdminFactory, LeaderFactory, UserFactory
from tests.helpers import csrf_token, login, post_form

PAGE = "/admin/calendar/"
ADD = "/admin/calendar/overrides"


def remove_url(day):
    return f"/admin/calendar/overrides/{day}/delete"


@pytest.fixture
def admin_client(client):
    AdminFactory(username="admin", name="管理员甲")
    login(client, "admin")
    return client


def overrides():
    db.session.expire_all()
    return db.session.scalars(sa.select(CalendarOverride).order_by(CalendarOverride.day)).all()


def test_page_shows_coverage_with_a_warning_for_fallback_years(admin_client):
    page = admin_client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # The test clock stands in November 2026: 2026 is official, 2027 and 2028 fall back.
    assert '<p class="flash flash-error" role="alert">2027 年的国务院节假日安排尚未收录' in html
    assert '<p class="flash flash-error" role="alert">2028 年的国务院节假日安排尚未收录' in html
    assert "2026 年的国务院节假日安排尚未收录" not in html
    assert "国务院放假安排(已收录)" in html
    assert f'href="{PAGE}"' in html  # the nav link
    assert "暂无调整。" in html


def test_coverage_follows_the_clock(admin_client, clock):
    clock.set(clock.now().replace(year=2025))
    html = admin_client.get(PAGE).get_data(as_text=True)
    assert "2025 年的国务院节假日安排尚未收录" not in html
    assert "2026 年的国务院节假日安排尚未收录" not in html
    assert "2027 年的国务院节假日安排尚未收录" in html


def test_admin_adds_an_override_through_the_form(admin_client):
    response = post_form(admin_client, ADD, {"day": "2027-02-06", "kind": "workday",
                                             "note": "国办发明电〔2026〕春节调休"}, form_url=PAGE)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    [override] = overrides()
    assert (override.day, override.is_workday, override.note) == (date(2027, 2, 6), True, "国办发明电〔2026〕春节调休")
    assert override.created_by.username == "admin"
    assert cal.is_workday(date(2027, 2, 6)) is True
    audit = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.action == "calendar_override_added")).all()
    assert len(audit) == 1 and audit[0].actor_id == override.created_by_id

    html = admin_client.get(PAGE).get_data(as_text=True)
    assert "已将 2027-02-06 设为工作日。" in html
    assert "国办发明电〔2026〕春节调休" in html and "管理员甲" in html
    assert "采用管理员录入的 1 条日历调整" in html


def test_form_errors_are_shown_and_nothing_is_stored(admin_client):
    services.add_override(date(2027, 2, 6), True, "已有")
    db.session.commit()

    html = post_form(admin_client, ADD, {"day": "2027-02-06", "kind": "holiday", "note": "重复"},
                     form_url=PAGE).get_data(as_text=True)
    assert "2027-02-06 已有日历调整(工作日),如需修改请先删除。" in html

    html = post_form(admin_client, ADD, {"day": "2027-02-30", "kind": "holiday", "note": "坏日期"},
                     form_url=PAGE).get_data(as_text=True)
    assert 'id="day-error"' in html

    html = post_form(admin_client, ADD, {"day": "2027-02-07", "kind": "holiday", "note": ""},
                     form_url=PAGE).get_data(as_text=True)
    assert "请填写说明。" in html

    html = post_form(admin_client, ADD, {"day": "2027-02-07", "kind": "maybe", "note": "坏类型"},
                     form_url=PAGE).get_data(as_text=True)
    assert 'id="kind-error"' in html

    assert [o.note for o in overrides()] == ["已有"]


def test_admin_removes_an_override_with_the_post_button(admin_client):
    services.add_override(date(2026, 10, 10), False, "取消调休")
    db.session.commit()
    assert cal.is_workday(date(2026, 10, 10)) is False
    html = admin_client.get(PAGE).get_data(as_text=True)
    assert f'action="{remove_url("2026-10-10")}"' in html

    response = post_form(admin_client, remove_url("2026-10-10"), {}, form_url=PAGE)
    assert response.status_code == 302
    assert overrides() == []
    assert cal.is_workday(date(2026, 10, 10)) is True  # the official 调休 Saturday again
    removed = db.session.scalars(
        sa.select(AuditRecord).where(AuditRecord.action == "calendar_override_removed")).all()
    assert len(removed) == 1 and removed[0].before["day"] == "2026-10-10"
    assert "已删除 2026-10-10 的日历调整。" in admin_client.get(PAGE).get_data(as_text=True)


def test_removing_needs_a_csrf_token_and_an_existing_override(admin_client):
    services.add_override(date(2026, 10, 10), False, "取消调休")
    db.session.commit()
    assert admin_client.post(remove_url("2026-10-10")).status_code == 400
    assert len(overrides()) == 1

    response = post_form(admin_client, remove_url("2026-10-11"), {}, form_url=PAGE)
    assert response.status_code == 302
    assert "2026-10-11 没有日历调整,无需删除。" in admin_client.get(PAGE).get_data(as_text=True)
    assert post_form(admin_client, remove_url("not-a-date"), {}, form_url=PAGE).status_code == 404
    assert len(overrides()) == 1


@pytest.mark.parametrize("factory", [UserFactory, LeaderFactory])
def test_other_roles_get_403(client, factory):
    factory(username="someone")
    services.add_override(date(2026, 10, 10), False, "取消调休")
    db.session.commit()
    login(client, "someone")
    token = csrf_token(client, "/")  # the logout form carries one on every page
    assert client.get(PAGE).status_code == 403
    assert client.post(ADD, data={"day": "2027-02-06", "kind": "workday", "note": "x",
                                  "csrf_token": token}).status_code == 403
    assert client.post(remove_url("2026-10-10"), data={"csrf_token": token}).status_code == 403
    assert [o.day for o in overrides()] == [date(2026, 10, 10)]
    assert f'href="{PAGE}"' not in client.get("/").get_data(as_text=True)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
