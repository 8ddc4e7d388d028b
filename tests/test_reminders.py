"""The reminder ladder on real dates: each rung once, in order, re-armed by a moved deadline."""
from datetime import date, datetime

import sqlalchemy as sa

from djgc_direct.cases import services
from djgc_direct.cases.models import Case, CaseStatus, CloseReason
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.deadlines.models import Reminder, ReminderLevel as L
from djgc_direct.deadlines.reminders import sweep
from djgc_direct.extensions import db
from tests.cases_world import case_in, lead_assignment, make_world
from tests.helpers import run_at_once


def at(clock, y, m, d, hour=9):
    clock.set(datetime(y, m, d, hour, tzinfo=SHANGHAI))


def run_sweep():
    result = sweep()
    db.session.commit()
    return result


def reminders(item_prefix=None):
    stmt = sa.select(Reminder.item_key, Reminder.level, Reminder.due_date).order_by(Reminder.id)
    rows = db.session.execute(stmt).all()
    return [(key, level, due) for key, level, due in rows if item_prefix is None or key.startswith(item_prefix)]


def test_the_ladder_for_one_overdue_reply_in_order(clock):
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)  # assigned Thu 2026-11-26, reply due Thu 2026-12-17
    lead = lead_assignment(case)
    assert lead.due_date == date(2026, 12, 17)
    key = f"reply:{lead.id}"
    by_day = {}
    for day in [(2026, 12, 14), (2026, 12, 15), (2026, 12, 16), (2026, 12, 17), (2026, 12, 18),
                (2026, 12, 21), (2026, 12, 22), (2026, 12, 23), (2026, 12, 24), (2026, 12, 25)]:
        at(clock, *day)
        run_sweep()
        by_day[day] = [level for _key, level, _due in reminders(key)]
    assert by_day[(2026, 12, 14)] == []                                   # 3 working days ahead
    assert by_day[(2026, 12, 15)] == [L.DUE_SOON]                         # 2 working days ahead
    assert by_day[(2026, 12, 17)] == [L.DUE_SOON, L.DUE_TODAY]
    assert by_day[(2026, 12, 18)][-1] is L.OVERDUE                        # 1 working day late
    assert L.ESCALATION_1 not in by_day[(2026, 12, 21)]                   # Mon: 2 late
    assert by_day[(2026, 12, 22)][-1] is L.ESCALATION_1                   # Tue: 3 late
    assert L.ESCALATION_2 not in by_day[(2026, 12, 23)]
    assert by_day[(2026, 12, 24)][-1] is L.ESCALATION_2                   # Thu: 5 late
    assert by_day[(2026, 12, 25)] == [L.DUE_SOON, L.DUE_TODAY, L.OVERDUE, L.ESCALATION_1, L.ESCALATION_2]


def test_sweeping_twice_creates_nothing_the_second_time(clock):
    w = make_world()
    case_in(w, CaseStatus.IN_PROGRESS)
    case_in(w, CaseStatus.FORWARDED)
    case_in(w, CaseStatus.SUBMITTED)
    at(clock, 2027, 1, 29)
    first = run_sweep()
    assert sum(first.reminders.values()) > 0
    second = run_sweep()
    assert sum(second.reminders.values()) == 0


def test_a_sweep_after_downtime_skips_the_warnings_it_is_too_late_for(clock):
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    at(clock, 2026, 12, 22)  # 3 working days late, first sweep ever
    run_sweep()
    levels = [level for key, level, _ in reminders(f"reply:{lead_assignment(case).id}")]
    assert levels == [L.OVERDUE, L.ESCALATION_1]


def test_an_approved_extension_rearms_the_ladder(clock):
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    lead = lead_assignment(case)
    at(clock, 2026, 12, 16)
    run_sweep()
    assert [level for _, level, _ in reminders(f"reply:{lead.id}")] == [L.DUE_SOON]
    extension = services.request_extension(lead, w.finance_staff, "2027-01-08", "需要走预算程序。")
    services.decide_extension(extension, w.secretary, approve=True)
    db.session.commit()
    at(clock, 2027, 1, 6)
    run_sweep()
    rows = reminders(f"reply:{lead.id}")
    assert rows[-1] == (f"reply:{lead.id}", L.DUE_SOON, date(2027, 1, 8))  # a new due-soon for the new date
    assert len(rows) == 2


