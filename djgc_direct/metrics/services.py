"""The responsiveness metrics (DESIGN §7) as SQL aggregates. Definitions: docs/metrics.md.

Three families, each put into a period by its own date:
- handling (units): assignments given in the period (Assignment.assigned_at);
- annotation (leaders): forwardings to a leader in the period (CaseLeader.forwarded_at);
- intake (letters, delegations): letters first submitted in the period (Case.first_submitted_at).
Letters merged into another case are left out everywhere (the case they joined counts).

Each family has one list of row conditions (`_*_conditions`). Every count is SUM(CASE WHEN
condition) over them, and the drill-down case lists select the case ids matching the same
condition, so a figure and the cases behind it cannot disagree. Every function issues a fixed
number of statements whatever the number of units, leaders or cases.
"""
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import (
    Annotation, Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus, CloseReason, Feedback, Rating, Reply,
    ReplyStatus,
)
from djgc_direct.core.clock import today_shanghai
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines.models import Reminder, ReminderLevel
from djgc_direct.extensions import db
from djgc_direct.metrics.periods import last_months
from djgc_direct.metrics.sql import local_date, org_closure, workday_numbers
from djgc_direct.organisations.models import Delegation, Organisation

HANDLING, ANNOTATION, INTAKE = "handling", "annotation", "intake"
ONE_PERCENT = Decimal("0.1")
TREND_MONTHS = 6


@dataclass(frozen=True)
class RateSpec:
    name: str
    label: object
    numerator: str
    denominator: str
    percent: bool = True  # False: a mean (e.g. working days), not a share


@dataclass(frozen=True)
class Rate:
    numerator: object
    denominator: int
    min_cases: int
    percent: bool = True

    @property
    def value(self):
        """Percent (or the mean) to one decimal; None when no case is behind it ("no data")."""
        if not self.denominator:
            return None
        value = Decimal(self.numerator) / Decimal(self.denominator) * (100 if self.percent else 1)
        return value.quantize(ONE_PERCENT, rounding=ROUND_HALF_UP)

    @property
    def flagged(self):
        """Shown, but over too few cases to mean much or to be ranked."""
        return 0 < self.denominator < self.min_cases


# ---- the three families: counts (with their labels) and the rates built on them -----------------

COUNT_LABELS = {
    HANDLING: {
        "assignments": _l("交办件次"), "ack_counted": _l("应签收"), "ack_on_time": _l("按时签收"),
        "ack_late": _l("逾期签收或未签收"), "reply_counted": _l("应答复"), "reply_on_time": _l("按时答复"),
        "replied_late": _l("逾期答复"), "overdue_open": _l("逾期未答复"), "overdue": _l("逾期件次"),
        "replied": _l("已答复"), "reply_workdays": _l("答复用时合计(工作日)"), "escalations": _l("督办次数"),
        "answered": _l("答复已审核"), "feedback": _l("已评价"), "satisfied": _l("满意或基本满意"),
        "dissatisfied": _l("不满意"), "no_feedback": _l("逾期未评价"), "reopened": _l("重办"),
        "money": _l("答复报告金额(元)"),
    },
    ANNOTATION: {
        "forwarded": _l("呈阅件次"), "annotate_counted": _l("应批示"), "annotate_on_time": _l("按时批示"),
        "annotate_late": _l("逾期批示或未批示"), "annotated": _l("已批示"), "annotate_workdays": _l("批示用时合计(工作日)"),
    },
    INTAKE: {
        "letters": _l("来信件数"), "forward_counted": _l("应送呈"), "forwarded_on_time": _l("1个工作日内送呈"),
        "forward_late": _l("超时送呈或未送呈"), "answered": _l("已答复"), "closed": _l("已办结"), "reopened": _l("重办"),
        "feedback": _l("已评价"), "satisfied": _l("满意或基本满意"), "dissatisfied": _l("不满意"),
        "no_feedback": _l("逾期未评价"), "money": _l("答复报告金额(元)"),
    },
}

