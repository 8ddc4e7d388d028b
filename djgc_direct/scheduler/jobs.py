"""The scheduled jobs. Each runs the same service code as its command-line twin, in its own app
context and transaction, with the real clock."""
import logging

from djgc_direct.deadlines import reminders
from djgc_direct.extensions import db

log = logging.getLogger(__name__)


def sweep_reminders():
    result = reminders.sweep()
    db.session.commit()
    log.info("sweep %s: %s", result.sweep_id, "; ".join(result.lines()))


# (job id, function, APScheduler trigger arguments)
JOBS = [
    ("sweep_reminders", sweep_reminders, {"trigger": "interval", "minutes": 5}),
]
