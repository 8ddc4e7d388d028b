"""Monthly assessment runs: the metrics world scored, stars over three months, re-runs as new
versions, the roll-up, the scheduled job, the CLI, and one audit record per change."""
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from djgc_direct.assessments import services
from djgc_direct.assessments.models import AssessmentResult, AssessmentRun
from djgc_direct.audit.models import AuditRecord
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.core.errors import Conflict, ValidationError
from djgc_direct.extensions import db
from djgc_direct.metrics.periods import month
from djgc_direct.organisations.models import Level
from djgc_direct.scheduler.jobs import JOBS
from tests.cases_world import make_world
from tests.factories import OrganisationFactory, UnitFactory, UserFactory
from tests.metrics_world import make_metrics_world

RUBRICS = Path(__file__).resolve().parent.parent / "config" / "rubrics"


def load(name):
    return services.import_rubric((RUBRICS / f"{name}_v1.yaml").read_text(encoding="utf-8"), actor=None)


def audit_count(action):
    return db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.action == action))


def by_unit(run):
    return {result.unit_name: result for result in run.results}


LEARNING_ITEMS = {"progress": 12, "leadership": 28, "study_system": 20, "study_tasks": 15, "study_effect": 20,
                  "funding": 5}


def score_learning(version, period, unit, total, secretary):
    """Manual scores adding up to `total`: full points, less what is missing taken from the first items."""
    missing = 100 - total
    for key, points in LEARNING_ITEMS.items():
        given = points - min(points, missing)
        missing -= points - given
        services.set_manual_score(version, period, unit, key, given, "按细则评分。", "学习台账", secretary)


def test_the_metrics_month_scored_under_the_direct_line_rubric(app, clock, monkeypatch):
    mw = make_metrics_world(clock)
    version = load("djgc_direct")
    finance = mw.base.finance
    services.set_manual_score(version, "2026-11", finance, "quality", "16", "答复具体。", "三份答复", mw.base.secretary)
    results = by_unit(services.run_latest("2026-11", actor=mw.base.secretary))
    # 市财政局: 按时签收 60 % of 5 → 0 of 15; reply (4 cases), satisfaction and reopen (3) rest on
    # too few cases and are skipped; 4 escalations: 10 − 8 = 2; quality 16: 18 of 45 → 40.0. With
    # less than half the points scorable, it is shown but neither ranked nor rated.
    finance_result = results["市财政局"]
    assert (finance_result.score, finance_result.flagged, finance_result.rank, finance_result.stars) == (
        Decimal("40.0"), True, None, None)
    assert {part["key"]: part["status"] for part in finance_result.breakdown}["reply"] == "flagged"
    # 雒容工业园区管委会: only the escalation deduction can be scored (10 of 10): 100.0, not ranked.
    assert (results["雒容工业园区管委会"].score, results["雒容工业园区管委会"].rank) == (Decimal("100.0"), None)

    # Counting every rate (METRICS_MIN_CASES 1): 市财政局 0 + 0 + 8 (66.7 % reaches the 60 % step)
    # + 0 (33.3 % reopened) + 16 + 2 = 26.0; 园区 15 + 25 + 10 + 10 of 60 → 100.0; 人社局 15 + 25 +
    # 10 of 50 → 100.0; 拉堡镇政府 0 + 10 of 25 is under half the points: not ranked.
    monkeypatch.setitem(app.config, "METRICS_MIN_CASES", 1)
    clock.advance(minutes=1)
    results = by_unit(services.run_latest("2026-11", actor=mw.base.secretary))
    assert {name: (result.score, result.rank) for name, result in results.items()} == {
        "市财政局": (Decimal("26.0"), 3), "雒容工业园区管委会": (Decimal("100.0"), 1),
        "柳江区人社局": (Decimal("100.0"), 1), "拉堡镇政府": (Decimal("40.0"), None)}
    assert (results["市财政局"].stars, results["雒容工业园区管委会"].stars) == (0, 5)
    assert audit_count("assessment_run") == 2 and audit_count("assessment_manual_scored") == 1


