"""The scheduled jobs. Each runs the same code as its command-line twin, in the process's app
context with the real clock, and commits once (the outbox delivery commits per message)."""
import logging

from djgc_direct.assessments.services import scheduled_runs
from djgc_direct.core.maintenance import daily_upkeep
from djgc_direct.deadlines import reminders
from djgc_direct.extensions import db
from djgc_direct.notifications.outbox import deliver_outbox
from djgc_direct.notifications.services import secretariat_digest

log = logging.getLogger(__name__)


def sweep_reminders():
    result = reminders.sweep()
    db.session.commit()
    log.info("sweep %s: %s", result.sweep_id, "; ".join(result.lines()))


def deliver_mail():
    log.info("outbox: %s", deliver_outbox())


def send_secretariat_digest():
    written = secretariat_digest()
    db.session.commit()
    log.info("digest: %d notifications", len(written))


def monthly_assessment():
    """Daily; does its work only on the month's first working day, for the previous month, once."""
    runs = scheduled_runs()
    db.session.commit()
    if runs:
        log.info("assessment: %s", ", ".join(f"{run.period} rubric {run.rubric_id} run {run.run_number}"
                                              for run in runs))


def analyze_database():
    daily_upkeep()
    db.session.commit()
    log.info("planner statistics refreshed, search index merged")


# (job id, function, APScheduler trigger arguments); cron times are Asia/Shanghai.
JOBS = [
    ("sweep_reminders", sweep_reminders, {"trigger": "interval", "minutes": 5}),
    ("deliver_mail", deliver_mail, {"trigger": "interval", "minutes": 1}),
    ("secretariat_digest", send_secretariat_digest, {"trigger": "cron", "hour": 8, "minute": 30}),
    ("monthly_assessment", monthly_assessment, {"trigger": "cron", "hour": 7, "minute": 0}),
    ("analyze_database", analyze_database, {"trigger": "cron", "hour": 3, "minute": 30}),
]
