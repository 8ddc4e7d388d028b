"""The whole transition table: every (state, action) pair, legal ones succeed, illegal ones are
refused with a clear message and change nothing."""
import pytest
import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases import services, workflow
from djgc_direct.cases.models import Assignment, Case, CaseStatus, Rating
from djgc_direct.cases.workflow import Action
from djgc_direct.core.errors import Conflict, DomainError, PermissionDenied
from djgc_direct.extensions import db
from tests.cases_world import case_in, lead_assignment, make_world, write_letter


def perform(world, case, action):
    """Take `action` on `case` as the role that may take it, with valid input.

    Returns False when the action has nothing to act on in this state (an assignment-level
    action before any assignment exists), which no interface can even express."""
    current = [a for a in case.assignments if a.round == case.reopen_count + 1]
    lead = next((a for a in current if a.is_lead), None)
    extension = next((e for a in current for e in a.extension_requests), None)
    sec, rep, chen = world.secretary, world.representative, world.chen
    if action is Action.EDIT:
        services.update_letter(case, rep, title="修改后的标题", content="补充:欠薪两百人。", leader_ids=[chen.id],
                               category="labour", on_behalf_of="self")
    elif action is Action.SUBMIT:
        services.submit_letter(case, rep)
    elif action is Action.WITHDRAW:
        services.withdraw(case, rep)
    elif action is Action.REGISTER:
        services.register(case, sec)
    elif action is Action.RETURN:
        services.return_to_representative(case, sec, "请补充。")
    elif action is Action.REJECT:
        services.reject(case, sec, "不予受理。")
    elif action is Action.FORWARD:
        services.forward(case, sec, [world.deputy.id])
    elif action is Action.DELEGATE:
        services.delegate(case, chen, world.third_leader.id)
    elif action is Action.ANNOTATE:
        actor = chen if any(link.leader_id == chen.id and link.forwarded_at for link in case.leaders) else sec
        services.annotate(case, actor, text="请抓紧办理。", leader_id=chen.id)
    elif action is Action.ASSIGN:
        services.assign(case, sec, unit_ids=[world.finance.id], lead_unit_id=world.finance.id)
    elif action is Action.MERGE:
        target = write_letter(world, representative=world.other_representative, title="另一封")
        services.merge(case, sec, target.id)
    elif action in (Action.LINK, Action.UNLINK):
        other = write_letter(world, representative=world.other_representative, title="相关事项")
        if action is Action.LINK:
            services.link(case, sec, other.id)
        else:  # a link to undo where one can be made; elsewhere the refusal comes first
            if workflow.can(case, Action.LINK, sec):
                services.link(case, sec, other.id)
            services.unlink(case, sec, other.id)
    elif action is Action.FEEDBACK:
        services.give_feedback(case, rep, Rating.SATISFIED)
    elif action is Action.CLOSE_NO_FEEDBACK:
        services.close_without_feedback(case)
    elif action is Action.REOPEN:
        services.reopen(case, sec, "重新办理。")
    elif action is Action.APPROVE_REPLY:
        services.approve_reply(case, sec)
    elif action is Action.SEND_BACK_REPLY:
        services.send_back_reply(case, sec, "请补充资金来源。")
    elif lead is None:
        return False
    elif action is Action.ACKNOWLEDGE:
        services.acknowledge(lead, world.finance_staff) if lead.status.value == "assigned" else \
            services.acknowledge(next(a for a in current if not a.is_lead), world.park_staff)
    elif action is Action.PROGRESS:
        services.report_progress(lead, world.finance_staff, "已与园区对账。")
    elif action is Action.REQUEST_EXTENSION:
        services.request_extension(lead, world.finance_staff, "2027-03-01", "需要走预算调整程序。")
    elif action is Action.DECIDE_EXTENSION:
        if extension is None:
            return False
        services.decide_extension(extension, sec, approve=True)
    elif action is Action.REPLY:
        services.submit_reply(lead, world.finance_staff, text="已解决。", outcome="resolved")
    else:  # pragma: no cover - a new action must be added here
        raise AssertionError(f"no performer for {action}")
    return True


def snapshot(case):
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    return (case.status, case.version, db.session.scalar(sa.select(sa.func.count(AuditRecord.id))),
            db.session.scalar(sa.select(sa.func.count(Assignment.id))))


PAIRS = [(status, action) for status in CaseStatus for action in Action]


@pytest.mark.parametrize("status,action", PAIRS, ids=[f"{s.value}-{a.value}" for s, a in PAIRS])
def test_transition_table(status, action):
    world = make_world()
    case = case_in(world, status)
    if action is Action.DECIDE_EXTENSION and workflow.find(status, action):
        services.request_extension(lead_assignment(case), world.finance_staff, "2027-03-01", "需要时间。")
        db.session.commit()
    transition = workflow.find(status, action)
    before = snapshot(case)
    if transition is None:
        with pytest.raises(DomainError) as refused:
            if perform(world, case, action) is False:
                raise Conflict("nothing to act on")
        assert isinstance(refused.value, (Conflict, PermissionDenied)), refused.value
        assert refused.value.message
        db.session.rollback()
        assert snapshot(case) == before
    else:
        assert perform(world, case, action) is not False
        db.session.commit()
        db.session.refresh(case)
        expected = transition.target
        if action is Action.ACKNOWLEDGE and status is CaseStatus.IN_PROGRESS:
            expected = CaseStatus.IN_PROGRESS
        assert case.status is expected
        assert snapshot(case)[2] > before[2]  # audited


def test_every_legal_action_has_a_role_and_every_state_is_reachable():
    reachable = {CaseStatus.DRAFT}
    frontier = [CaseStatus.DRAFT]
    while frontier:
        state = frontier.pop()
        for t in workflow.TRANSITIONS:
            if t.source is state and t.target not in reachable:
                reachable.add(t.target)
                frontier.append(t.target)
    assert reachable == set(CaseStatus)
    assert all(t.roles for t in workflow.TRANSITIONS)


def test_wrong_role_is_refused_and_changes_nothing():
    world = make_world()
    case = case_in(world, CaseStatus.SUBMITTED)
    before = snapshot(case)
    with pytest.raises(PermissionDenied):
        services.register(case, world.chen)
    db.session.rollback()
    assert snapshot(case) == before
