"""The reminder sweep (催办 → 督办): which deadlines reached which rung of the ladder today.

Each (stage, level) is one INSERT … SELECT … ON CONFLICT DO NOTHING over the stored stage
deadlines, so a sweep over 100,000 open assignments is a handful of set-based statements. The
unique key (item, due date, level) makes every reminder happen exactly once, however many sweeps
run at the same time or again; each sweep then notifies only about the rows it inserted itself
(marked with its sweep id).

With T = today (Asia/Shanghai) and W(k) = the k-th latest working day up to T (W(1) is T itself
on a working day), a deadline `due` has reached, with the ladder in effect (config
REMINDER_LADDER unless an admin has changed it; the default in brackets):
  due soon      T < due <= T + due_soon working days   [2]  (only before it is due)
  due today     due == T
  overdue       due < W(overdue)                       [1]  (≥ 1 working day late)
  escalation 1  due < W(escalation_1)                  [3]
  escalation 2  due < W(escalation_2)                  [5]
"""
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import Annotation, Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus
from djgc_direct.core.clock import now_utc, today_shanghai
from djgc_direct.core.maintenance import refresh_statistics
from djgc_direct.deadlines.calendar import WorkdayCalendar
from djgc_direct.deadlines.models import Reminder, ReminderLevel as L
from djgc_direct.deadlines.services import reminder_ladder
from djgc_direct.deadlines.stages import Stage
from djgc_direct.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
ANALYZE_AFTER = 1_000
OPEN_HANDLING = (CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS)
CURRENT_ROUND = Assignment.round == Case.reopen_count + 1


@dataclass(frozen=True)
class Thresholds:
    today: object
    soon_until: object
    overdue_before: object
    escalation_1_before: object
    escalation_2_before: object

    @classmethod
    def for_today(cls, today, ladder):
        calendar = WorkdayCalendar.around(today, max(ladder.values()) + 2)
        latest = today if calendar.is_workday(today) else calendar.subtract_workdays(today, 1)

        def late_by(k):  # a due date before W(k) is at least k working days late
            return calendar.subtract_workdays(latest, k - 1)

        return cls(today, calendar.add_workdays(today, ladder["due_soon"]), late_by(ladder["overdue"]),
                   late_by(ladder["escalation_1"]), late_by(ladder["escalation_2"]))

    def condition(self, level, due):
        return {
            L.DUE_SOON: sa.and_(due > self.today, due <= self.soon_until),
            L.DUE_TODAY: due == self.today,
            L.OVERDUE: due < self.overdue_before,
            L.ESCALATION_1: due < self.escalation_1_before,
            L.ESCALATION_2: due < self.escalation_2_before,
        }[level]


def _key(prefix, *columns):
    expression = sa.literal(prefix)
    for column in columns:
        expression = expression + sa.literal(":") + sa.cast(column, sa.String)
    return expression


def _sources():
    """For each stage: (due column, item key, case id, assignment id, leader id, FROM/WHERE, levels)."""
    every_level = list(L)
    return {
        Stage.REGISTER: (Case.register_due, _key("register", Case.id), Case.id, sa.null(), sa.null(),
                         lambda s: s.where(Case.status.in_([CaseStatus.SUBMITTED, CaseStatus.REGISTERED])),
                         every_level),
        Stage.ANNOTATE: (CaseLeader.annotate_due, _key("annotate", Case.id, CaseLeader.leader_id), Case.id,
                         sa.null(), CaseLeader.leader_id,
                         lambda s: s.select_from(CaseLeader).join(Case, Case.id == CaseLeader.case_id)
                         .where(Case.status == CaseStatus.FORWARDED, CaseLeader.forwarded_at.is_not(None)),
                         every_level),
        Stage.ACKNOWLEDGE: (Assignment.acknowledge_due, _key("acknowledge", Assignment.id), Case.id, Assignment.id,
                            sa.null(),
                            lambda s: s.select_from(Assignment).join(Case, Case.id == Assignment.case_id)
                            .where(Case.status.in_(OPEN_HANDLING), CURRENT_ROUND,
                                   Assignment.status == AssignmentStatus.ASSIGNED),
                            every_level),
        Stage.REPLY: (Assignment.due_date, _key("reply", Assignment.id), Case.id, Assignment.id, sa.null(),
                      lambda s: s.select_from(Assignment).join(Case, Case.id == Assignment.case_id)
                      .where(Case.status.in_(OPEN_HANDLING), CURRENT_ROUND, Assignment.is_lead.is_(True),
                             Assignment.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED])),
                      every_level),
        # Past the verdict deadline the case closes as "no feedback" instead of being chased.
        Stage.FEEDBACK: (Case.feedback_due, _key("feedback", Case.id), Case.id, sa.null(), sa.null(),
                         lambda s: s.where(Case.status == CaseStatus.ANSWERED),
                         [L.DUE_SOON, L.DUE_TODAY]),
    }


