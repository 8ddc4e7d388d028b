"""`make bench`: measure, print a table, and write bench-results/latest.json.

    python -m bench.run [--sweep-assignments 100000] [--assessment-cases 100000]
"""
import argparse
import json
import os
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from djgc_direct import create_app
from djgc_direct.core.clock import SHANGHAI, FixedClock
from djgc_direct.deadlines.models import Reminder
from djgc_direct.extensions import db

from bench import data

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"
TODAY = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def fresh_app(tmp, name, keep=False):
    """An app on an empty, migrated database: a SQLite file in `tmp`, or with
    DJGC_BENCH_DATABASE_URL a new PostgreSQL database on that server. With `keep`, the database
    outlives the run (SQLite: bench-results/<name>.sqlite3) and is used again if it exists."""
    server = os.environ.get("DJGC_BENCH_DATABASE_URL")
    if server:
        url = sa.engine.make_url(server)
        database = f"djgc_bench_{name}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database})
            if not (keep and exists):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        url = url.set(database=database).render_as_string(hide_password=False)
    elif keep:
        RESULTS.mkdir(exist_ok=True)
        url = f"sqlite:///{RESULTS / (name + '.sqlite3')}"
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, CLOCK=FixedClock(TODAY))
    with app.app_context():
        upgrade()
    return app


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def bench_sweep(app, assignments):
    from djgc_direct.deadlines.reminders import sweep

    with app.app_context():
        generate, _ = timed(lambda: data.open_assignments(assignments, TODAY.date()))

        def one_sweep():
            result = sweep()
            db.session.commit()
            return result

        first_seconds, first = timed(one_sweep)
        second_seconds, second = timed(one_sweep)
        # The floor: the bare aggregate over the same rows that the sweep's conditions read.
        floor_seconds, _ = timed(lambda: db.session.execute(sa.text(
            "SELECT count(*), min(due_date), max(due_date) FROM assignments WHERE is_lead")).all())
        stored = db.session.scalar(sa.select(sa.func.count(Reminder.id)))
    return {
        "name": "reminder sweep", "open_assignments": assignments, "generate_seconds": round(generate, 2),
        "first_sweep_seconds": round(first_seconds, 3), "first_sweep_reminders": sum(first.reminders.values()),
        "second_sweep_seconds": round(second_seconds, 3), "second_sweep_reminders": sum(second.reminders.values()),
        "reminders_stored": stored, "bare_sql_floor_seconds": round(floor_seconds, 4),
        "distribution": "10% of reply deadlines passed (1-14 days), 90% ahead (0-28 days); 10% unacknowledged",
        "goal": "first sweep under 2 s",
    }


