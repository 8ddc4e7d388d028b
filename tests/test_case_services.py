"""The Luorong case end to end through the services, and the rules around it."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases import services
from djgc_direct.cases.models import (
    AssignmentStatus, Case, CaseStatus, CloseReason, ExtensionStatus, Rating, ReplyStatus,
)
from djgc_direct.core.errors import NotFound, ValidationError
from djgc_direct.extensions import db
from tests.cases_world import LUORONG_LETTER, case_in, lead_assignment, make_world, write_letter


def visible_ids(user):
    return set(db.session.scalars(sa.select(Case.id).where(services.visible_cases_filter(user))))


def test_the_luorong_case_end_to_end(clock):
    w = make_world()
    case = write_letter(w)
    assert case.status is CaseStatus.SUBMITTED and case.number is None
    services.register(case, w.secretary)
    assert case.number == "直通〔2026〕0001号"
    services.forward(case, w.secretary, [w.chen.id], comment="拟请陈刚书记阅示。")
    annotation = services.annotate(case, w.chen, text="请市财政局牵头,会同雒容工业园区管委会抓紧解决农民工工资问题。",
                                   unit_ids=[w.finance.id, w.park.id], lead_unit_id=w.finance.id)
    assert case.status is CaseStatus.ASSIGNED and annotation.transcribed_by_id is None
    lead = lead_assignment(case)
    support = next(a for a in case.assignments if not a.is_lead)
    # 15 working days from Thursday 2026-11-26.
    assert lead.due_date == date(2026, 12, 17) and lead.unit_id == w.finance.id
    services.acknowledge(support, w.park_staff)
    assert case.status is CaseStatus.ASSIGNED  # a support unit does not move the case
    services.acknowledge(lead, w.finance_staff)
    assert case.status is CaseStatus.IN_PROGRESS
    services.report_progress(support, w.park_staff, "园区已核实欠薪名单。")
    reply = services.submit_reply(lead, w.finance_staff, text="已在园区年初预算资金中调剂安排173万元。",
                                  outcome="resolved", amount_yuan="1,730,000")
    assert reply.amount_yuan == Decimal("1730000.00") and case.status is CaseStatus.REPLIED
    assert services.approved_reply(case) is None  # not visible to the representative yet
    services.approve_reply(case, w.secretary)
    assert services.approved_reply(case) == reply and case.status is CaseStatus.ANSWERED
    services.give_feedback(case, w.representative, "satisfied", "问题解决得很快。")
    assert case.status is CaseStatus.CLOSED and case.close_reason is CloseReason.FEEDBACK
    db.session.commit()
    actions = db.session.scalars(sa.select(AuditRecord.action).where(
        AuditRecord.object_type == "cases", AuditRecord.object_id == case.id).order_by(AuditRecord.id)).all()
    assert actions == ["create", "submit", "register", "forward", "annotate", "assign", "acknowledge",
                       "acknowledge", "progress", "reply", "approve_reply", "feedback"]


def test_case_numbers_are_sequential_per_year(clock):
    w = make_world()
    numbers = []
    for _ in range(3):
        numbers.append(services.register(write_letter(w), w.secretary).number)
    assert numbers == ["直通〔2026〕0001号", "直通〔2026〕0002号", "直通〔2026〕0003号"]
    clock.advance(days=40)  # 2027
    assert services.register(write_letter(w), w.secretary).number == "直通〔2027〕0001号"


def test_a_rolled_back_registration_leaves_no_gap():
    w = make_world()
    services.register(write_letter(w), w.secretary)
    db.session.commit()
    services.register(write_letter(w), w.secretary)
    db.session.rollback()
    case = write_letter(w)
    assert services.register(case, w.secretary).number == "直通〔2026〕0002号"


def test_representatives_see_only_their_own_and_merged_targets():
    w = make_world()
    mine = write_letter(w)
    theirs = write_letter(w, representative=w.other_representative, title="另一件")
    assert visible_ids(w.representative) == {mine.id}
    with pytest.raises(NotFound):
        services.get_case(w.representative, theirs.id)
    services.merge(mine, w.secretary, theirs.id)
    db.session.commit()
    assert visible_ids(w.representative) == {mine.id, theirs.id}
    assert visible_ids(w.other_representative) == {theirs.id}


def test_leaders_and_units_see_only_what_reached_them():
    w = make_world()
    case = case_in(w, CaseStatus.REGISTERED)
    assert visible_ids(w.chen) == set()  # addressed but not yet forwarded
    services.forward(case, w.secretary, [w.chen.id])
    assert visible_ids(w.chen) == {case.id} and visible_ids(w.deputy) == set()
    assert visible_ids(w.finance_staff) == set()
    services.annotate(case, w.chen, text="交财政局办理。", unit_ids=[w.finance.id], lead_unit_id=w.finance.id)
    assert visible_ids(w.finance_staff) == {case.id} and visible_ids(w.park_staff) == set()


def test_drafts_are_private_to_their_author():
    w = make_world()
    draft = write_letter(w, submit=False)
    assert draft.id in visible_ids(w.representative)
    assert draft.id not in visible_ids(w.secretary)


def test_return_pauses_and_resubmission_restarts_the_clock(clock):
    w = make_world()
    case = write_letter(w)
    first = case.submitted_at
    services.return_to_representative(case, w.secretary, "请补充欠薪人数和金额。")
    assert case.status_reason == "请补充欠薪人数和金额。"
    clock.advance(days=3)
    services.update_letter(case, w.representative, title=case.title, content=LUORONG_LETTER + "欠薪约两百人。",
                           leader_ids=[w.chen.id], category="labour", on_behalf_of="self")
    services.submit_letter(case, w.representative)
    assert case.submitted_at > first and case.first_submitted_at == first and case.status_reason is None


def test_leader_cannot_annotate_a_case_not_forwarded_to_them():
    w = make_world()
    case = case_in(w, CaseStatus.FORWARDED)
    with pytest.raises(NotFound):
        services.annotate(case, w.deputy, text="阅。")


def test_secretariat_transcribes_a_paper_annotation():
    w = make_world()
    case = case_in(w, CaseStatus.FORWARDED)
    with pytest.raises(ValidationError):
        services.annotate(case, w.secretary, text="阅。", leader_id=w.deputy.id)  # not forwarded to him
    annotation = services.annotate(case, w.secretary, text="请财政局办理。", leader_id=w.chen.id)
    assert annotation.leader_id == w.chen.id and annotation.transcribed_by_id == w.secretary.id


def test_delegation_lets_the_new_leader_annotate():
    w = make_world()
    case = case_in(w, CaseStatus.FORWARDED)
    services.delegate(case, w.chen, w.deputy.id, "请建华同志阅处。")
    annotation = services.annotate(case, w.deputy, text="请人社局配合。")
    assert annotation.leader_id == w.deputy.id


def test_extension_moves_the_deadline_and_rearms_reminders():
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    lead = lead_assignment(case)
    with pytest.raises(ValidationError):
        services.request_extension(lead, w.finance_staff, "2026-12-01", "太早了")  # before the deadline
    extension = services.request_extension(lead, w.finance_staff, "2027-01-15", "需走预算调整程序。")
    with pytest.raises(ValidationError):
        services.request_extension(lead, w.finance_staff, "2027-01-20", "再来一份")
    services.decide_extension(extension, w.secretary, approve=True)
    assert lead.due_date == date(2027, 1, 15) and lead.deadline_version == 2
    assert extension.status is ExtensionStatus.APPROVED


def test_extension_only_before_the_deadline(clock):
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    clock.advance(days=30)
    with pytest.raises(ValidationError, match="已超过办理期限"):
        services.request_extension(lead_assignment(case), w.finance_staff, "2027-03-01", "晚了")


def test_only_the_lead_unit_replies_and_support_reports_progress():
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    support = next(a for a in case.assignments if not a.is_lead)
    services.acknowledge(support, w.park_staff)
    with pytest.raises(ValidationError, match="协办单位"):
        services.submit_reply(support, w.park_staff, text="已办。", outcome="resolved")
    with pytest.raises(NotFound):
        services.submit_reply(lead_assignment(case), w.park_staff, text="冒充主办。", outcome="resolved")


def test_sent_back_reply_returns_the_case_to_the_unit():
    w = make_world()
    case = case_in(w, CaseStatus.REPLIED)
    services.send_back_reply(case, w.secretary, "请写明资金来源。")
    assert case.status is CaseStatus.IN_PROGRESS
    assert case.replies[-1].status is ReplyStatus.SENT_BACK
    assert lead_assignment(case).status is AssignmentStatus.ACKNOWLEDGED
    services.submit_reply(lead_assignment(case), w.finance_staff, text="资金来源为园区年初预算。", outcome="resolved")
    assert case.status is CaseStatus.REPLIED


def test_reopen_after_dissatisfied_starts_a_new_round():
    w = make_world()
    case = case_in(w, CaseStatus.ANSWERED)
    services.give_feedback(case, w.representative, "satisfied")
    with pytest.raises(ValidationError, match="不满意"):
        services.reopen(case, w.representative, "还想再办")
    case = case_in(w, CaseStatus.REOPENED)
    assert case.reopen_count == 1
    services.assign(case, w.secretary, unit_ids=[w.park.id], lead_unit_id=w.park.id)
    current = services.current_assignments(case)
    assert [a.unit_id for a in current] == [w.park.id] and current[0].round == 2


def test_dissatisfied_feedback_needs_a_comment():
    w = make_world()
    case = case_in(w, CaseStatus.ANSWERED)
    with pytest.raises(ValidationError):
        services.give_feedback(case, w.representative, Rating.DISSATISFIED, "")


def test_no_feedback_closes_apart():
    w = make_world()
    case = case_in(w, CaseStatus.ANSWERED)
    services.close_without_feedback(case)
    assert case.close_reason is CloseReason.NO_FEEDBACK and case.status is CaseStatus.CLOSED


@pytest.mark.parametrize("field,value,message", [
    ("title", "", "请填写"),
    ("title", "x" * 201, "不能超过 200"),
    ("title", "两行\n标题", "不能换行"),
    ("content", "含控制字符\x00\x07", "控制字符"),
    ("content", "长" * 50_001, "不能超过 50000"),
    ("leader_ids", [999999], "所选领导不存在"),
    ("leader_ids", ["abc"], "编号格式不正确"),
    ("leader_ids", [], "至少选择一位"),
    ("category", "astrology", "取值无效"),
])
def test_hostile_letters_are_refused_and_nothing_is_stored(field, value, message):
    w = make_world()
    values = {"title": "标题", "content": LUORONG_LETTER, "leader_ids": [w.chen.id], "category": "labour",
              "on_behalf_of": "self", field: value}
    with pytest.raises(ValidationError, match=message) as refused:
        services.create_letter(w.representative, submit=True, **values)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_a_twenty_thousand_character_letter_is_accepted():
    w = make_world()
    content = ("雒容工业园区欠薪问题," * 2000)[:20_000]
    case = services.create_letter(w.representative, title="长信", content=content, leader_ids=[w.chen.id])
    db.session.commit()
    db.session.expire_all()
    assert len(db.session.get(Case, case.id).content) == 20_000


def test_unit_cannot_be_unknown_or_inactive():
    w = make_world()
    case = case_in(w, CaseStatus.ANNOTATED)
    with pytest.raises(ValidationError, match="承办单位不存在"):
        services.assign(case, w.secretary, unit_ids=[999999], lead_unit_id=999999)
    with pytest.raises(ValidationError, match="主办单位"):
        services.assign(case, w.secretary, unit_ids=[w.finance.id], lead_unit_id=None)
    with pytest.raises(ValidationError, match="晚于今天"):
        services.assign(case, w.secretary, unit_ids=[w.finance.id], lead_unit_id=w.finance.id, due_date="2026-01-01")


def test_merge_informs_both_representatives():
    from djgc_direct.notifications.models import Notification

    w = make_world()
    mine = write_letter(w)
    theirs = write_letter(w, representative=w.other_representative, title="另一件")
    services.merge(mine, w.secretary, theirs.id)
    db.session.commit()
    recipients = set(db.session.scalars(sa.select(Notification.recipient_id)))
    assert recipients == {w.representative.id, w.other_representative.id}