def create_reminders(sweep_id, ladder):
    """Insert every reminder the ladder has reached and that does not exist yet; returns
    {(stage, level): count inserted by this sweep}."""
    thresholds = Thresholds.for_today(today_shanghai(), ladder)
    insert = _INSERTS[db.session.get_bind().dialect.name]
    now = now_utc()
    created = {}
    for stage, (due, key, case_id, assignment_id, leader_id, scope, levels) in _sources().items():
        for level in levels:
            select = scope(sa.select(
                key, sa.literal(stage.value), sa.literal(level.value), due, case_id, assignment_id, leader_id,
                sa.literal(sweep_id), sa.literal(now, type_=Reminder.created_at.type),
            )).where(due.is_not(None), thresholds.condition(level, due))
            statement = insert(Reminder).from_select(
                ["item_key", "stage", "level", "due_date", "case_id", "assignment_id", "leader_id", "sweep_id",
                 "created_at"], select).on_conflict_do_nothing(index_elements=["item_key", "due_date", "level"])
            # Counted through RETURNING: drivers disagree on rowcount for INSERT … SELECT.
            created[(stage, level)] = len(db.session.execute(statement.returning(Reminder.id)).all())
    return created


def new_sweep_id():
    return uuid.uuid4().hex


def close_expired_verdicts():
    """Close, as "no feedback", answered cases whose verdict deadline has passed."""
    from djgc_direct.cases.services import close_without_feedback

    expired = db.session.scalars(sa.select(Case).where(
        Case.status == CaseStatus.ANSWERED, Case.feedback_due < today_shanghai()).order_by(Case.id)).all()
    for case in expired:
        close_without_feedback(case)
    return len(expired)


@dataclass
class SweepResult:
    sweep_id: str
    reminders: dict  # {(stage, level): count}
    closed_without_feedback: int
    notifications: int

    def lines(self):
        """Counts per kind, for the command line."""
        rows = [f"{stage.value}.{level.value}: {n}" for (stage, level), n in sorted(
            self.reminders.items(), key=lambda item: (item[0][0].value, list(L).index(item[0][1]))) if n]
        rows.append(f"reminders: {sum(self.reminders.values())}")
        rows.append(f"notifications: {self.notifications}")
        rows.append(f"closed without feedback: {self.closed_without_feedback}")
        return rows


def sweep():
    """One sweep as of the clock's now. Flushes; the caller (command or job) commits once."""
    sweep_id = new_sweep_id()
    # This sweep's rows all get ids above the current maximum, so they are found by an id range.
    first_id = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Reminder.id), 0))) + 1
    # Read once, so that the thresholds and the titles of the notifications agree.
    ladder = reminder_ladder()
    reminders = create_reminders(sweep_id, ladder)
    if sum(reminders.values()) > ANALYZE_AFTER and db.session.get_bind().dialect.name == "postgresql":
        # PostgreSQL plans the notification joins from table statistics, which know nothing yet
        # of the rows this transaction just inserted; after a large batch they are refreshed first.
        refresh_statistics("reminders")
    notified = notify_reminders(sweep_id, first_id, ladder)
    closed = close_expired_verdicts()
    return SweepResult(sweep_id, reminders, closed, notified)


# ---- telling people ---------------------------------------------------------------------------

def _level_titles(ladder):
    """The title prefix of each rung; the escalations name the days late they stand for."""
    return {L.DUE_SOON: _l("【催办】即将到期:"), L.DUE_TODAY: _l("【催办】今日到期:"), L.OVERDUE: _l("【催办】已逾期:"),
            L.ESCALATION_1: _l("【督办】逾期 %(n)d 个工作日:", n=ladder["escalation_1"]),
            L.ESCALATION_2: _l("【督办】逾期 %(n)d 个工作日:", n=ladder["escalation_2"])}


def _text_case(column, labels):
    return sa.case(*((column == key, sa.literal(str(text))) for key, text in labels.items()), else_=sa.literal(""))