RATES = {
    HANDLING: (
        RateSpec("acknowledge_on_time", _l("按时签收率"), "ack_on_time", "ack_counted"),
        RateSpec("reply_on_time", _l("按时答复率"), "reply_on_time", "reply_counted"),
        RateSpec("mean_reply_workdays", _l("平均答复用时(工作日)"), "reply_workdays", "replied", percent=False),
        RateSpec("satisfaction", _l("满意率"), "satisfied", "feedback"),
        RateSpec("reopen", _l("重办率"), "reopened", "answered"),
    ),
    ANNOTATION: (
        RateSpec("annotate_on_time", _l("按时批示率"), "annotate_on_time", "annotate_counted"),
        RateSpec("mean_annotate_workdays", _l("平均批示用时(工作日)"), "annotate_workdays", "annotated",
                 percent=False),
    ),
    INTAKE: (
        RateSpec("forwarded_in_time", _l("1个工作日内送呈率"), "forwarded_on_time", "forward_counted"),
        RateSpec("satisfaction", _l("满意率"), "satisfied", "feedback"),
        RateSpec("reopen", _l("重办率"), "reopened", "answered"),
    ),
}
# Sums rather than counts of rows: a drill-down shows the cases where the summand is not zero.
SUMMED = {"reply_workdays", "annotate_workdays", "escalations", "money"}
RANK_BY = {HANDLING: "reply_on_time", ANNOTATION: "annotate_on_time", INTAKE: "forwarded_in_time"}


def min_cases():
    return current_app.config.get("METRICS_MIN_CASES", 5)


@dataclass
class MetricRow:
    family: str
    key: int | None  # unit, organisation, leader or delegation id; None for a whole-city total
    name: str
    counts: dict
    min_cases: int
    level: object = None  # organisations: their Level
    parent_id: int | None = None
    rank: int | None = None
    period: object = None  # trend rows: the month they stand for
    rates: dict = field(init=False)

    def __post_init__(self):
        self.rates = {spec.name: Rate(self.counts[spec.numerator], self.counts[spec.denominator], self.min_cases,
                                      spec.percent)
                      for spec in RATES[self.family]}

    @property
    def has_data(self):
        return any(self.counts.values())


def _sum_if(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _in_period(column, period):
    start, end = period.bounds_utc()
    return sa.and_(column >= start, column < end)


def _workdays_for(period, today):
    # Replies and annotations to items of the period may come up to today.
    return workday_numbers(period.start - timedelta(days=1), max(period.end, today))


# ---- handling: one row per assignment given in the period ----------------------------------------

def _handling_source(period, today):
    """(FROM clause, WHERE clause, {count name: condition or summed expression})."""
    A = Assignment
    workdays = _workdays_for(period, today)
    given, answered_on = workdays.alias("wd_given"), workdays.alias("wd_replied")
    reply = aliased(Reply, name="approved_reply")
    escalations = (sa.select(Reminder.assignment_id, sa.func.count(Reminder.id).label("n"))
                   .where(Reminder.level.in_([ReminderLevel.ESCALATION_1, ReminderLevel.ESCALATION_2]),
                          Reminder.assignment_id.is_not(None))
                   .group_by(Reminder.assignment_id).subquery("escalations"))
    source = (sa.join(A, Case, Case.id == A.case_id)
              .outerjoin(reply, sa.and_(reply.assignment_id == A.id, reply.status == ReplyStatus.APPROVED))
              .outerjoin(Feedback, Feedback.reply_id == reply.id)
              .outerjoin(escalations, escalations.c.assignment_id == A.id)
              .outerjoin(given, given.c.day == local_date(A.assigned_at))
              .outerjoin(answered_on, answered_on.c.day == local_date(A.replied_at)))
    where = sa.and_(_in_period(A.assigned_at, period), Case.merged_into_id.is_(None))

    lead = A.is_lead.is_(True)
    replied = sa.and_(lead, A.replied_at.is_not(None))
    reply_on_time = sa.and_(replied, local_date(A.replied_at) <= A.due_date)  # due_date moves with extensions
    replied_late = sa.and_(replied, local_date(A.replied_at) > A.due_date)
    overdue_open = sa.and_(lead, A.replied_at.is_(None),
                           A.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED]),
                           A.due_date < today)
    ack_on_time = sa.and_(A.acknowledged_at.is_not(None), local_date(A.acknowledged_at) <= A.acknowledge_due)
    ack_counted = sa.and_(A.acknowledge_due.is_not(None),
                          sa.or_(A.acknowledged_at.is_not(None), A.acknowledge_due < today))
    answered = sa.and_(lead, reply.id.is_not(None))
    round_reopened = Case.reopen_count >= A.round  # a reopen ends the round and opens the next
    conditions = {
        "assignments": sa.true(),
        "ack_counted": ack_counted,
        "ack_on_time": ack_on_time,
        "ack_late": sa.and_(ack_counted, sa.not_(ack_on_time)),
        "reply_counted": sa.or_(replied, overdue_open),
        "reply_on_time": reply_on_time,
        "replied_late": replied_late,
        "overdue_open": overdue_open,
        "overdue": sa.or_(replied_late, overdue_open),
        "replied": replied,
        "reply_workdays": (replied, answered_on.c.n - given.c.n),
        "escalations": (escalations.c.n.is_not(None), escalations.c.n),
        "answered": answered,
        "feedback": Feedback.id.is_not(None),
        "satisfied": Feedback.rating.in_([Rating.SATISFIED, Rating.BASICALLY_SATISFIED]),
        "dissatisfied": Feedback.rating == Rating.DISSATISFIED,
        # An approved reply left without a verdict: the case closed as "no feedback" (and may
        # have been reopened by the secretariat since, which ended the round).
        "no_feedback": sa.and_(answered, Feedback.id.is_(None),
                               sa.or_(Case.close_reason == CloseReason.NO_FEEDBACK, round_reopened)),
        "reopened": sa.and_(answered, round_reopened),
        "money": (reply.amount_yuan.is_not(None), reply.amount_yuan),
    }
    return source, where, conditions


