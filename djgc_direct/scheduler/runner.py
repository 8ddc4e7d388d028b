"""The scheduler process (`flask --app app djgc scheduler`). Web workers never start it.

Every job first asks the lock whether this process leads; a second scheduler therefore stays
idle while the first runs, and takes over within a lease period if the first stops.
"""
import logging
import os
import signal
import socket

from apscheduler.events import EVENT_JOB_ERROR
from apscheduler.schedulers.blocking import BlockingScheduler

from djgc_direct.core.clock import SHANGHAI, now_utc
from djgc_direct.extensions import db
from djgc_direct.scheduler.jobs import JOBS
from djgc_direct.scheduler.lock import SchedulerLock

log = logging.getLogger(__name__)

JOB_DEFAULTS = {
    "coalesce": True,  # after downtime, run a missed job once, not once per missed slot
    "misfire_grace_time": 15 * 60,
    "max_instances": 1,
}


def _guarded(app, lock, job_id, function):
    def run():
        with app.app_context():
            if not lock.try_acquire():
                log.debug("%s skipped: another scheduler leads", job_id)
                return
            try:
                function()
            finally:
                db.session.remove()

    run.__name__ = job_id
    return run


def _heartbeat(app, lock):
    def beat():
        with app.app_context():
            leading = lock.try_acquire()
            db.session.remove()
        log.debug("heartbeat: %s", "leading" if leading else "idle")

    return beat


def build_scheduler(app, lock=None, scheduler_class=BlockingScheduler):
    lock = lock or SchedulerLock(holder=f"{socket.gethostname()}:{os.getpid()}")
    scheduler = scheduler_class(timezone=SHANGHAI, job_defaults=JOB_DEFAULTS)
    with app.app_context():
        first_beat = now_utc()
    scheduler.add_job(_heartbeat(app, lock), "interval", seconds=app.config["SCHEDULER_HEARTBEAT_SECONDS"],
                      id="heartbeat",
                      next_run_time=first_beat)
    for job_id, function, trigger in JOBS:
        scheduler.add_job(_guarded(app, lock, job_id, function), id=job_id, **trigger)
    scheduler.add_listener(lambda event: log.error("job %s failed", event.job_id, exc_info=event.exception),
                           EVENT_JOB_ERROR)
    return scheduler, lock


def run(app):
    scheduler, lock = build_scheduler(app)
    log.info("scheduler starting with jobs: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    # SIGTERM (docker stop, make run's Ctrl-C) stops cleanly, so the lease is handed back at once.
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        with app.app_context():
            lock.release()