def test_roll_up_is_the_mean_of_the_ranked_units_under_each_organisation(app, clock, monkeypatch):
    mw = make_metrics_world(clock)
    monkeypatch.setitem(app.config, "METRICS_MIN_CASES", 1)
    run = services.run_assessment(load("djgc_direct"), month(2026, 11))
    ranked = {result.unit_id: result.score for result in run.results if result.rank is not None}
    assert len(ranked) == 3 and mw.township_unit.id not in ranked  # under half its points scorable
    rollup = {row["name"]: row for row in run.rollup}
    assert (Decimal(rollup["柳江区委"]["score"]), rollup["柳江区委"]["units"]) == (ranked[mw.county_unit.id], 1)
    assert "拉堡镇党委" not in rollup
    city = list(ranked.values())
    assert Decimal(rollup["中共柳州市委"]["score"]) == (sum(city) / 3).quantize(Decimal("0.1")) == Decimal("70.8")  # 12.5 (10 of 80), 100, 100
    assert rollup["中共柳州市委"]["units"] == 3


def test_stars_go_up_and_down_with_last_months_level(clock):
    w = make_world()
    version = load("learning_innovation")
    unit = w.finance
    # September: first rating at 85 → ★★★. October: 92 reaches ★★★★ (90) → up one. November:
    # 86 is below its own ★★★★ threshold → down one to ★★★.
    levels = []
    for period, total in (("2026-09", 85), ("2026-10", 92), ("2026-11", 86)):
        score_learning(version, period, unit, total, w.secretary)
        run = services.run_latest(period, "learning_innovation", w.secretary)
        result = by_unit(run)["市财政局"]
        assert result.score == Decimal(total)
        levels.append((result.previous_stars, result.stars))
    assert levels == [(None, 3), (3, 4), (4, 3)]


def test_a_re_run_is_a_new_version_and_leaves_the_old_one(clock):
    w = make_world()
    version = load("learning_innovation")
    score_learning(version, "2026-11", w.finance, 70, w.secretary)
    first = services.run_latest("2026-11", "learning_innovation", w.secretary)
    db.session.commit()
    score_learning(version, "2026-11", w.finance, 95, w.secretary)
    clock.advance(hours=1)
    second = services.run_latest("2026-11", "learning_innovation", w.secretary)
    db.session.commit()
    assert (first.run_number, second.run_number) == (1, 2)
    assert by_unit(db.session.get(AssessmentRun, first.id))["市财政局"].score == Decimal("70.0")
    assert by_unit(second)["市财政局"].score == Decimal("95.0")
    assert services.latest_run("2026-11", "learning_innovation").id == second.id
    assert [run.run_number for run in services.runs_for("2026-11", "learning_innovation")] == [2, 1]
    assert audit_count("assessment_run") == 2


def test_a_rubric_version_is_never_replaced(clock):
    load("djgc_direct")
    with pytest.raises(Conflict):
        load("djgc_direct")
    text = (RUBRICS / "djgc_direct_v1.yaml").read_text(encoding="utf-8").replace("version: 1", "version: 2")
    services.import_rubric(text, actor=None)
    assert services.latest_version("djgc_direct").version == 2
    assert audit_count("rubric_imported") == 2


def test_manual_scores_are_checked(clock):
    w = make_world()
    version = load("djgc_direct")
    cases = [("quality", "21", "说明", "indicator_ok", "points"), ("reply", "10", "说明", "", "indicator"),
             ("quality", "10", " ", "", "note"), ("quality", "十", "说明", "", "points")]
    for key, points, note, _evidence, field in cases:
        with pytest.raises(ValidationError) as error:
            services.set_manual_score(version, "2026-11", w.finance, key, points, note, "", w.secretary)
        assert error.value.field == field
    with pytest.raises(ValidationError):
        services.set_manual_score(version, "2026-Q4", w.finance, "quality", "10", "说明", "", w.secretary)
    assert audit_count("assessment_manual_scored") == 0