# ---- annotation: one row per forwarding of a case to a leader in the period ----------------------

def _annotation_source(period, today):
    CL = CaseLeader
    workdays = _workdays_for(period, today)
    sent, written = workdays.alias("wd_forwarded"), workdays.alias("wd_annotated")
    first = (sa.select(Annotation.case_id, Annotation.leader_id, sa.func.min(Annotation.created_at).label("at"))
             .group_by(Annotation.case_id, Annotation.leader_id).subquery("first_annotation"))
    source = (sa.join(CL, Case, Case.id == CL.case_id)
              .outerjoin(first, sa.and_(first.c.case_id == CL.case_id, first.c.leader_id == CL.leader_id))
              .outerjoin(sent, sent.c.day == local_date(CL.forwarded_at))
              .outerjoin(written, written.c.day == local_date(first.c.at)))
    where = sa.and_(_in_period(CL.forwarded_at, period), Case.merged_into_id.is_(None))
    annotated = first.c.at.is_not(None)
    on_time = sa.and_(annotated, local_date(first.c.at) <= CL.annotate_due)
    counted = sa.and_(CL.annotate_due.is_not(None), sa.or_(annotated, CL.annotate_due < today))
    conditions = {
        "forwarded": sa.true(),
        "annotate_counted": counted,
        "annotate_on_time": on_time,
        "annotate_late": sa.and_(counted, sa.not_(on_time)),
        "annotated": annotated,
        "annotate_workdays": (annotated, written.c.n - sent.c.n),
    }
    return source, where, conditions


# ---- intake: one row per letter first submitted in the period ------------------------------------

def _intake_source(period, today):
    verdicts = (sa.select(Feedback.case_id, sa.func.count(Feedback.id).label("n"),
                          _sum_if(Feedback.rating.in_([Rating.SATISFIED, Rating.BASICALLY_SATISFIED])).label("good"),
                          _sum_if(Feedback.rating == Rating.DISSATISFIED).label("bad"))
                .group_by(Feedback.case_id).subquery("verdicts"))
    money = (sa.select(Reply.case_id, sa.func.sum(Reply.amount_yuan).label("yuan"))
             .where(Reply.status == ReplyStatus.APPROVED).group_by(Reply.case_id).subquery("money"))
    author = aliased(User, name="author")
    source = (sa.join(Case, author, author.id == Case.representative_id)
              .outerjoin(verdicts, verdicts.c.case_id == Case.id)
              .outerjoin(money, money.c.case_id == Case.id))
    # A resubmitted letter is one row: it keeps its first submission date.
    where = sa.and_(_in_period(Case.first_submitted_at, period), Case.merged_into_id.is_(None))
    on_time = sa.and_(Case.forwarded_at.is_not(None), local_date(Case.forwarded_at) <= Case.register_due)
    waiting_late = sa.and_(Case.status.in_([CaseStatus.SUBMITTED, CaseStatus.REGISTERED]),
                           Case.register_due < today)
    counted = sa.and_(Case.register_due.is_not(None), sa.or_(Case.forwarded_at.is_not(None), waiting_late))
    conditions = {
        "letters": sa.true(),
        "forward_counted": counted,
        "forwarded_on_time": on_time,
        "forward_late": sa.and_(counted, sa.not_(on_time)),
        "answered": Case.answered_at.is_not(None),
        "closed": Case.status == CaseStatus.CLOSED,
        "reopened": sa.and_(Case.answered_at.is_not(None), Case.reopen_count > 0),
        "feedback": (verdicts.c.n.is_not(None), verdicts.c.n),
        "satisfied": (verdicts.c.good > 0, verdicts.c.good),
        "dissatisfied": (verdicts.c.bad > 0, verdicts.c.bad),
        "no_feedback": Case.close_reason == CloseReason.NO_FEEDBACK,
        "money": (money.c.yuan.is_not(None), money.c.yuan),
    }
    return source, where, conditions, author


