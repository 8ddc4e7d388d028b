"""The periodic reports: the work bulletin (工作简报, 第N期 of its year) and the assessment report
(考核结果通报) of a period.

Every figure comes from djgc_direct.metrics for the same period (docs/metrics.md), so a bulletin
and the 办理指标 pages cannot disagree. As in builders.py, the first half gathers from the database
and records; the second half builds the documents from plain values and reads no clock.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm import joinedload, selectinload

from djgc_direct.accounts.models import User
from djgc_direct.cases.models import (
    Annotation, Assignment, AssignmentStatus, Case, CaseStatus, Feedback, Rating, Reply, ReplyStatus,
)
from djgc_direct.core.clock import now_utc
from djgc_direct.deadlines.calendar import WorkdayCalendar
from djgc_direct.documents import builders, charts
from djgc_direct.documents.builders import DOCUMENT_LOCALE, _delegation, _leader, _set_as_form, summarize
from djgc_direct.documents.gbt9704 import (
    LAYOUT, add_body, add_heading, add_letterhead, add_masthead, add_picture, add_signature_block, add_table,
    add_title, chinese_date, document_bytes, new_document,
)
from djgc_direct.documents.models import Bulletin
from djgc_direct.extensions import db
from djgc_direct.metrics import services as metrics
from djgc_direct.metrics.services import ANNOTATION, HANDLING, INTAKE

BULLETIN = "bulletin"
ASSESSMENT_REPORT = "assessment_report"

BULLETIN_NAME = "党代表直通车工作简报"
TYPICAL_CASES = 3
ANNOTATION_QUOTE_CHARS = 60
# A chart of a few hundred units would run over many pages: the units with the most assignments.
CHART_MAX_UNITS = 15
# The first key of the advisory lock that serialises issue numbers (the second is the year).
ISSUE_LOCK = 9704
TEN_THOUSAND = Decimal(10_000)
_GOOD = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
_OPEN = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED)


# ---- gathering (database) -----------------------------------------------------------------------

@dataclass(frozen=True)
class TypicalCase:
    case: Case
    amount_yuan: Decimal | None  # the approved replies' amounts
    annotation: Annotation | None  # the first annotation that is not internal
    reply: Reply | None  # the approved reply of the last round
    rating: Rating | None  # the verdict that closed it


@dataclass(frozen=True)
class OverdueItem:
    assignment: Assignment
    workdays: int  # working days past its deadline


@dataclass(frozen=True)
class BulletinContent:
    period: object  # metrics.periods.Period
    intake: object  # metrics.MetricRow of the whole city, one per family
    annotation: object
    handling: object
    units: list  # metrics.MetricRow of the units that were given work in the period
    typical: list  # TypicalCase
    overdue: list  # OverdueItem
    as_of: object  # the day "overdue" refers to

    @property
    def case_ids(self):
        return sorted({item.case.id for item in self.typical} | {item.assignment.case_id for item in self.overdue})


def bulletin_content(period, today):
    """Everything a bulletin of `period` shows, as of `today`."""
    return BulletinContent(
        period=period,
        intake=metrics.total(INTAKE, period), annotation=metrics.total(ANNOTATION, period),
        handling=metrics.total(HANDLING, period),
        units=[row for row in metrics.units(period) if row.has_data],
        typical=typical_cases(period), overdue=overdue_items(period, today), as_of=today,
    )


def typical_cases(period, limit=TYPICAL_CASES):
    """Cases closed in `period` that re-allocated money or were found satisfactory: the largest
    amounts first, then the earliest closed."""
    start, end = period.bounds_utc()
    closed = (Case.status == CaseStatus.CLOSED, Case.merged_into_id.is_(None),
              Case.closed_at >= start, Case.closed_at < end)
    # Both lookups start from the month's closed cases: an IN over every satisfied verdict became
    # a linear scan per case on PostgreSQL once it outgrew work_mem (57 s at a million cases).
    money = (sa.select(Reply.case_id, sa.func.sum(Reply.amount_yuan).label("yuan"))
             .join(Case, Case.id == Reply.case_id).where(Reply.status == ReplyStatus.APPROVED, *closed)
             .group_by(Reply.case_id).subquery("money"))
    satisfied = sa.exists().where(Feedback.case_id == Case.id, Feedback.rating.in_(_GOOD))
    rows = db.session.execute(
        sa.select(Case, money.c.yuan).outerjoin(money, money.c.case_id == Case.id)
        .where(*closed, sa.or_(money.c.yuan > 0, satisfied))
        .options(joinedload(Case.representative).joinedload(User.delegation),
                 selectinload(Case.annotations).joinedload(Annotation.leader),
                 selectinload(Case.replies).joinedload(Reply.assignment).joinedload(Assignment.unit),
                 selectinload(Case.feedback))
        .order_by(sa.func.coalesce(money.c.yuan, 0).desc(), Case.closed_at, Case.id).limit(limit)).all()
    typical = []
    for case, yuan in rows:
        approved = [reply for reply in case.replies if reply.status is ReplyStatus.APPROVED]
        typical.append(TypicalCase(
            case=case, amount_yuan=yuan if yuan else None,
            # Internal annotations are for the slip only; a bulletin is read outside the office.
            annotation=next((a for a in case.annotations if not a.internal), None),
            reply=approved[-1] if approved else None,
            rating=case.feedback[-1].rating if case.feedback else None,
        ))
    return typical


def overdue_items(period, today):
    """The lead assignments given in `period` still without a reply past their deadline — the
    cases behind the metric 逾期未答复 (overdue_open), most overdue first."""
    behind = metrics.case_ids(period, HANDLING, "overdue_open")
    start, end = period.bounds_utc()
    assignments = db.session.scalars(
        sa.select(Assignment).where(
            Assignment.case_id.in_(behind), Assignment.is_lead.is_(True), Assignment.replied_at.is_(None),
            Assignment.status.in_(_OPEN), Assignment.due_date < today,
            Assignment.assigned_at >= start, Assignment.assigned_at < end)
        .options(joinedload(Assignment.case), joinedload(Assignment.unit))
        .order_by(Assignment.due_date, Assignment.id)).all()
    if not assignments:
        return []
    calendar = WorkdayCalendar(min(assignment.due_date for assignment in assignments), today)  # one for all
    return [OverdueItem(assignment, calendar.workdays_between(assignment.due_date, today))
            for assignment in assignments]


def take_issue(period, actor, today):
    """The next issue of the year of `today` for `period`: 第1期, 第2期 … with no gaps.

    One statement inserts the year's highest number plus one. On PostgreSQL a transaction-level
    advisory lock on the year makes a second issuer wait until the first commits, so it then sees
    that number; SQLite lets one writer in at a time anyway. The unique key (year, issue_no) is the
    backstop. A rolled-back issue takes its number back with it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(ISSUE_LOCK, today.year)))
    next_no = (sa.select(sa.func.coalesce(sa.func.max(Bulletin.issue_no), 0) + 1)
               .where(Bulletin.year == today.year).scalar_subquery())
    issue_id = db.session.execute(
        sa.insert(Bulletin).values(year=today.year, issue_no=next_no, period=period.code,
                                   created_by_id=actor.id if actor else None, created_at=now_utc())
        .returning(Bulletin.id)).scalar_one()
    return db.session.get(Bulletin, issue_id)