def _audiences(reminder):
    """(which reminders, how to reach their recipients) pairs: a condition on the reminder, and a
    function that joins the recipient `User` rows onto (reminder ⋈ case). Plain joins, so that the
    database can hash them: correlated subqueries per user row were slow on PostgreSQL."""
    active = User.active.is_(True)
    warnings = reminder.c.level.in_([L.DUE_SOON.value, L.DUE_TODAY.value, L.OVERDUE.value])
    annotators = sa.select(Annotation.case_id, Annotation.leader_id).distinct().subquery()
    annotated = sa.exists().where(Annotation.case_id == reminder.c.case_id)

    def secretariat(rows):
        return rows.join(User, sa.and_(User.role == Role.SECRETARIAT, active))

    def leader_of_reminder(rows):
        return rows.join(User, sa.and_(User.id == reminder.c.leader_id, active))

    def unit_staff(rows):
        return rows.join(Assignment, Assignment.id == reminder.c.assignment_id).join(
            User, sa.and_(User.organisation_id == Assignment.unit_id, User.role == Role.UNIT_STAFF, active))

    def representative(rows):
        return rows.join(User, User.id == Case.representative_id)

    def annotating_leaders(rows):
        return rows.join(annotators, annotators.c.case_id == reminder.c.case_id).join(
            User, sa.and_(User.id == annotators.c.leader_id, active))

    return [
        # The one who must act hears the warnings and the first overdue notice.
        (sa.and_(warnings, reminder.c.stage == Stage.REGISTER.value), secretariat),
        (sa.and_(warnings, reminder.c.stage == Stage.ANNOTATE.value), leader_of_reminder),
        (sa.and_(warnings, reminder.c.stage.in_([Stage.ACKNOWLEDGE.value, Stage.REPLY.value])), unit_staff),
        (sa.and_(warnings, reminder.c.stage == Stage.FEEDBACK.value), representative),
        # Escalation 1 goes to the secretariat; escalation 2 to the leaders who annotated the
        # case, or to the secretariat where nobody has annotated yet.
        (reminder.c.level == L.ESCALATION_1.value, secretariat),
        (sa.and_(reminder.c.level == L.ESCALATION_2.value, annotated), annotating_leaders),
        (sa.and_(reminder.c.level == L.ESCALATION_2.value, ~annotated), secretariat),
    ]


def notify_reminders(sweep_id, first_id, ladder):
    """Write the notifications (and outbox e-mails) for the reminders this sweep inserted, in
    set-based statements. Their dedup keys ("reminder:<id>:<user>") keep them exactly-once."""
    from djgc_direct.notifications.models import Notification, OutboxEmail

    insert = _INSERTS[db.session.get_bind().dialect.name]
    now = now_utc()
    reminder = sa.select(Reminder).where(Reminder.id >= first_id, Reminder.sweep_id == sweep_id).subquery()
    stage_labels = {stage.value: stage.label for stage in Stage}
    before = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Notification.id), 0)))
    written = 0
    titles = {level.value: text for level, text in _level_titles(ladder).items()}
    for which, join_recipients in _audiences(reminder):
        title = _text_case(reminder.c.level, titles) + Case.title
        body = (sa.literal(str(_l("来信"))) + sa.func.coalesce(Case.number, sa.literal("")) + sa.literal(" ")
                + Case.title + sa.literal(str(_l("的“"))) + _text_case(reminder.c.stage, stage_labels)
                + sa.literal(str(_l("”期限为 "))) + sa.cast(reminder.c.due_date, sa.String) + sa.literal("。"))
        rows = (sa.select(User.id, sa.literal("reminder.") + reminder.c.level, sa.func.substr(title, 1, 200), body,
                          sa.literal("/cases/") + sa.cast(Case.id, sa.String), Case.id,
                          sa.literal(now, type_=Notification.created_at.type),
                          _key("reminder", reminder.c.id, User.id))
                .select_from(join_recipients(sa.join(reminder, Case, Case.id == reminder.c.case_id)))
                .where(which))
        statement = insert(Notification).from_select(
            ["recipient_id", "kind", "title", "body", "link", "case_id", "created_at", "dedup_key"], rows,
        ).on_conflict_do_nothing(index_elements=["dedup_key"])
        written += len(db.session.execute(statement.returning(Notification.id)).all())
    footer = "\n\n" + str(_l("请登录党代表直通车系统查看详情。")) + "\n"
    mails = (sa.select(Notification.id, User.email, Notification.title, Notification.body + sa.literal(footer),
                       sa.literal(now, type_=OutboxEmail.created_at.type), sa.literal(0),
                       sa.literal(now, type_=OutboxEmail.next_attempt_at.type), Notification.dedup_key)
             .join(User, User.id == Notification.recipient_id)
             .where(Notification.id > before, Notification.kind.like("reminder.%"), User.email.is_not(None),
                    User.email != ""))
    db.session.execute(insert(OutboxEmail).from_select(
        ["notification_id", "to_address", "subject", "body", "created_at", "attempts", "next_attempt_at",
         "dedup_key"], mails).on_conflict_do_nothing(index_elements=["dedup_key"]))
    return written
