"""One scheduler works at a time; the jobs are the same code as the commands."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler

from djgc_direct.extensions import db
from djgc_direct.scheduler.lock import SchedulerLock, heartbeat_age_seconds
from djgc_direct.scheduler.models import SchedulerLease
from djgc_direct.scheduler.runner import JOB_DEFAULTS, build_scheduler

ROOT = Path(__file__).resolve().parent.parent


def holder():
    return db.session.scalar(sa.select(SchedulerLease.holder))


def test_a_second_scheduler_stays_idle_until_the_first_releases(app):
    first, second = SchedulerLock("first"), SchedulerLock("second")
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        assert first.try_acquire() is True  # renewing is fine
        assert holder() == "first"
        first.release()
        assert second.try_acquire() is True
        assert holder() == "second"
    finally:
        first.release()
        second.release()


def test_lease_expiry_hands_over_on_sqlite_but_not_while_a_postgres_holder_lives(app, clock):
    first, second = SchedulerLock("first"), SchedulerLock("second")
    try:
        assert first.try_acquire()
        clock.advance(seconds=app.config["SCHEDULER_LEASE_SECONDS"] + 1)
        if db.engine.dialect.name == "sqlite":
            # The row is the lock: a silent holder loses it when its lease runs out.
            assert second.try_acquire() is True
            assert first.try_acquire() is False
        else:
            # The advisory lock lives as long as the holder's connection, whatever the lease says.
            assert second.try_acquire() is False
            first.release()
            assert second.try_acquire() is True
    finally:
        first.release()
        second.release()


def test_heartbeat_age(app, clock):
    assert heartbeat_age_seconds() is None
    lock = SchedulerLock("only")
    lock.try_acquire()
    clock.advance(seconds=42)
    assert heartbeat_age_seconds() == 42
    lock.release()


def test_jobs_are_configured_to_coalesce_and_tolerate_misfires(app):
    scheduler, lock = build_scheduler(app, SchedulerLock("test"), scheduler_class=BackgroundScheduler)
    ids = {job.id for job in scheduler.get_jobs()}
    assert {"heartbeat", "sweep_reminders"} <= ids
    assert JOB_DEFAULTS["coalesce"] is True and JOB_DEFAULTS["misfire_grace_time"] >= 300
    assert JOB_DEFAULTS["max_instances"] == 1


def test_a_job_is_skipped_when_another_scheduler_leads(app):
    leader = SchedulerLock("leader")
    assert leader.try_acquire()
    scheduler, idle_lock = build_scheduler(app, SchedulerLock("idle"), scheduler_class=BackgroundScheduler)
    sweep_job = next(job for job in scheduler.get_jobs() if job.id == "sweep_reminders")
    sweep_job.func()  # runs the guard: must not sweep
    from djgc_direct.deadlines.models import Reminder
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0
    assert holder() == "leader"
    leader.release()


def _start_scheduler(database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "DJGC_CONFIG": "development",
           "DJGC_SCHEDULER_HEARTBEAT_SECONDS": "1", "DJGC_SCHEDULER_LEASE_SECONDS": "3"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "djgc", "scheduler"], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(predicate, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_two_scheduler_processes_one_leads_and_the_other_takes_over(app, database_url):
    first = _start_scheduler(database_url)
    try:
        assert _wait_for(lambda: holder() is not None and holder().endswith(f":{first.pid}"))
        second = _start_scheduler(database_url)
        try:
            time.sleep(2.5)  # a few heartbeats: the second must stay idle
            db.session.rollback()
            assert holder().endswith(f":{first.pid}")
            first.send_signal(signal.SIGTERM)
            first.wait(timeout=10)
            assert _wait_for(lambda: holder() is not None and holder().endswith(f":{second.pid}"))
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()


def test_healthz_reports_database_and_scheduler_heartbeat(client, clock):
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "scheduler_heartbeat_age_seconds": None}
    lock = SchedulerLock("web-test")
    lock.try_acquire()
    clock.advance(seconds=75)
    assert client.get("/healthz").get_json()["scheduler_heartbeat_age_seconds"] == 75
    lock.release()