def issue_bulletin(period, *, actor, office, today):
    """Take the next issue number, build the bulletin of `period` and record its generation.
    Returns (Bulletin, Document); the issue keeps the file as it went out. Two bulletins of one
    period are two issues."""
    content = bulletin_content(period, today)
    issue = take_issue(period, actor, today)
    doc = bulletin(content, office=office, issue=issue, day=today)
    issue.content = document_bytes(doc)
    builders.record_generation(BULLETIN, actor, content.case_ids, {
        "period": period.code, "bulletin_id": issue.id, "year": issue.year, "issue_no": issue.issue_no})
    return issue, doc


@dataclass(frozen=True)
class RankingRow:
    """One line of an assessment report's ranking table."""

    name: str
    values: tuple  # the score or rate columns, in the order of Ranking.headers; None is "no data"
    rank: int | None  # None: not ranked
    stars: int | None = None
    note: str = ""  # e.g. 样本不足


@dataclass(frozen=True)
class Ranking:
    title: str  # the table's heading
    headers: tuple  # of the value columns
    rows: list  # RankingRow, in the order printed
    basis: str  # how the rows were ranked, printed under the table


def responsiveness_ranking(period):
    """The handling units ranked by metrics.rank (reply on-time rate; units resting on fewer than
    METRICS_MIN_CASES cases are shown, flagged and unranked) — the ranking until the assessment
    engine provides its own rows."""
    units = [row for row in metrics.units(period) if row.has_data]
    units.sort(key=lambda row: (row.rank is None, row.rank or 0, row.name))
    rows = []
    for unit in units:
        on_time, satisfaction = unit.rates["reply_on_time"], unit.rates["satisfaction"]
        rows.append(RankingRow(
            name=unit.name, values=(unit.counts["assignments"], _percent(on_time, mark=""),
                                     _percent(satisfaction, mark="")),
            rank=unit.rank, note="样本不足" if on_time.flagged or satisfaction.flagged else ""))
    return Ranking(
        title="承办单位办理情况排名", headers=("交办件次", "按时答复率", "满意率"), rows=rows,
        basis=(f"按按时答复率排名，并列者名次相同；按时答复率所依据的件数少于{metrics.min_cases()}件的单位"
               "标注“样本不足”，不参加排名。"))


