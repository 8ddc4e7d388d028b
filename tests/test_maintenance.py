"""Planner statistics: `djgc analyze` and the daily scheduler job refresh them on both databases."""
import sqlalchemy as sa

from djgc_direct.cases.models import CaseStatus
from djgc_direct.extensions import db
from djgc_direct.scheduler.jobs import JOBS
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
