import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from djgc_direct.core.models import UTCDateTime
from djgc_direct.extensions import db


class Bulletin(db.Model):
    """One issue of the 工作简报: 第N期 of its year, numbers gapless and unique. The issued .docx
    is kept as it went out: an issue is a record, and reading it again must not change it."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    issue_no: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    period: Mapped[str] = mapped_column(sa.String(16), nullable=False)  # Period.code: 2026-11, 2026-Q4, 2026
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the command line
    created_at = mapped_column(UTCDateTime, nullable=False)
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    created_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("year", "issue_no", name="uq_bulletins_year_issue_no"),)
