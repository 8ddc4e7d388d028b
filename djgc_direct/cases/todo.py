"""我的待办: what each user has to do now, most urgent first."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from djgc_direct.accounts.models import Role
from djgc_direct.cases.models import (
    Annotation, Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus, ExtensionRequest, ExtensionStatus,
)
from djgc_direct.cases.services import visible_cases
from djgc_direct.deadlines.stages import Stage, due_soon_until, open_deadlines
from djgc_direct.extensions import db

LIMIT = 100

# (statuses, what to do) per role; the deadline shown is the case's stage deadline if any.
TASKS = {
    Role.REPRESENTATIVE: {CaseStatus.DRAFT: _l("继续写信并提交"), CaseStatus.RETURNED: _l("补充后重新提交"),
                          CaseStatus.ANSWERED: _l("评价办理结果")},
    Role.SECRETARIAT: {CaseStatus.SUBMITTED: _l("登记"), CaseStatus.REGISTERED: _l("呈阅"),
                       CaseStatus.ANNOTATED: _l("交办"), CaseStatus.REPLIED: _l("审核答复"),
                       CaseStatus.REOPENED: _l("重新交办")},
    Role.LEADER: {CaseStatus.FORWARDED: _l("批示"), CaseStatus.ANNOTATED: _l("交办或批示")},
    Role.UNIT_STAFF: {CaseStatus.ASSIGNED: _l("签收"), CaseStatus.IN_PROGRESS: _l("办理并答复")},
}
# Stages whose deadline belongs to each role.
OWN_STAGES = {Role.REPRESENTATIVE: {Stage.FEEDBACK}, Role.SECRETARIAT: {Stage.REGISTER},
              Role.LEADER: {Stage.ANNOTATE}, Role.UNIT_STAFF: {Stage.ACKNOWLEDGE, Stage.REPLY}}


@dataclass(frozen=True)
class Task:
    case: Case
    what: str
    deadline: object  # stages.Deadline or None


def todo(user):
    statuses = TASKS.get(user.role)
    if not statuses:
        return []
    stmt = (visible_cases(user).where(Case.status.in_(list(statuses)))
            .options(selectinload(Case.leaders).selectinload(CaseLeader.leader),
                     selectinload(Case.assignments).selectinload(Assignment.unit),
                     selectinload(Case.representative)))
    if user.role is Role.REPRESENTATIVE:
        stmt = stmt.where(Case.representative_id == user.id)
    if user.role is Role.LEADER:  # not yet annotated by this leader
        stmt = stmt.where(Case.id.not_in(sa.select(Annotation.case_id).where(Annotation.leader_id == user.id)))
    if user.role is Role.UNIT_STAFF:  # the unit still has something to do in the current round
        stmt = stmt.where(sa.exists().where(
            Assignment.case_id == Case.id, Assignment.unit_id == user.organisation_id,
            Assignment.round == Case.reopen_count + 1,
            sa.or_(Assignment.status == AssignmentStatus.ASSIGNED,
                   sa.and_(Assignment.is_lead.is_(True), Assignment.status == AssignmentStatus.ACKNOWLEDGED))))
    soon_until = due_soon_until()
    tasks = []
    for case in db.session.scalars(stmt.limit(LIMIT)):
        mine = [d for d in open_deadlines(case, soon_until) if d.stage in OWN_STAGES[user.role]
                and (user.role is not Role.UNIT_STAFF or _unit_of(case, d) == user.organisation_id)]
        tasks.append(Task(case, statuses[case.status], mine[0] if mine else None))
    if user.role is Role.SECRETARIAT:
        tasks += _extension_tasks(user)
    return sorted(tasks, key=lambda t: (t.deadline is None, t.deadline.due if t.deadline else None, t.case.id))


def _unit_of(case, deadline):
    return next((a.unit_id for a in case.assignments if a.id == deadline.assignment_id), None)


def _extension_tasks(user):
    cases = db.session.scalars(
        sa.select(Case).join(Assignment, Assignment.case_id == Case.id)
        .join(ExtensionRequest, ExtensionRequest.assignment_id == Assignment.id)
        .where(ExtensionRequest.status == ExtensionStatus.PENDING).distinct()).all()
    return [Task(case, _l("审批延期申请"), None) for case in cases]
