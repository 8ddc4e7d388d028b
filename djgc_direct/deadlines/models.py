import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import UTCDateTime, str_enum
from djgc_direct.extensions import db


class CalendarOverride(db.Model):
    """One day whose working status an admin has set by hand.

    Lets a newly published State Council schedule be entered before the `chinesecalendar`
    package knows it; an override wins over the package and over the Mon–Fri fallback.
    """

    __tablename__ = "calendar_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, nullable=False, unique=True)
    is_workday: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    note: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False)

    created_by = relationship("User")

    def __repr__(self):
        return f"<CalendarOverride {self.day.isoformat()} {'workday' if self.is_workday else 'holiday'}>"


class ReminderLevel(enum.Enum):
    """The reminder ladder (催办 → 督办), in order."""

    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION_1 = "escalation_1"
    ESCALATION_2 = "escalation_2"


class Reminder(db.Model):
    """One rung of the ladder reached by one deadline. The unique key (item, due date, level)
    makes a reminder happen once however many sweeps run; a moved deadline is a new due date,
    so the ladder starts again for it."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    stage: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    level: Mapped[ReminderLevel] = mapped_column(str_enum(ReminderLevel), nullable=False)
    due_date: Mapped[date] = mapped_column(sa.Date, nullable=False)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), nullable=False)
    assignment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assignments.id"))
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # No index: a sweep finds its own rows by id range (see reminders.create_reminders).
    sweep_id: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (sa.UniqueConstraint("item_key", "due_date", "level", name="uq_reminders_item_due_level"),)


class DeadlineSetting(db.Model):
    """A time limit or reminder rung, in working days, that an admin has set on the
    “时限设置” page. Keys are those of the config's DEADLINE_WORKDAYS and REMINDER_LADDER; a key
    without a row keeps its config default (see services.deadline_workdays / reminder_ladder)."""

    __tablename__ = "deadline_settings"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    workdays: Mapped[int] = mapped_column(sa.Integer, nullable=False)

    def __repr__(self):
        return f"<DeadlineSetting {self.key}={self.workdays}>"
