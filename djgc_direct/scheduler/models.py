import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from djgc_direct.core.models import UTCDateTime
from djgc_direct.extensions import db


class SchedulerLease(db.Model):
    """Who runs the jobs, and their heartbeat (read by /healthz).

    On SQLite the row itself is the lock: a scheduler takes it when it is free or its lease has
    run out, and keeps it by renewing the lease. On PostgreSQL an advisory lock decides and the
    row only records the holder and heartbeat."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(128), nullable=False)
    acquired_at = mapped_column(UTCDateTime, nullable=False)
    heartbeat_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