def report_ranking(period):
    """What the 考核结果通报 prints: the latest assessment run of the period under the default
    rubric when there is one, else the responsiveness ranking."""
    from djgc_direct.assessments import services as assessments

    run = assessments.latest_run(period.code, assessments.default_rubric())
    if run is None:
        return responsiveness_ranking(period)
    version = run.rubric
    rows = [RankingRow(name=result.unit_name, values=(None if result.score is None else f"{result.score}",),
                       rank=result.rank, stars=result.stars, note="样本不足" if result.flagged else "")
            for result in assessments.ranked(run)]
    return Ranking(
        title=f"{version.title}结果", headers=("得分",), rows=rows,
        basis=(f"依据《{version.title}》(第{version.version}版,满分{version.total}分)第{run.run_number}次评分;"
               "星级按创星升级规则动态调整。标注“样本不足”的单位有指标因件数过少未计分。"))


def assessment_document(period, ranking, *, actor, office, today):
    """The assessment report of `period` printing `ranking`, recorded."""
    doc = assessment_report(ranking, period_label=_period_label(period), office=office, day=today)
    builders.record_generation(ASSESSMENT_REPORT, actor, [], {"period": period.code, "rows": len(ranking.rows)})
    return doc


# ---- building (pure) ----------------------------------------------------------------------------

OVERDUE_WIDTHS_MM = [12, 40, LAYOUT.type_width_mm - 132, 32, 28, 20]
UNIT_WIDTHS_MM = [LAYOUT.type_width_mm - 120, 18, 24, 22, 18, 24, 14]


def bulletin(content, *, office, issue, day):
    """工作简报 第N期: the period's figures, typical cases, the overdue list, a table and a chart of
    the handling units."""
    doc = new_document()
    with force_locale(DOCUMENT_LOCALE):
        label = _period_label(content.period)
        add_masthead(doc, BULLETIN_NAME, f"{issue.year}年第{issue.issue_no}期", office, day)
        add_title(doc, f"{label}党代表直通车来信办理情况")

        add_heading(doc, "一、总体情况", 1)
        add_body(doc, _overall_text(content, label))

        add_heading(doc, "二、典型案例", 1)
        if content.typical:
            for index, item in enumerate(content.typical, start=1):
                add_body(doc, f"{index}. {typical_case_text(item)}", names=_names(item))
        else:
            add_body(doc, "本期无办结并落实资金或获代表满意评价的来信。")

        add_heading(doc, "三、逾期未答复事项", 1)
        if content.overdue:
            add_body(doc, f"截至{chinese_date(content.as_of)}，本期交办的事项中有{len(content.overdue)}项逾期未答复：")
            _set_as_form(add_table(doc, ["序号", "编号", "来信标题", "承办单位", "办理期限", "逾期工作日"], [
                [str(index), item.assignment.case.number, item.assignment.case.title, item.assignment.unit.name,
                 chinese_date(item.assignment.due_date), str(item.workdays)]
                for index, item in enumerate(content.overdue, start=1)], widths_mm=OVERDUE_WIDTHS_MM))
        else:
            add_body(doc, f"截至{chinese_date(content.as_of)}，本期交办的事项没有逾期未答复的。")

        add_heading(doc, "四、各承办单位办理情况", 1)
        if content.units:
            _set_as_form(add_table(doc, ["承办单位", "交办件次", "按时答复率", "满意率", "逾期件次", "金额（万元）",
                                         "排名"], [
                [unit.name, str(unit.counts["assignments"]), _percent(unit.rates["reply_on_time"]),
                 _percent(unit.rates["satisfaction"]), str(unit.counts["overdue"]), _wan(unit.counts["money"]),
                 str(unit.rank) if unit.rank else "—"] for unit in content.units], widths_mm=UNIT_WIDTHS_MM))
            add_body(doc, f"注：按时答复率或满意率所依据的件数少于{content.handling.min_cases}件的，标“*”，"
                          "不参加排名；“—”为未排名。")
            add_picture(doc, _units_chart(content.units))
        else:
            add_body(doc, "本期没有交办事项。")
    return doc


