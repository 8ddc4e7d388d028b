"""Monthly assessments (考核): rubric versions, manual scores, runs, stars, ranking and roll-up.
The rules are written down in docs/assessments.md. Functions flush; the caller commits."""
import re
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from djgc_direct.assessments import rubrics
from djgc_direct.assessments.models import AssessmentResult, AssessmentRun, ManualScore, RubricVersion
from djgc_direct.audit.services import record
from djgc_direct.core.clock import now_utc, today_shanghai
from djgc_direct.core.errors import Conflict, NotFound, ValidationError
from djgc_direct.deadlines.calendar import WorkdayCalendar
from djgc_direct.extensions import db
from djgc_direct.metrics import services as metrics
from djgc_direct.metrics.periods import month, parse_period
from djgc_direct.organisations.models import Organisation

TENTH = Decimal("0.1")
MONTH = re.compile(r"\d{4}-\d{2}")


# ---- rubric versions --------------------------------------------------------------------------------

def import_rubric(text, actor):
    """Store a new rubric version from YAML text. Its version must be above every stored one of
    the same name: a stored version never changes."""
    rubric = rubrics.parse(text)
    latest = db.session.scalar(sa.select(sa.func.max(RubricVersion.version)).where(RubricVersion.name == rubric.name))
    if latest is not None and rubric.version <= latest:
        raise Conflict(_("考核细则 %(name)s 已有第 %(latest)d 版;新导入的版本号应大于它。",
                         name=rubric.name, latest=latest))
    version = RubricVersion(name=rubric.name, version=rubric.version, title=rubric.title, total=rubric.total,
                            source=text, imported_at=now_utc(), imported_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    record("rubric_imported", version, actor=actor,
           after={"name": rubric.name, "version": rubric.version, "total": str(rubric.total),
                  "indicators": len(rubric.indicators)})
    return version


def parsed(version):
    return rubrics.parse(version.source)


def rubric_versions():
    return db.session.scalars(sa.select(RubricVersion).order_by(RubricVersion.name, RubricVersion.version.desc())).all()


def latest_versions():
    """The newest version of each rubric name."""
    newest = (sa.select(RubricVersion.name, sa.func.max(RubricVersion.version).label("version"))
              .group_by(RubricVersion.name).subquery())
    return db.session.scalars(sa.select(RubricVersion).join(
        newest, sa.and_(newest.c.name == RubricVersion.name, newest.c.version == RubricVersion.version))
        .order_by(RubricVersion.name)).all()


def latest_version(name):
    version = db.session.scalar(sa.select(RubricVersion).where(RubricVersion.name == name)
                                .order_by(RubricVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(_("没有名为 %(name)s 的考核细则;请管理员先导入。", name=name))
    return version


# ---- periods ----------------------------------------------------------------------------------------

def month_period(code):
    """A month's Period from "YYYY-MM"; assessments are monthly (按月度进行检查考核评分)."""
    if not code or not MONTH.fullmatch(code.strip()):
        raise ValidationError(_("考核期间应为月份,格式 YYYY-MM。"), field="period")
    return parse_period(code.strip())  # 2026-13 is refused there


def previous_month(period):
    day = period.start - timedelta(days=1)
    return month(day.year, day.month)


def first_working_day(year, month_):
    """The month's first working day on the official calendar (e.g. 2026-10-08 after National Day)."""
    day = date(year, month_, 1)
    calendar = WorkdayCalendar(day, day + timedelta(days=31))
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


# ---- manual scores ----------------------------------------------------------------------------------

def manual_scores(version, period_code, unit_id=None):
    """{unit id: {indicator key: ManualScore}} for a rubric version and month."""
    statement = sa.select(ManualScore).where(ManualScore.rubric_id == version.id, ManualScore.period == period_code)
    if unit_id is not None:
        statement = statement.where(ManualScore.unit_id == unit_id)
    result = {}
    for score in db.session.scalars(statement):
        result.setdefault(score.unit_id, {})[score.indicator] = score
    return result


def set_manual_score(version, period_code, unit, indicator_key, points, note, evidence, actor):
    """An assessor's points, with a note (required) and evidence, for one manual indicator."""
    month_period(period_code)
    indicator = parsed(version).indicator(indicator_key)
    if indicator is None or indicator.kind != "manual":
        raise ValidationError(_("该指标不是人工评分指标。"), field="indicator")
    if not unit.is_unit:
        raise ValidationError(_("只能为承办单位评分。"), field="unit")
    try:
        points = Decimal(str(points).strip()).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except InvalidOperation:
        raise ValidationError(_("得分应为数值。"), field="points") from None
    if not 0 <= points <= indicator.points:
        raise ValidationError(_("得分应在 0 到 %(max)s 之间。", max=indicator.points), field="points")
    note, evidence = (note or "").strip(), (evidence or "").strip()
    if not note:
        raise ValidationError(_("请写明评分说明。"), field="note")
    score = db.session.scalar(sa.select(ManualScore).where(
        ManualScore.rubric_id == version.id, ManualScore.period == period_code, ManualScore.unit_id == unit.id,
        ManualScore.indicator == indicator_key))
    values = {"points": points, "note": note, "evidence": evidence, "scored_by_id": actor.id, "scored_at": now_utc()}
    before = None
    if score is None:
        score = ManualScore(rubric_id=version.id, period=period_code, unit_id=unit.id, indicator=indicator_key,
                            **values)
        db.session.add(score)
    else:
        before = {"points": str(score.points), "note": score.note, "evidence": score.evidence}
        for name, value in values.items():
            setattr(score, name, value)
    db.session.flush()
    record("assessment_manual_scored", score, actor=actor, before=before,
           after={"rubric": f"{version.name} v{version.version}", "period": period_code, "unit_id": unit.id,
                  "indicator": indicator_key, "points": str(points), "note": note, "evidence": evidence})
    return score


# ---- runs --------------------------------------------------------------------------------------------

def _previous_stars(version, period):
    """Each unit's star level after the latest run of the month before, under any version of
    the same rubric: the level 创星升级 moves from."""
    code = previous_month(period).code
    run_id = db.session.scalar(
        sa.select(AssessmentRun.id).join(RubricVersion, RubricVersion.id == AssessmentRun.rubric_id)
        .where(RubricVersion.name == version.name, AssessmentRun.period == code)
        .order_by(AssessmentRun.created_at.desc(), AssessmentRun.id.desc()).limit(1))
    if run_id is None:
        return {}
    return dict(db.session.execute(sa.select(AssessmentResult.unit_id, AssessmentResult.stars)
                                   .where(AssessmentResult.run_id == run_id)).all())


def _rank(results):
    """Best score first; ties share a rank."""
    scored = sorted(results, key=lambda r: r.score, reverse=True)
    previous, position = None, 0
    for index, result in enumerate(scored, start=1):
        if result.score != previous:
            position, previous = index, result.score
        result.rank = position


def _rollup(results):
    """The unweighted mean score of the ranked units under each organisation (its subtree,
    itself included when it is a unit): every unit counts once, whatever its number of cases."""
    organisations = {org.id: org for org in db.session.scalars(sa.select(Organisation))}
    under = {}
    for result in results:
        org_id = result.unit_id
        while org_id is not None:
            under.setdefault(org_id, []).append(result.score)
            org_id = organisations[org_id].parent_id
    rows = []
    for org_id, scores in under.items():
        org = organisations[org_id]
        mean = (sum(scores) / len(scores)).quantize(TENTH, ROUND_HALF_UP)
        rows.append({"id": org.id, "name": org.name, "level": org.level.value, "parent_id": org.parent_id,
                     "score": str(mean), "units": len(scores)})
    return sorted(rows, key=lambda row: (row["level"] != "city", row["name"]))


def run_assessment(version, period, actor=None, scheduled=False):
    """Score every handling unit for a month under one rubric version, as a new run."""
    rubric = parsed(version)
    rows = {row.key: row for row in metrics.units(period)}
    manual = manual_scores(version, period.code)
    previous = _previous_stars(version, period)
    number = (db.session.scalar(sa.select(sa.func.max(AssessmentRun.run_number)).where(
        AssessmentRun.period == period.code, AssessmentRun.rubric_id == version.id)) or 0) + 1
    run = AssessmentRun(period=period.code, rubric_id=version.id, run_number=number, scheduled=True if scheduled else None,
                        created_at=now_utc(), created_by_id=getattr(actor, "id", None),
                        min_cases=metrics.min_cases(), rollup=[])
    db.session.add(run)
    results, comparable = [], []
    for unit_id, row in rows.items():
        given = {key: score.points for key, score in manual.get(unit_id, {}).items()}
        total, parts = rubrics.score(rubric, row, given)
        enough = total is not None and rubrics.comparable(rubric, parts)
        result = AssessmentResult(
            run=run, unit_id=unit_id, unit_name=row.name, score=total, breakdown=[part.as_json() for part in parts],
            flagged=any(part.status == "flagged" for part in parts), previous_stars=previous.get(unit_id),
            stars=rubrics.stars_for(rubric, total if enough else None, previous.get(unit_id)))
        db.session.add(result)
        results.append(result)
        if enough:
            comparable.append(result)
    _rank(comparable)
    run.rollup = _rollup(comparable)
    db.session.flush()
    record("assessment_run", run, actor=actor,
           after={"period": period.code, "rubric": f"{version.name} v{version.version}", "run_number": number,
                  "trigger": run.trigger, "units": len(results)})
    return run


def run_latest(period_code, name=None, actor=None):
    """On demand (button, CLI): a new run of the newest version of rubric `name`."""
    period = month_period(period_code)
    return run_assessment(latest_version(name or default_rubric()), period, actor)


def scheduled_runs(today=None):
    """The monthly job: on the month's first working day, score the previous month under the
    newest version of every rubric, once (a unique key backs the check). Returns the new runs."""
    today = today or today_shanghai()
    if today != first_working_day(today.year, today.month):
        return []
    period = previous_month(month(today.year, today.month))
    runs = []
    for version in latest_versions():
        done = db.session.scalar(sa.select(AssessmentRun.id).where(
            AssessmentRun.period == period.code, AssessmentRun.rubric_id == version.id,
            AssessmentRun.scheduled.is_(True)))
        if done is None:
            runs.append(run_assessment(version, period, scheduled=True))
    return runs


def default_rubric():
    return current_app.config.get("ASSESSMENT_RUBRIC", "djgc_direct")


# ---- reading runs --------------------------------------------------------------------------------------

def runs_for(period_code, version_name):
    """Every run of a month under any version of a rubric, newest first."""
    return db.session.scalars(
        sa.select(AssessmentRun).join(RubricVersion, RubricVersion.id == AssessmentRun.rubric_id)
        .where(AssessmentRun.period == period_code, RubricVersion.name == version_name)
        .order_by(AssessmentRun.created_at.desc(), AssessmentRun.id.desc())).all()


def latest_assessed_period(version_name):
    """The most recent month with a run under any version of the rubric, or None."""
    return db.session.scalar(
        sa.select(sa.func.max(AssessmentRun.period)).join(RubricVersion, RubricVersion.id == AssessmentRun.rubric_id)
        .where(RubricVersion.name == version_name))


def latest_run(period_code, version_name):
    runs = runs_for(period_code, version_name)
    return runs[0] if runs else None


def get_run(run_id):
    run = db.session.get(AssessmentRun, run_id)
    if run is None:
        raise NotFound(_("没有这次考核。"))
    return run


def ranked(run):
    """The run's results, ranked first (best first), then the unranked by name."""
    return sorted(run.results, key=lambda r: (r.rank is None, r.rank or 0, r.unit_name))


def honours(run):
    """(recognised, warned): the best and the weakest N ranked units, N from the rubric."""
    rubric = parsed(run.rubric)
    ranked_only = [result for result in ranked(run) if result.rank is not None]
    best = ranked_only[:rubric.recognition]
    weakest = [result for result in ranked_only[::-1][:rubric.warning] if result not in best]
    return best, weakest