_SOURCES = {HANDLING: _handling_source, ANNOTATION: _annotation_source}


def _source(family, period, today):
    if family == INTAKE:
        return _intake_source(period, today)[:3]
    return _SOURCES[family](period, today)


def _aggregates(conditions):
    columns = []
    for name, condition in conditions.items():
        if isinstance(condition, tuple):  # (when it counts, what it adds)
            when, amount = condition
            columns.append(sa.func.coalesce(sa.func.sum(sa.case((when, amount), else_=0)), 0).label(name))
        else:
            columns.append(_sum_if(condition).label(name))
    return columns


def _counts(family, mapping):
    counts = {}
    for name in COUNT_LABELS[family]:
        value = mapping[name] or 0
        counts[name] = Decimal(str(value)).quantize(Decimal("0.01")) if name == "money" else int(value)
    return counts


def _grouped(family, period, key, today=None):
    """A subquery of the family's counts grouped by `key(tables)` (column `key`)."""
    today = today or today_shanghai()
    if family == INTAKE:
        source, where, conditions, author = _intake_source(period, today)
        key_column = key(author)
    else:
        source, where, conditions = _source(family, period, today)
        key_column = key(None)
    return (sa.select(key_column.label("key"), *_aggregates(conditions)).select_from(source).where(where)
            .group_by(key_column).subquery("figures"))


# ---- public: figures ------------------------------------------------------------------------------

def total(family, period):
    """The whole city's figures for one family (one statement)."""
    source, where, conditions = _source(family, period, today_shanghai())
    mapping = db.session.execute(sa.select(*_aggregates(conditions)).select_from(source).where(where)).mappings().one()
    return MetricRow(family, None, _("全市"), _counts(family, mapping), min_cases())


def _rows(family, statement, **extra):
    minimum = min_cases()
    rows = []
    for mapping in db.session.execute(statement).mappings():
        rows.append(MetricRow(family, mapping["id"], mapping["name"], _counts(family, mapping), minimum,
                              **{name: mapping[column] for name, column in extra.items()}))
    return rank(rows)


def _figure_columns(family, figures):
    return [figures.c[name] for name in COUNT_LABELS[family]]


def units(period, unit_ids=None):
    """Each handling unit's own figures (assignments given to it in the period); active units
    with no assignment appear with "no data". `unit_ids` narrows the list."""
    figures = _grouped(HANDLING, period, lambda _t: Assignment.unit_id)
    statement = (sa.select(Organisation.id, Organisation.name, Organisation.level, Organisation.parent_id,
                           *_figure_columns(HANDLING, figures))
                 .outerjoin(figures, figures.c.key == Organisation.id)
                 .where(Organisation.is_unit.is_(True), sa.or_(Organisation.active.is_(True), figures.c.key.is_not(None)))
                 .order_by(Organisation.name))
    if unit_ids is not None:
        statement = statement.where(Organisation.id.in_(unit_ids))
    return _rows(HANDLING, statement, level="level", parent_id="parent_id")


def tree(period):
    """Every organisation that has a handling unit in its subtree, with the figures of all the
    units under it (itself included) summed: the roll-up along the four levels. Rates are
    recomputed from the summed numerators and denominators."""
    figures = _grouped(HANDLING, period, lambda _t: Assignment.unit_id)
    closure = org_closure()
    rolled = (sa.select(closure.c.ancestor_id.label("key"),
                        *[sa.func.coalesce(sa.func.sum(figures.c[name]), 0).label(name)
                          for name in COUNT_LABELS[HANDLING]])
              .select_from(closure.join(figures, figures.c.key == closure.c.org_id))
              .group_by(closure.c.ancestor_id).subquery("rolled"))
    unit = aliased(Organisation, name="unit")
    has_units = sa.select(closure.c.ancestor_id).join(unit, unit.id == closure.c.org_id).where(unit.is_unit.is_(True))
    statement = (sa.select(Organisation.id, Organisation.name, Organisation.level, Organisation.parent_id,
                           *_figure_columns(HANDLING, rolled))
                 .outerjoin(rolled, rolled.c.key == Organisation.id)
                 .where(Organisation.id.in_(has_units), sa.or_(Organisation.active.is_(True), rolled.c.key.is_not(None)))
                 .order_by(Organisation.name))
    return _rows(HANDLING, statement, level="level", parent_id="parent_id")