def assessment_report(ranking, *, period_label, office, day):
    """考核结果通报: the ranking table of a period, whatever produced its rows."""
    doc = new_document()
    stars = any(row.stars is not None for row in ranking.rows)
    with force_locale(DOCUMENT_LOCALE):
        add_letterhead(doc, office)
        add_title(doc, f"关于{period_label}党代表来信办理\n考核结果的通报")
        add_body(doc, f"现将{period_label}党代表直通车来信办理考核结果通报如下。")
        add_heading(doc, f"一、{ranking.title}", 1)
        header = ["名次", "单位", *ranking.headers, *(["星级"] if stars else []), "备注"]
        value_width = 22
        fixed = 14 + value_width * len(ranking.headers) + (16 if stars else 0) + 24
        widths = [14, LAYOUT.type_width_mm - fixed, *[value_width] * len(ranking.headers),
                  *([16] if stars else []), 24]
        _set_as_form(add_table(doc, header, [
            [str(row.rank) if row.rank else "—", row.name, *[_cell(value) for value in row.values],
             *(["★" * row.stars if row.stars else ""] if stars else []), row.note]
            for row in ranking.rows], widths_mm=widths))
        if not ranking.rows:
            add_body(doc, "本期没有参加考核的单位。")
        add_heading(doc, "二、说明", 1)
        add_body(doc, ranking.basis)
        add_signature_block(doc, office, day)
    return doc


def typical_case_text(item):
    """A few lines on one typical case, from its facts."""
    case = item.case
    representative = case.representative
    parts = [f"{_delegation(representative)}党代表{representative.name}反映“{case.title}”。"]
    if item.annotation is not None:
        parts.append(f"{_leader(item.annotation.leader)}批示："
                     f"“{summarize(item.annotation.text, ANNOTATION_QUOTE_CHARS)}”")
    if item.reply is not None:
        outcome = f"经{item.reply.assignment.unit.name}牵头办理，{item.reply.outcome.label}"
        if item.amount_yuan:
            outcome += f"，落实资金{_wan(item.amount_yuan)}万元"
        parts.append(outcome + "。")
    if item.rating is not None:
        parts.append(f"代表评价为“{item.rating.label}”。")
    return "".join(parts)


def _overall_text(content, label):
    intake, annotation, handling = content.intake.counts, content.annotation.counts, content.handling.counts
    return (
        f"{label}，党代表直通车共收到党代表来信{intake['letters']}件，"
        f"1个工作日内送呈率{_percent(content.intake.rates['forwarded_in_time'], mark='（样本不足）')}，"
        f"已办结{intake['closed']}件；市委领导批示{annotation['annotated']}件次。"
        f"本期交办承办单位{handling['assignments']}件次，"
        f"按时答复率{_percent(content.handling.rates['reply_on_time'], mark='（样本不足）')}，"
        f"满意率{_percent(content.handling.rates['satisfaction'], mark='（样本不足）')}，"
        f"逾期未答复{handling['overdue_open']}件；答复报告落实资金{_wan(handling['money'])}万元。"
    )


def _units_chart(units):
    chosen = sorted(units, key=lambda row: (-row.counts["assignments"], row.name))[:CHART_MAX_UNITS]
    title = ("各承办单位按时答复率和满意率" if len(chosen) == len(units)
             else f"交办件次最多的{len(chosen)}个承办单位按时答复率和满意率")
    return charts.rates_by_unit([row.name for row in chosen], [row.rates["reply_on_time"].value for row in chosen],
                                [row.rates["satisfaction"].value for row in chosen], title=title)


def _names(item):
    names = [item.case.representative.name]
    if item.annotation is not None:
        names.append(item.annotation.leader.name)
    if item.reply is not None:
        names.append(item.reply.assignment.unit.name)
    return names


def _period_label(period):
    with force_locale(DOCUMENT_LOCALE):
        return str(period.label)


def _percent(rate, mark="*"):
    """A rate as printed: 95.0%, 无数据, and `mark` after one resting on too few cases."""
    if rate.value is None:
        return "无数据"
    return f"{rate.value}%{mark if rate.flagged else ''}"


def _wan(yuan):
    """元 in 万元, to two decimals without trailing zeros: 1730000 → 173, 15000 → 1.5."""
    wan = (Decimal(yuan) / TEN_THOUSAND).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{wan:f}".rstrip("0").rstrip(".")


def _cell(value):
    return "无数据" if value is None else str(value)


def latest_issue(period):
    """The most recent issue on `period`, or None."""
    return db.session.scalar(sa.select(Bulletin).where(Bulletin.period == period.code)
                             .order_by(Bulletin.year.desc(), Bulletin.issue_no.desc()).limit(1))