def bench_pack(app, slips):
    """A 会议材料 pack of `slips` review slips: select, build, serialise."""
    from djgc_direct.documents import builders
    from djgc_direct.documents.gbt9704 import document_bytes

    with app.app_context():
        data.open_assignments(slips, TODAY.date())
        select_seconds, cases = timed(lambda: builders.select_cases(status="in_progress"))
        build_seconds, doc = timed(lambda: builders.pack_document(cases, office="中共柳州市委党代表直通车办公室",
                                                                  today=TODAY.date()))
        save_seconds, content = timed(lambda: document_bytes(doc))
    return {"name": "briefing pack", "slips": len(cases), "select_seconds": round(select_seconds, 3),
            "build_seconds": round(build_seconds, 3), "save_seconds": round(save_seconds, 3),
            "total_seconds": round(select_seconds + build_seconds + save_seconds, 3),
            "docx_kib": len(content) // 1024}


def bench_bulletin(app, cases):
    """A 工作简报 over a month of `cases` letters in every state: figures, build (chart included), save."""
    from djgc_direct.documents import reports
    from djgc_direct.documents.gbt9704 import document_bytes
    from djgc_direct.metrics.periods import parse_period

    from bench import lifecycle

    with app.app_context():
        # Submitted over the 25 days before TODAY (26 November): the month of November.
        lifecycle.generate(cases, TODAY.date(), span_days=25)
        period = parse_period("2026-11")
        figures_seconds, content = timed(lambda: reports.bulletin_content(period, TODAY.date()))
        issue = reports.take_issue(period, None, TODAY.date())
        build_seconds, doc = timed(lambda: reports.bulletin(content, office="中共柳州市委党代表直通车办公室",
                                                            issue=issue, day=TODAY.date()))
        save_seconds, content_bytes = timed(lambda: document_bytes(doc))
        db.session.rollback()
    return {"name": "bulletin", "cases_in_month": content.intake.counts["letters"], "units": len(content.units),
            "overdue_items": len(content.overdue), "figures_seconds": round(figures_seconds, 3),
            "build_seconds": round(build_seconds, 3), "save_seconds": round(save_seconds, 3),
            "total_seconds": round(figures_seconds + build_seconds + save_seconds, 3),
            "docx_kib": len(content_bytes) // 1024}


RUBRIC = Path(__file__).resolve().parent.parent / "config" / "rubrics" / "djgc_direct_v1.yaml"


def monthly_assessment(version, period):
    """What the secretariat runs each month: every metric family, then the assessment (which
    scores the units itself). Flushes; the caller commits or rolls back."""
    from djgc_direct.assessments import services as assessments
    from djgc_direct.metrics import services as metrics

    for family in (metrics.HANDLING, metrics.ANNOTATION, metrics.INTAKE):
        metrics.total(family, period)
    metrics.tree(period)
    metrics.leaders(period)
    metrics.delegations(period)
    return assessments.run_assessment(version, period)


def import_rubric():
    from djgc_direct.assessments import services as assessments

    return assessments.import_rubric(RUBRIC.read_text(encoding="utf-8"), actor=None)


def bench_assessment(app, cases):
    """Every metric family plus a full assessment run for one month, over a realistic database."""
    from djgc_direct.metrics.periods import month

    from bench import lifecycle

    with app.app_context():
        generate, _ = timed(lambda: lifecycle.generate(cases, TODAY.date()))
        version = import_rubric()
        db.session.commit()
        period = month(2026, 10)

        def everything():
            run = monthly_assessment(version, period)
            db.session.commit()
            return run

        first_seconds, run = timed(everything)
        second_seconds, _ = timed(everything)
        start, end = period.bounds_utc()
        # The floor: one bare aggregate over the same rows (the month's assignments, per unit).
        floor_seconds, _ = timed(lambda: db.session.execute(sa.text(
            "SELECT unit_id, count(*), sum(CASE WHEN replied_at IS NOT NULL THEN 1 ELSE 0 END) FROM assignments "
            "WHERE assigned_at >= :a AND assigned_at < :b GROUP BY unit_id"),
            {"a": start.replace(tzinfo=None), "b": end.replace(tzinfo=None)}).all())
        assignments = db.session.scalar(sa.text(
            "SELECT count(*) FROM assignments WHERE assigned_at >= :a AND assigned_at < :b"),
            {"a": start.replace(tzinfo=None), "b": end.replace(tzinfo=None)})
        units = len(run.results)
    return {"name": "metrics + assessment (one month)", "cases": cases, "month": period.code,
            "month_assignments": assignments, "units": units, "generate_seconds": round(generate, 2),
            "first_seconds": round(first_seconds, 3), "second_seconds": round(second_seconds, 3),
            "bare_sql_floor_seconds": round(floor_seconds, 4),
            "ratio_to_floor": round(second_seconds / floor_seconds, 1) if floor_seconds else None,
            "goal": "under 1 s"}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sweep-assignments", type=int, default=100_000)
    parser.add_argument("--pack-slips", type=int, default=200)
    parser.add_argument("--bulletin-cases", type=int, default=1000)
    parser.add_argument("--assessment-cases", type=int, default=100_000)
    args = parser.parse_args()
    results = {"machine": {"platform": platform.platform(), "python": platform.python_version(),
                           "cpus": os.cpu_count()},
               "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "benchmarks": []}
    for name, run in [("sweep", lambda app: bench_sweep(app, args.sweep_assignments)),
                      ("pack", lambda app: bench_pack(app, args.pack_slips)),
                      ("bulletin", lambda app: bench_bulletin(app, args.bulletin_cases)),
                      ("assessment", lambda app: bench_assessment(app, args.assessment_cases))]:
        with tempfile.TemporaryDirectory() as tmp:  # a fresh database per benchmark
            app = fresh_app(Path(tmp), name)
            with app.app_context():
                results["database"] = db.engine.dialect.name
            results["benchmarks"].append(run(app))
            with app.app_context():
                db.engine.dispose()
    for row in results["benchmarks"]:
        print(f"\n{row['name']} ({results['database']})")
        for key, value in row.items():
            if key != "name":
                print(f"  {key:28} {value}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"\nwritten to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