def test_acknowledgement_annotation_and_registration_rungs(clock):
    w = make_world()
    submitted = case_in(w, CaseStatus.SUBMITTED)          # register due Fri 2026-11-27
    forwarded = case_in(w, CaseStatus.FORWARDED)          # annotate due Tue 2026-12-01
    assigned = case_in(w, CaseStatus.ASSIGNED)            # acknowledge due Fri 2026-11-27
    at(clock, 2026, 11, 30)  # Monday: registration and acknowledgement 1 working day late
    run_sweep()
    keys = {(key, level) for key, level, _ in reminders()}
    assert (f"register:{submitted.id}", L.OVERDUE) in keys
    assert (f"acknowledge:{lead_assignment(assigned).id}", L.OVERDUE) in keys
    assert (f"annotate:{forwarded.id}:{w.chen.id}", L.DUE_SOON) in keys


def test_verdict_deadline_closes_the_case_as_no_feedback(clock):
    w = make_world()
    case = case_in(w, CaseStatus.ANSWERED)  # feedback due Thu 2026-12-10
    at(clock, 2026, 12, 10)
    assert run_sweep().closed_without_feedback == 0
    at(clock, 2026, 12, 11)
    assert run_sweep().closed_without_feedback == 1
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.CLOSED and case.close_reason is CloseReason.NO_FEEDBACK


def test_two_sweeps_at_the_same_moment_create_each_reminder_once(app, clock):
    w = make_world()
    for _ in range(5):
        case_in(w, CaseStatus.IN_PROGRESS)
    at(clock, 2027, 1, 29)
    def sweep_and_commit():
        result = sweep()
        db.session.commit()
        return sum(result.reminders.values())

    totals = run_at_once(app, sweep_and_commit)
    count = db.session.scalar(sa.select(sa.func.count(Reminder.id)))
    assert sum(totals) == count > 0
    assert count == len(set(reminders()))


def test_sweep_command_runs_as_of_a_moment_and_prints_counts(runner):
    w = make_world()
    case_in(w, CaseStatus.IN_PROGRESS)
    result = runner.invoke(args=["djgc", "sweep", "--at", "2026-12-18T09:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "reply.overdue: 1" in result.output and "reminders: " in result.output
    again = runner.invoke(args=["djgc", "sweep", "--at", "2026-12-18T10:00+08:00"])
    assert "reminders: 0" in again.output
    for bad in ["2026-12-18", "yesterday", "2026-12-18T09:00"]:
        refused = runner.invoke(args=["djgc", "sweep", "--at", bad])
        assert refused.exit_code == 2 and "--at" in refused.output, bad


def test_each_rung_reaches_the_right_people_with_mail_in_the_same_transaction(clock):
    from djgc_direct.notifications.models import Notification, OutboxEmail

    w = make_world()
    w.finance_staff.email = "caizheng@example.invalid"
    w.secretary.email = "mishuchu@example.invalid"
    case = case_in(w, CaseStatus.IN_PROGRESS)  # 陈刚 annotated; reply due 2026-12-17
    services.acknowledge(next(a for a in case.assignments if not a.is_lead), w.park_staff)
    db.session.commit()
    for day in [(2026, 12, 15), (2026, 12, 17), (2026, 12, 18), (2026, 12, 22), (2026, 12, 24)]:
        at(clock, *day)
        run_sweep()
    rows = db.session.execute(sa.select(Notification.kind, Notification.recipient_id, Notification.title)
                              .where(Notification.case_id == case.id).order_by(Notification.id)).all()
    by_kind = {}
    for kind, recipient, title in rows:
        by_kind.setdefault(kind, set()).add(recipient)
        assert case.title in title
    assert by_kind == {
        "reminder.due_soon": {w.finance_staff.id}, "reminder.due_today": {w.finance_staff.id},
        "reminder.overdue": {w.finance_staff.id}, "reminder.escalation_1": {w.secretary.id},
        "reminder.escalation_2": {w.chen.id},
    }
    mails = db.session.execute(sa.select(OutboxEmail.to_address, OutboxEmail.subject)).all()
    assert sorted(address for address, _ in mails) == ["caizheng@example.invalid"] * 3 + ["mishuchu@example.invalid"]
    assert any(subject.startswith("【督办】") for _, subject in mails)


def test_a_sweep_that_rolls_back_leaves_no_reminder_notification_or_mail(clock):
    from djgc_direct.notifications.models import Notification, OutboxEmail

    w = make_world()
    w.finance_staff.email = "caizheng@example.invalid"
    case_in(w, CaseStatus.IN_PROGRESS)
    at(clock, 2026, 12, 18)
    sweep()
    db.session.rollback()
    for model in (Reminder, Notification, OutboxEmail):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
