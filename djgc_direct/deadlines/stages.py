"""The deadlines of each stage of a case (DESIGN §6), counted in working days.

The services fix each stage's deadline when the stage begins (Case.register_due,
CaseLeader.annotate_due, Assignment.acknowledge_due and due_date, Case.feedback_due), from
the time limits in effect (`services.deadline_workdays`). `open_deadlines(case, soon_until)`
lists what is still due on a case, who must act and how urgent it is; the reminder sweep
(`reminders.py`) reads the same columns in bulk.
"""
import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from djgc_direct.accounts.models import User
from djgc_direct.cases.models import Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus
from djgc_direct.core.clock import today_shanghai
from djgc_direct.deadlines.calendar import add_workdays
from djgc_direct.deadlines.services import reminder_ladder
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Organisation


class Stage(enum.Enum):
    REGISTER = "register"  # register and forward within 1 working day of (re)submission
    ANNOTATE = "annotate"
    ACKNOWLEDGE = "acknowledge"
    REPLY = "reply"
    FEEDBACK = "feedback"

    @property
    def label(self):
        return STAGE_LABELS[self]


class Urgency(enum.Enum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"

    @property
    def label(self):
        return URGENCY_LABELS[self]


STAGE_LABELS = {Stage.REGISTER: _l("登记呈阅"), Stage.ANNOTATE: _l("批示"), Stage.ACKNOWLEDGE: _l("签收"),
                Stage.REPLY: _l("答复"), Stage.FEEDBACK: _l("评价")}
URGENCY_LABELS = {Urgency.ON_TIME: _l("未到期"), Urgency.DUE_SOON: _l("即将到期"), Urgency.DUE_TODAY: _l("今日到期"),
                  Urgency.OVERDUE: _l("已逾期")}


@dataclass(frozen=True)
class Deadline:
    stage: Stage
    due: date
    responsible: str  # who must act, for display
    urgency: Urgency
    assignment_id: int | None = None

    @property
    def item_key(self):
        return f"{self.stage.value}:{self.assignment_id}" if self.assignment_id else self.stage.value


def due_soon_until():
    """The last due date that counts as due soon today: the due-soon rung of the reminder ladder
    in effect, so that pages say "即将到期" when the reminder does. Read once per page or digest."""
    today = today_shanghai()
    return add_workdays(today, reminder_ladder()["due_soon"])


def urgency(due, soon_until, today=None):
    today = today or today_shanghai()
    if due < today:
        return Urgency.OVERDUE
    if due == today:
        return Urgency.DUE_TODAY
    if due <= soon_until:
        return Urgency.DUE_SOON
    return Urgency.ON_TIME


def open_deadlines(case, soon_until):
    """What is still due on `case`, most urgent first. The dates were fixed when each stage began."""
    return _open_deadlines(
        case, soon_until,
        leaders=lambda: [(link.annotate_due, link.leader.name) for link in case.leaders if link.forwarded_at],
        assignments=lambda: [(a.id, a.status, a.is_lead, a.acknowledge_due, a.due_date, a.unit.name)
                             for a in case.assignments if a.round == case.reopen_count + 1])


def open_deadlines_of(cases, soon_until):
    """{case id: open_deadlines(case)} for a page of cases, without loading their leaders and
    assignments: the forwarded leaders' and current-round assignments' dates and names come in
    at most two queries for the whole page. The cases' own columns and representative are read
    as they are."""
    forwarded = [case.id for case in cases if case.status is CaseStatus.FORWARDED]
    handling = {case.id: case.reopen_count + 1 for case in cases if case.status in HANDLING}
    leaders, assignments = defaultdict(list), defaultdict(list)
    if forwarded:
        rows = db.session.execute(
            sa.select(CaseLeader.case_id, CaseLeader.annotate_due, User.name)
            .join(User, User.id == CaseLeader.leader_id)
            .where(CaseLeader.case_id.in_(forwarded), CaseLeader.forwarded_at.is_not(None))
            .order_by(CaseLeader.case_id, CaseLeader.leader_id))  # Case.leaders' order
        for case_id, due, name in rows:
            leaders[case_id].append((due, name))
    if handling:
        rows = db.session.execute(
            sa.select(Assignment.case_id, Assignment.round, Assignment.id, Assignment.status, Assignment.is_lead,
                      Assignment.acknowledge_due, Assignment.due_date, Organisation.name)
            .join(Organisation, Organisation.id == Assignment.unit_id)
            .where(Assignment.case_id.in_(list(handling)), Assignment.status.in_(OPEN_ASSIGNMENT))
            .order_by(Assignment.id))  # Case.assignments' order
        for case_id, round_, *assignment in rows:
            if round_ == handling[case_id]:
                assignments[case_id].append(tuple(assignment))
    return {case.id: _open_deadlines(case, soon_until, leaders=lambda: leaders[case.id],
                                     assignments=lambda: assignments[case.id])
            for case in cases}


# The statuses in which a case's assignments (and which of them) can have an open deadline.
HANDLING = (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS)
OPEN_ASSIGNMENT = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED)


def _open_deadlines(case, soon_until, leaders, assignments):
    """The rule itself. `leaders()`: (annotate_due, leader name) of each forwarded leader;
    `assignments()`: (id, status, is_lead, acknowledge_due, due_date, unit name) of each
    current-round assignment; each asked for only when the case's status needs it."""
    found = []

    def add(stage, due, responsible, assignment_id=None):
        if due is not None:
            found.append(Deadline(stage, due, responsible, urgency(due, soon_until), assignment_id))

    if case.status in (CaseStatus.SUBMITTED, CaseStatus.REGISTERED):
        add(Stage.REGISTER, case.register_due, _l("秘书处"))
    if case.status is CaseStatus.FORWARDED:
        for annotate_due, leader_name in leaders():
            add(Stage.ANNOTATE, annotate_due, leader_name)
    if case.status in HANDLING:
        for assignment_id, status, is_lead, acknowledge_due, due_date, unit_name in assignments():
            if status is AssignmentStatus.ASSIGNED:
                add(Stage.ACKNOWLEDGE, acknowledge_due, unit_name, assignment_id)
            if is_lead and status in OPEN_ASSIGNMENT:
                add(Stage.REPLY, due_date, unit_name, assignment_id)
    if case.status is CaseStatus.ANSWERED:
        add(Stage.FEEDBACK, case.feedback_due, case.representative.name)
    return sorted(found, key=lambda d: d.due)


def overdue_clause(today):
    """A WHERE clause for cases with at least one open deadline before `today`: the same stages
    and dates `open_deadlines` reads, asked of the database so that lists can filter on it."""
    current_round = sa.and_(Assignment.case_id == Case.id, Assignment.round == Case.reopen_count + 1)
    return sa.or_(
        sa.and_(Case.status.in_([CaseStatus.SUBMITTED, CaseStatus.REGISTERED]), Case.register_due < today),
        sa.and_(Case.status == CaseStatus.FORWARDED, sa.exists().where(
            CaseLeader.case_id == Case.id, CaseLeader.forwarded_at.is_not(None), CaseLeader.annotate_due < today)),
        sa.and_(Case.status.in_([CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS]), sa.exists().where(
            current_round, sa.or_(
                sa.and_(Assignment.status == AssignmentStatus.ASSIGNED, Assignment.acknowledge_due < today),
                sa.and_(Assignment.is_lead.is_(True),
                        Assignment.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED]),
                        Assignment.due_date < today)))),
        sa.and_(Case.status == CaseStatus.ANSWERED, Case.feedback_due < today),
    )