def test_only_months_are_assessed(clock):
    make_world()
    load("djgc_direct")
    for bad in ("2026-Q4", "2026", "2026-13", "11/2026"):
        with pytest.raises(ValidationError):
            services.run_latest(bad)


def at(day, hour=7):
    return datetime(2026, 10, day, hour, tzinfo=SHANGHAI)


def test_the_scheduled_job_runs_once_on_the_first_working_day(app, clock):
    make_world()
    load("djgc_direct")
    load("learning_innovation")
    db.session.commit()
    job = next(function for job_id, function, trigger in JOBS if job_id == "monthly_assessment")
    assert dict(next(trigger for job_id, _f, trigger in JOBS if job_id == "monthly_assessment")) == {
        "trigger": "cron", "hour": 7, "minute": 0}
    assert services.first_working_day(2026, 10).isoformat() == "2026-10-08"  # after National Day
    for day in (1, 7, 9):  # holidays, and a day after the first working day
        clock.set(at(day))
        job()
        assert db.session.scalar(sa.select(sa.func.count(AssessmentRun.id))) == 0, day
    clock.set(at(8))
    job()
    job()  # the same day again (a restarted scheduler): nothing new
    runs = db.session.scalars(sa.select(AssessmentRun)).all()
    assert sorted((run.period, run.rubric.name, run.scheduled) for run in runs) == [
        ("2026-09", "djgc_direct", True), ("2026-09", "learning_innovation", True)]
    # A person may still run it again: that is a new run, not a scheduled one.
    services.run_latest("2026-09")
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count(AssessmentRun.id))) == 3


def test_the_unique_key_backs_the_scheduled_run(app, clock):
    make_world()
    version = load("djgc_direct")
    services.run_assessment(version, month(2026, 9), scheduled=True)
    db.session.commit()
    duplicate = AssessmentRun(period="2026-09", rubric_id=version.id, run_number=2, scheduled=True,
                              created_at=clock.now(), min_cases=5, rollup=[])
    db.session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_cli_assess_and_import(app, runner, clock):
    make_world()
    result = runner.invoke(args=["djgc", "assess", "--period", "2026-11"])
    assert result.exit_code == 1 and "没有名为 djgc_direct 的考核细则" in result.output
    result = runner.invoke(args=["djgc", "rubric", "import", str(RUBRICS / "djgc_direct_v1.yaml"),
                                 str(RUBRICS / "learning_innovation_v1.yaml")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["djgc", "assess", "--period", "2026-11", "--rubric", "learning_innovation"])
    assert result.exit_code == 0, result.output
    assert "2026-11 learning_innovation v1 run 1: 0 of 2 units scored" in result.output
    result = runner.invoke(args=["djgc", "assess", "--period", "2026-Q4"])
    assert result.exit_code == 1 and "YYYY-MM" in result.output
    assert db.session.scalar(sa.select(sa.func.count(AssessmentResult.id))) == 2


def test_units_without_a_score_are_not_ranked_and_keep_their_stars(clock):
    w = make_world()
    city = w.finance.parent
    county = OrganisationFactory(name="鹿寨县委", level=Level.COUNTY, parent=city)
    quiet = UnitFactory(name="鹿寨县人社局", level=Level.COUNTY, parent=county)
    UserFactory()
    version = load("learning_innovation")
    score_learning(version, "2026-10", quiet, 75, w.secretary)
    services.run_latest("2026-10", "learning_innovation")
    score_learning(version, "2026-11", w.finance, 80, w.secretary)
    run = services.run_latest("2026-11", "learning_innovation")
    results = by_unit(run)
    assert (results["鹿寨县人社局"].score, results["鹿寨县人社局"].rank, results["鹿寨县人社局"].stars) == (None, None, 2)
    assert results["市财政局"].rank == 1
    assert "鹿寨县委" not in {row["name"] for row in run.rollup}  # no scored unit under it
    best, weakest = services.honours(run)
    assert [r.unit_name for r in best] == ["市财政局"] and weakest == []
