"""The deadlines of each stage of a case (DESIGN §6), counted in working days.

`open_deadlines(case, calendar)` lists what is still due on a case, with who must act and how
urgent it is. The reminder sweep uses the same stage rules in bulk (see `reminders.py`).
"""
import enum
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from djgc_direct.cases.models import AssignmentStatus, CaseStatus
from djgc_direct.core.clock import SHANGHAI, today_shanghai
from djgc_direct.deadlines.calendar import WorkdayCalendar

DUE_SOON_WORKDAYS = 2


class Stage(enum.Enum):
    REGISTER = "register"  # register and forward within 1 working day of (re)submission
    ANNOTATE = "annotate"
    ACKNOWLEDGE = "acknowledge"
    REPLY = "reply"
    FEEDBACK = "feedback"

    @property
    def label(self):
        return {Stage.REGISTER: _l("登记呈阅"), Stage.ANNOTATE: _l("批示"), Stage.ACKNOWLEDGE: _l("签收"),
                Stage.REPLY: _l("答复"), Stage.FEEDBACK: _l("评价")}[self]


class Urgency(enum.Enum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"

    @property
    def label(self):
        return {Urgency.ON_TIME: _l("未到期"), Urgency.DUE_SOON: _l("即将到期"), Urgency.DUE_TODAY: _l("今日到期"),
                Urgency.OVERDUE: _l("已逾期")}[self]


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


def local_date(moment):
    return moment.astimezone(SHANGHAI).date()


def calendar_for_today():
    """A calendar window that covers the deadlines of open cases around today."""
    today = today_shanghai()
    return WorkdayCalendar(today - timedelta(days=120), today + timedelta(days=120))


def urgency(due, calendar, today=None):
    today = today or today_shanghai()
    if due < today:
        return Urgency.OVERDUE
    if due == today:
        return Urgency.DUE_TODAY
    if due <= calendar.add_workdays(today, DUE_SOON_WORKDAYS):
        return Urgency.DUE_SOON
    return Urgency.ON_TIME


def stage_due(stage, start, calendar):
    """The deadline of `stage` begun on local date `start`, from the configured working days."""
    return calendar.add_workdays(start, current_app.config["DEADLINE_WORKDAYS"][stage.value])


def open_deadlines(case, calendar):
    """What is still due on `case`, most urgent first."""
    found = []

    def add(stage, due, responsible, assignment_id=None):
        found.append(Deadline(stage, due, responsible, urgency(due, calendar), assignment_id))

    if case.status in (CaseStatus.SUBMITTED, CaseStatus.REGISTERED) and case.submitted_at:
        add(Stage.REGISTER, stage_due(Stage.REGISTER, local_date(case.submitted_at), calendar), _l("秘书处"))
    if case.status is CaseStatus.FORWARDED:
        for link in case.leaders:
            if link.forwarded_at:
                add(Stage.ANNOTATE, stage_due(Stage.ANNOTATE, local_date(link.forwarded_at), calendar),
                    link.leader.name)
    if case.status in (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS):
        for assignment in case.assignments:
            if assignment.round != case.reopen_count + 1:
                continue
            if assignment.status is AssignmentStatus.ASSIGNED:
                add(Stage.ACKNOWLEDGE, stage_due(Stage.ACKNOWLEDGE, local_date(assignment.assigned_at), calendar),
                    assignment.unit.name, assignment.id)
            if assignment.is_lead and assignment.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED):
                add(Stage.REPLY, assignment.due_date, assignment.unit.name, assignment.id)
    if case.status is CaseStatus.ANSWERED and case.answered_at:
        add(Stage.FEEDBACK, stage_due(Stage.FEEDBACK, local_date(case.answered_at), calendar),
            case.representative.name)
    return sorted(found, key=lambda d: d.due)
