"""Leadership among scheduler processes: one works, the others stay idle until it stops."""
import logging
from datetime import timedelta
from zlib import crc32

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from djgc_direct.core.clock import now_utc
from djgc_direct.extensions import db
from djgc_direct.scheduler.models import SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
ADVISORY_KEY = crc32(f"djgc_direct:{LEASE_NAME}".encode())
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class SchedulerLock:
    """`try_acquire()` answers whether this process may run the jobs now; call it before each
    job and on a heartbeat interval. `release()` on shutdown."""

    def __init__(self, holder):
        self.holder = holder
        self._advisory_connection = None

    @property
    def _postgres(self):
        return db.engine.dialect.name == "postgresql"

    def try_acquire(self):
        held = self._hold_advisory_lock() if self._postgres else True
        if held:
            held = self._renew_lease(force=self._postgres)
        return held

    def _hold_advisory_lock(self):
        """A session-level advisory lock on a connection kept open for the life of the process:
        if the process dies, the server drops the connection and the lock with it."""
        if self._advisory_connection is not None:
            return True
        connection = db.engine.connect()
        if connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar():
            connection.commit()
            self._advisory_connection = connection
            log.info("scheduler %s holds the PostgreSQL advisory lock", self.holder)
            return True
        connection.close()
        return False

    def _renew_lease(self, force):
        now = now_utc()
        expires = now + timedelta(seconds=current_app.config["SCHEDULER_LEASE_SECONDS"])
        insert = _INSERTS[db.engine.dialect.name]
        with db.engine.begin() as connection:
            connection.execute(insert(SchedulerLease).values(
                name=LEASE_NAME, holder=self.holder, acquired_at=now, heartbeat_at=now,
                expires_at=expires).on_conflict_do_nothing(index_elements=["name"]))
            taken = sa.update(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)
            if not force:  # SQLite: the row is the lock
                taken = taken.where(sa.or_(SchedulerLease.holder == self.holder,
                                           SchedulerLease.expires_at < now))
            changed = connection.execute(taken.values(
                holder=self.holder, heartbeat_at=now, expires_at=expires,
                acquired_at=sa.case((SchedulerLease.holder == self.holder, SchedulerLease.acquired_at),
                                    else_=sa.literal(now, SchedulerLease.acquired_at.type))).returning(SchedulerLease.name)).all()
        return bool(changed)

    def release(self):
        with db.engine.begin() as connection:
            connection.execute(sa.delete(SchedulerLease).where(
                SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == self.holder))
        if self._advisory_connection is not None:
            # Unlock explicitly: close() only returns the connection to the pool, lock and all.
            self._advisory_connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            self._advisory_connection.invalidate()
            self._advisory_connection = None


def heartbeat_age_seconds():
    """Seconds since the working scheduler last renewed its lease, or None if none ever ran."""
    beat = db.session.scalar(sa.select(SchedulerLease.heartbeat_at).where(SchedulerLease.name == LEASE_NAME))
    return None if beat is None else (now_utc() - beat).total_seconds()
