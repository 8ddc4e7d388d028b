from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import UTCDateTime
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
