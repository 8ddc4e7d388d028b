"""Daily upkeep: `djgc analyze` and the daily scheduler job refresh the planner statistics on both
databases and merge SQLite's search index."""
import pytest
import sqlalchemy as sa

from djgc_direct.cases.models import CaseStatus
from djgc_direct.extensions import db
from djgc_direct.scheduler.jobs import JOBS, analyze_database
from djgc_direct.search.services import search_cases
from tests.cases_world import case_in, make_world


def statistics_rows():
    if db.engine.dialect.name == "sqlite":
        tables = db.session.scalars(sa.text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).all()
        return db.session.scalar(sa.text("SELECT count(*) FROM sqlite_stat1")) if tables else 0
    return db.session.scalar(sa.text(
        "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'assignments' AND last_analyze IS NOT NULL"))


def test_analyze_command_refreshes_planner_statistics(app):
    world = make_world()
    case_in(world, CaseStatus.IN_PROGRESS)
    db.session.commit()
    assert statistics_rows() == 0
    result = app.test_cli_runner().invoke(args=["djgc", "analyze"])
    assert result.exit_code == 0, result.output
    assert "statistics refreshed" in result.output
    db.session.rollback()
    assert statistics_rows() > 0


def test_the_scheduler_refreshes_statistics_daily():
    trigger = next(trigger for job_id, _function, trigger in JOBS if job_id == "analyze_database")
    assert trigger == {"trigger": "cron", "hour": 3, "minute": 30}


def test_the_daily_job_merges_the_sqlite_search_index(app):
    """Each write adds a segment to the FTS5 index; the job merges them into one (FTS5 keeps a
    row of search_index_idx per segment and leaf page), and searches find the same cases."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 index")
    world = make_world()
    cases = [case_in(world, CaseStatus.SUBMITTED) for _ in range(6)]
    db.session.commit()

    def segments():
        return db.session.scalar(sa.text("SELECT count(DISTINCT segid) FROM search_index_idx"))

    before = segments()
    found = [hit.case.id for hit in search_cases(world.secretary, "农民工").hits]
    assert before > 1 and set(found) == {case.id for case in cases}
    with app.app_context():
        analyze_database()
    assert segments() == 1
    assert [hit.case.id for hit in search_cases(world.secretary, "农民工").hits] == found
