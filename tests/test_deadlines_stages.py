"""Stage deadlines on real dates, their urgency, and each role's 我的待办."""
from datetime import date, datetime

from djgc_direct.cases import services
from djgc_direct.cases.models import CaseStatus
from djgc_direct.cases.todo import todo
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.deadlines.stages import Stage, Urgency, due_soon_until, open_deadlines
from djgc_direct.extensions import db
from tests.cases_world import case_in, lead_assignment, make_world, write_letter
from tests.helpers import login


def at(clock, *args):
    clock.set(datetime(*args, tzinfo=SHANGHAI))


def deadlines(case):
    return {(d.stage, d.assignment_id): d for d in open_deadlines(case, due_soon_until())}


def test_registration_deadline_skips_the_national_day_holiday(clock):
    w = make_world()
    at(clock, 2026, 9, 30, 16, 0)
    case = write_letter(w)
    d = deadlines(case)[(Stage.REGISTER, None)]
    assert d.due == date(2026, 10, 8) and d.responsible == "秘书处"
    at(clock, 2026, 10, 8, 9, 0)
    assert deadlines(case)[(Stage.REGISTER, None)].urgency is Urgency.DUE_TODAY
    at(clock, 2026, 10, 9, 9, 0)
    assert deadlines(case)[(Stage.REGISTER, None)].urgency is Urgency.OVERDUE


def test_a_return_pauses_the_registration_clock(clock):
    w = make_world()
    at(clock, 2026, 11, 2, 9, 0)
    case = write_letter(w)
    services.return_to_representative(case, w.secretary, "请补充。")
    assert not deadlines(case)  # nothing due from the office while the letter is back with its author
    at(clock, 2026, 11, 20, 9, 0)  # Friday
    services.update_letter(case, w.representative, title=case.title, content=case.content + "补充。",
                           leader_ids=[w.chen.id], category="labour", on_behalf_of="self")
    services.submit_letter(case, w.representative)
    assert deadlines(case)[(Stage.REGISTER, None)].due == date(2026, 11, 23)  # Monday


def test_annotation_acknowledgement_reply_and_feedback_deadlines(clock):
    w = make_world()
    case = case_in(w, CaseStatus.FORWARDED)  # Thursday 2026-11-26
    assert deadlines(case)[(Stage.ANNOTATE, None)].due == date(2026, 12, 1)
    services.annotate(case, w.chen, text="交办。", unit_ids=[w.finance.id, w.park.id], lead_unit_id=w.finance.id)
    found = deadlines(case)
    lead = lead_assignment(case)
    assert found[(Stage.ACKNOWLEDGE, lead.id)].due == date(2026, 11, 27)
    assert found[(Stage.REPLY, lead.id)].due == date(2026, 12, 17)
    support = next(a for a in case.assignments if not a.is_lead)
    assert (Stage.REPLY, support.id) not in found  # the lead unit answers for the case
    answered = case_in(w, CaseStatus.ANSWERED)
    assert deadlines(answered)[(Stage.FEEDBACK, None)].due == date(2026, 12, 10)


def test_urgency_moves_with_the_clock(clock):
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    lead = lead_assignment(case)
    assert deadlines(case)[(Stage.REPLY, lead.id)].urgency is Urgency.ON_TIME
    at(clock, 2026, 12, 15, 9, 0)
    assert deadlines(case)[(Stage.REPLY, lead.id)].urgency is Urgency.DUE_SOON
    at(clock, 2026, 12, 18, 9, 0)
    assert deadlines(case)[(Stage.REPLY, lead.id)].urgency is Urgency.OVERDUE


def test_each_role_has_its_own_todo_list_most_urgent_first(clock):
    w = make_world()
    at(clock, 2026, 11, 20, 9, 0)
    older = write_letter(w, title="较早的来信")
    at(clock, 2026, 11, 26, 9, 0)
    newer = write_letter(w, title="较新的来信")
    forwarded = case_in(w, CaseStatus.FORWARDED)
    in_progress = case_in(w, CaseStatus.ASSIGNED)
    answered = case_in(w, CaseStatus.ANSWERED)
    db.session.commit()
    sec_tasks = todo(w.secretary)
    assert [t.case.id for t in sec_tasks][:2] == [older.id, newer.id]
    assert sec_tasks[0].deadline.urgency is Urgency.OVERDUE
    assert {t.case.id for t in todo(w.chen)} == {forwarded.id}
    assert {t.case.id for t in todo(w.finance_staff)} == {in_progress.id}
    assert {t.case.id for t in todo(w.representative)} == {answered.id}
    services.annotate(forwarded, w.chen, text="阅。")
    assert forwarded.id not in {t.case.id for t in todo(w.chen)}


def test_home_page_shows_the_todo_list_and_deadline_colours(app, clock):
    w = make_world()
    at(clock, 2026, 11, 20, 9, 0)
    write_letter(w, title="逾期未登记的来信")
    db.session.commit()
    at(clock, 2026, 11, 26, 9, 0)
    client = app.test_client()
    login(client, "mishuchu")
    page = client.get("/").get_data(as_text=True)
    assert "我的待办" in page and "逾期未登记的来信" in page and "urgency-overdue" in page and "已逾期" in page


def test_a_list_page_reads_the_same_deadlines_as_the_case_page(clock):
    """open_deadlines_of (a page at once, from two queries) agrees with open_deadlines case by case,
    a reopened case's second round included."""
    from djgc_direct.deadlines.stages import open_deadlines_of

    w = make_world()
    cases = [case_in(w, status) for status in CaseStatus if status is not CaseStatus.MERGED]
    two_leaders = write_letter(w)
    services.register(two_leaders, w.secretary)
    services.forward(two_leaders, w.secretary, [w.third_leader.id, w.chen.id])
    reopened = case_in(w, CaseStatus.REOPENED)
    services.assign(reopened, w.secretary, unit_ids=[w.park.id, w.finance.id], lead_unit_id=w.park.id)
    db.session.commit()
    cases += [two_leaders, reopened]
    soon_until = due_soon_until()
    expected = {case.id: open_deadlines(case, soon_until) for case in cases}
    db.session.expire_all()  # nothing loaded: the page query loads no collections either
    assert open_deadlines_of(cases, soon_until) == expected
    assert len(expected[two_leaders.id]) == 2 and len(expected[reopened.id]) == 3


def test_badges(app):
    from flask_babel import force_locale

    from djgc_direct.cases.badges import deadline_badge, status_badge
    from djgc_direct.deadlines.stages import Deadline

    assert str(status_badge(CaseStatus.IN_PROGRESS)) == '<span class="badge status-in_progress">办理中</span>'
    deadline = Deadline(Stage.REPLY, date(2026, 12, 18), "<市财政局>", Urgency.OVERDUE)
    assert str(deadline_badge(deadline)) == (
        '<span class="deadline urgency-overdue" title="已逾期">答复 2026-12-18 · 已逾期</span>')
    with force_locale("en"):  # each language its own labels, however often shown before
        assert str(status_badge(CaseStatus.IN_PROGRESS)) == '<span class="badge status-in_progress">In progress</span>'
    assert "办理中" in str(status_badge(CaseStatus.IN_PROGRESS))
