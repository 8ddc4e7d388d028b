"""Time limits and the reminder ladder: config defaults, admin changes, and who reads them."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases import services as case_services
from djgc_direct.cases.models import CaseStatus
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines import services
from djgc_direct.deadlines.models import DeadlineSetting, Reminder, ReminderLevel as L
from djgc_direct.deadlines.reminders import sweep
from djgc_direct.deadlines.stages import Stage, Urgency, due_soon_until, open_deadlines
from djgc_direct.extensions import db
from tests.cases_world import case_in, lead_assignment, make_world
from tests.factories import AdminFactory, LeaderFactory, RepresentativeFactory, UnitStaffFactory, UserFactory
from tests.helpers import csrf_token, login, post_form


def at(clock, y, m, d):
    clock.set(datetime(y, m, d, 9, tzinfo=SHANGHAI))


def save(values):
    changed = services.update_deadline_settings(values)
    db.session.commit()
    return changed


def stored():
    return dict(db.session.execute(sa.select(DeadlineSetting.key, DeadlineSetting.workdays)).tuples().all())


def audit_records():
    return db.session.scalars(sa.select(AuditRecord).where(AuditRecord.action == "deadline_settings_updated")
                              .order_by(AuditRecord.id)).all()


def assign_now(w):
    case = case_in(w, CaseStatus.ANNOTATED)
    case_services.assign(case, w.chen, unit_ids=[w.finance.id], lead_unit_id=w.finance.id)
    db.session.commit()
    return lead_assignment(case)


class SelectCounter:
    """Counts the SELECTs that read deadline_settings while it is active."""

    def __init__(self):
        self.count = 0

    def __call__(self, conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "deadline_settings" in statement:
            self.count += 1

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        sa.event.remove(db.engine, "before_cursor_execute", self)


# ---- defaults and changes -----------------------------------------------------------------------

def test_without_changes_the_config_defaults_apply(app, monkeypatch):
    assert services.deadline_workdays() == {"register": 1, "annotate": 3, "acknowledge": 1, "reply": 15,
                                            "feedback": 10}
    assert services.reminder_ladder() == {"due_soon": 2, "overdue": 1, "escalation_1": 3, "escalation_2": 5}
    monkeypatch.setitem(app.config, "DEADLINE_WORKDAYS", {**app.config["DEADLINE_WORKDAYS"], "reply": 20})
    assert services.deadline_workdays()["reply"] == 20
    assert assign_now(make_world()).due_date == date(2026, 12, 24)  # 20 working days after Thu 2026-11-26


def test_a_saved_reply_limit_sets_the_next_assignments_deadline_only(app):
    w = make_world()
    before = assign_now(w)
    assert before.due_date == date(2026, 12, 17)
    assert save({"reply": 10}) == {"reply": 10}
    assert services.deadline_workdays() == {**app.config["DEADLINE_WORKDAYS"], "reply": 10}
    assert app.config["DEADLINE_WORKDAYS"]["reply"] == 15  # the default itself is untouched
    after = assign_now(w)
    assert after.due_date == date(2026, 12, 10)  # Thu 2026-11-26 + 10 working days
    assert after.acknowledge_due == date(2026, 11, 27)  # keys not changed keep their default
    db.session.expire_all()
    assert db.session.get(type(before), before.id).due_date == date(2026, 12, 17)  # fixed when it began


def test_saved_limits_apply_to_every_stage(clock):
    save({"register": 2, "annotate": 5, "acknowledge": 3, "feedback": 5})
    w = make_world()
    at(clock, 2026, 9, 29)  # Tuesday before the National Day holiday
    submitted = case_in(w, CaseStatus.SUBMITTED)
    assert submitted.register_due == date(2026, 10, 8)  # Wed 30 Sep, then Oct 1-7 off
    at(clock, 2026, 11, 26)
    forwarded = case_in(w, CaseStatus.FORWARDED)
    assert forwarded.leaders[0].annotate_due == date(2026, 12, 3)
    assigned = case_in(w, CaseStatus.ASSIGNED)
    assert lead_assignment(assigned).acknowledge_due == date(2026, 12, 1)
    answered = case_in(w, CaseStatus.ANSWERED)
    assert answered.feedback_due == date(2026, 12, 3)


def test_a_lower_escalation_1_escalates_a_day_earlier_with_a_matching_title(clock):
    from djgc_direct.notifications.models import Notification

    w = make_world()
    lead = assign_now(w)  # reply due Thu 2026-12-17
    case_services.acknowledge(lead, w.finance_staff)  # so that the reply is the only open deadline
    db.session.commit()
    at(clock, 2026, 12, 21)  # Monday: 2 working days late
    sweep()
    db.session.commit()
    assert db.session.scalars(sa.select(Reminder.level)).all() == [L.OVERDUE]
    save({"escalation_1": 2})
    sweep()
    db.session.commit()
    assert db.session.scalars(sa.select(Reminder.level).order_by(Reminder.id)).all() == [L.OVERDUE, L.ESCALATION_1]
    title = db.session.scalar(sa.select(Notification.title).where(Notification.kind == "reminder.escalation_1"))
    assert title.startswith("【督办】逾期 2 个工作日:")


def test_the_due_soon_rung_moves_both_the_reminder_and_the_urgency_on_pages(clock):
    w = make_world()
    lead = assign_now(w)  # reply due Thu 2026-12-17
    at(clock, 2026, 12, 14)  # 3 working days ahead
    case = lead.case
    assert {d.stage: d.urgency for d in open_deadlines(case, due_soon_until())}[Stage.REPLY] is Urgency.ON_TIME
    save({"due_soon": 3})
    assert {d.stage: d.urgency for d in open_deadlines(case, due_soon_until())}[Stage.REPLY] is Urgency.DUE_SOON
    sweep()
    db.session.commit()
    assert db.session.scalar(sa.select(Reminder.level).where(Reminder.item_key == f"reply:{lead.id}")) is L.DUE_SOON


def test_one_audit_record_per_save_and_nothing_for_a_save_without_changes():
    save({"reply": 10, "feedback": 10, "escalation_2": 6})  # feedback is already 10
    [entry] = audit_records()
    assert (entry.object_type, entry.before, entry.after) == (
        "deadline_settings", {"reply": 15, "escalation_2": 5}, {"reply": 10, "escalation_2": 6})
    assert stored() == {"reply": 10, "escalation_2": 6}

    assert save({"reply": 10}) == {}
    assert len(audit_records()) == 1

    save({"reply": 15})  # back to the default value: kept as the admin's choice
    assert stored() == {"reply": 15, "escalation_2": 6}
    assert [e.after for e in audit_records()] == [{"reply": 10, "escalation_2": 6}, {"reply": 15}]


@pytest.mark.parametrize("values, field, message", [
    ({"reply": 0}, "reply", "“答复时限”须为 1 至 60 个工作日。"),
    ({"reply": 61}, "reply", "“答复时限”须为 1 至 60 个工作日。"),
    ({"register": 11}, "register", "“登记呈阅时限”须为 1 至 10 个工作日。"),
    ({"feedback": 31}, "feedback", "“评价时限”须为 1 至 30 个工作日。"),
    ({"due_soon": -1}, "due_soon", "“到期前提醒(工作日)”须为 0 至 10 个工作日。"),
    ({"escalation_2": 31}, "escalation_2", "“二级督办”须为 1 至 30 个工作日。"),
    ({"reply": "十"}, "reply", "“答复时限”须为整数(工作日数)。"),
    ({"reply": "10"}, "reply", "“答复时限”须为整数(工作日数)。"),
    ({"reply": 10.0}, "reply", "“答复时限”须为整数(工作日数)。"),
    ({"reply": True}, "reply", "“答复时限”须为整数(工作日数)。"),
    ({"escalation_2": 3}, "escalation_2", "“二级督办”须多于“一级督办”的 3 个工作日。"),
    ({"escalation_1": 5, "escalation_2": 5}, "escalation_2", "“二级督办”须多于“一级督办”的 5 个工作日。"),
    ({"overdue": 3}, "escalation_1", "“一级督办”须多于“逾期提醒”的 3 个工作日。"),
    ({"reply": 10, "months": 1}, "months", "没有名为“months”的时限设置。"),
])
def test_invalid_values_are_refused_with_a_message_and_change_nothing(values, field, message):
    with pytest.raises(ValidationError) as refused:
        services.update_deadline_settings(values)
    assert (refused.value.field, refused.value.message) == (field, message)
    db.session.rollback()
    assert stored() == {} and audit_records() == []
    assert services.deadline_workdays()["reply"] == 15


def test_the_bounds_themselves_are_accepted():
    assert save({"register": 10, "reply": 60, "feedback": 30, "due_soon": 0, "overdue": 28,
                 "escalation_1": 29, "escalation_2": 30})
    assert services.reminder_ladder() == {"due_soon": 0, "overdue": 28, "escalation_1": 29, "escalation_2": 30}


# ---- one read per call path ---------------------------------------------------------------------

def test_an_assignment_reads_the_settings_once():
    w = make_world()
    case = case_in(w, CaseStatus.ANNOTATED)
    with SelectCounter() as reads:
        case_services.assign(case, w.chen, unit_ids=[w.finance.id, w.park.id], lead_unit_id=w.finance.id)
    assert reads.count == 1


def test_a_sweep_reads_the_settings_once_however_many_deadlines(clock):
    w = make_world()
    for _ in range(4):
        case_in(w, CaseStatus.IN_PROGRESS)
    at(clock, 2026, 12, 24)
    with SelectCounter() as reads:
        result = sweep()
    assert sum(result.reminders.values()) >= 4 * 5
    assert reads.count == 1


# ---- the admin page -----------------------------------------------------------------------------

PAGE = "/admin/deadlines"
FORM_DEFAULTS = {"register": "1", "annotate": "3", "acknowledge": "1", "reply": "15", "feedback": "10",
                 "due_soon": "2", "overdue": "1", "escalation_1": "3", "escalation_2": "5"}


@pytest.fixture
def admin_client(client):
    AdminFactory(username="admin", name="管理员甲")
    login(client, "admin")
    return client


def post_settings(client, **changes):
    return post_form(client, PAGE, {**FORM_DEFAULTS, **changes})


def test_the_page_shows_each_value_in_effect_with_its_default(admin_client):
    save({"reply": 10})
    html = admin_client.get(PAGE).get_data(as_text=True)
    for label in ["登记呈阅时限", "批示时限", "签收时限", "答复时限", "评价时限", "到期前提醒(工作日)", "逾期提醒",
                  "一级督办", "二级督办"]:
        assert f">{label}</label>" in html
    assert 'name="reply" required type="number" value="10"' in html
    assert "默认:15 个工作日。" in html
    assert "已确定的期限不变" in html and "下一次提醒扫描" in html
    assert f'href="{PAGE}"' in html  # the nav link
    assert "style=" not in html and "<script" not in html
    assert f'href="{PAGE}"' in admin_client.get("/admin/calendar/").get_data(as_text=True)


def test_saving_the_form_commits_once_with_a_flash_and_an_audit_record(admin_client):
    response = post_settings(admin_client, reply="10", escalation_1="2")
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    db.session.expire_all()
    assert stored() == {"reply": 10, "escalation_1": 2}
    [entry] = audit_records()
    assert entry.actor_role == "admin"
    assert (entry.before, entry.after) == ({"reply": 15, "escalation_1": 3}, {"reply": 10, "escalation_1": 2})
    html = admin_client.get(PAGE).get_data(as_text=True)
    assert "时限设置已保存:答复时限 10 个工作日;一级督办 2 个工作日。" in html

    assert post_settings(admin_client, reply="10", escalation_1="2").status_code == 302
    assert "时限设置没有改动。" in admin_client.get(PAGE).get_data(as_text=True)
    assert len(audit_records()) == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"reply": "0"}, "reply", "“答复时限”须为 1 至 60 个工作日。"),
    ({"reply": "61"}, "reply", "“答复时限”须为 1 至 60 个工作日。"),
    ({"reply": "十五"}, "reply", "“答复时限”须为整数(工作日数)。"),
    ({"reply": "2.5"}, "reply", "“答复时限”须为整数(工作日数)。"),
    ({"feedback": ""}, "feedback", "请填写“评价时限”。"),
    ({"escalation_2": "3"}, "escalation_2", "“二级督办”须多于“一级督办”的 3 个工作日。"),
])
def test_invalid_input_is_shown_on_the_form_and_nothing_is_saved(admin_client, changes, field, message):
    response = post_settings(admin_client, **{"annotate": "4", **changes})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{message}</p>' in html
    assert 'value="4"' in html  # what the admin typed stays on the form
    assert stored() == {} and audit_records() == []


def test_saving_needs_a_csrf_token(admin_client):
    assert admin_client.post(PAGE, data={**FORM_DEFAULTS, "reply": "10"}).status_code == 400
    assert stored() == {}


@pytest.mark.parametrize("role", ["representative", "secretariat", "leader", "unit_staff"])
def test_only_admins_see_or_save_the_settings(client, role):
    factory = {"representative": RepresentativeFactory, "secretariat": UserFactory, "leader": LeaderFactory,
               "unit_staff": UnitStaffFactory}[role]
    factory(username="someone")
    login(client, "someone")
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/")
    assert client.post(PAGE, data={**FORM_DEFAULTS, "reply": "10", "csrf_token": token}).status_code == 403
    assert "时限设置" not in client.get("/").get_data(as_text=True)
    assert stored() == {}