def leaders(period):
    """Each municipal leader's annotation figures (forwardings to them in the period)."""
    figures = _grouped(ANNOTATION, period, lambda _t: CaseLeader.leader_id)
    statement = (sa.select(User.id, User.name, *_figure_columns(ANNOTATION, figures))
                 .outerjoin(figures, figures.c.key == User.id)
                 .where(User.role == Role.LEADER, sa.or_(User.active.is_(True), figures.c.key.is_not(None)))
                 .order_by(sa.func.coalesce(User.precedence, 999), User.id))
    return _rows(ANNOTATION, statement)


def delegations(period):
    """Each delegation's letters (by their representatives' delegation)."""
    figures = _grouped(INTAKE, period, lambda author: author.delegation_id)
    statement = (sa.select(Delegation.id, Delegation.name, *_figure_columns(INTAKE, figures))
                 .outerjoin(figures, figures.c.key == Delegation.id)
                 .where(sa.or_(Delegation.active.is_(True), figures.c.key.is_not(None)))
                 .order_by(Delegation.name))
    return _rows(INTAKE, statement)


def unit_trend(unit_id, months=TREND_MONTHS, today=None):
    """One unit's own figures for each of the last `months` calendar months (oldest first):
    one statement per month, however many cases."""
    result = []
    for period in last_months(months, today):
        rows = units(period, unit_ids=[unit_id])
        if rows:
            result.append(replace(rows[0], name=period.label, period=period))
    return result


def rank(rows):
    """Rank rows by their family's main on-time rate, best first; a row whose rate rests on
    fewer than METRICS_MIN_CASES cases (or none) is shown unranked. Ties share a rank."""
    if not rows:
        return rows
    rate_name = RANK_BY[rows[0].family]
    rankable = sorted((row for row in rows if row.rates[rate_name].value is not None
                       and not row.rates[rate_name].flagged),
                      key=lambda row: row.rates[rate_name].value, reverse=True)
    previous, position = None, 0
    for index, row in enumerate(rankable, start=1):
        value = row.rates[rate_name].value
        if value != previous:
            position, previous = index, value
        row.rank = position
    return rows


# ---- drill-down: the cases behind a figure -------------------------------------------------------

METRIC_FAMILY = {name: family for family, labels in COUNT_LABELS.items() for name in labels}
# Intake and handling share some names; a drill-down says which family it means through its scope.
SCOPES = {"unit": HANDLING, "org": HANDLING, "leader": ANNOTATION, "delegation": INTAKE}


def case_ids(period, family, metric, scope=None, scope_id=None):
    """A SELECT of the ids of the cases behind one figure: `metric` of `family` in `period`, for
    a unit (its own), an organisation (its subtree), a leader, a delegation, or the whole city."""
    if metric not in COUNT_LABELS.get(family, {}):
        raise ValidationError(_("未知的指标。"), field="metric")
    if scope is not None and SCOPES.get(scope) != family:
        raise ValidationError(_("该指标不能按此范围查看。"), field="metric")
    today = today_shanghai()
    if family == INTAKE:
        source, where, conditions, author = _intake_source(period, today)
    else:
        source, where, conditions = _source(family, period, today)
    condition = conditions[metric]
    if isinstance(condition, tuple):
        condition = sa.and_(condition[0], condition[1] != 0)
    case_id = {HANDLING: Assignment.case_id, ANNOTATION: CaseLeader.case_id, INTAKE: Case.id}[family]
    statement = sa.select(case_id).select_from(source).where(where, condition)
    if scope == "unit":
        statement = statement.where(Assignment.unit_id == scope_id)
    elif scope == "org":
        closure = org_closure()
        statement = statement.where(Assignment.unit_id.in_(
            sa.select(closure.c.org_id).where(closure.c.ancestor_id == scope_id)))
    elif scope == "leader":
        statement = statement.where(CaseLeader.leader_id == scope_id)
    elif scope == "delegation":
        statement = statement.where(author.delegation_id == scope_id)
    return statement
