import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from djgc_direct.core.access import is_safe_redirect
from djgc_direct.core.errors import ValidationError
from djgc_direct.core.models import UTCDateTime
from djgc_direct.extensions import db


def check_link(value):
    """A notification link is a path on this site ("/cases/7"), never an absolute or
    protocol-relative URL, so a link in the inbox cannot lead away."""
    if value is not None and not is_safe_redirect(value):
        raise ValidationError(_("通知链接须是本站内以“/”开头的路径。"), field="link")
    return value


class Notification(db.Model):
    """One message in a user's inbox. `kind` is a short code ("reminder.due_soon", "case.merged")."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    read_at = mapped_column(UTCDateTime)
    # Makes a notification exactly-once (e.g. one digest per user and day), with or without e-mail.
    dedup_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)

    recipient = relationship("User")
    case = relationship("Case")

    __table_args__ = (sa.Index("ix_notifications_recipient_read", "recipient_id", "read_at"),)

    @validates("link")
    def _check_link(self, _key, value):
        return check_link(value)

    def __repr__(self):
        return f"<Notification {self.id} {self.kind} to {self.recipient_id}>"


class OutboxEmail(db.Model):
    """An e-mail waiting to be sent, sent, or given up on.

    Pending: `sent_at` empty and `next_attempt_at` set. Sent: `sent_at` set. Failed for good:
    both empty after the last allowed attempt; the row stays, with `last_error`, for people to see.
    """

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at = mapped_column(UTCDateTime)
    dedup_key: Mapped[str | None] = mapped_column(sa.String(128), unique=True)

    notification = relationship("Notification")

    def __repr__(self):
        return f"<OutboxEmail {self.id} to {self.to_address} attempts={self.attempts}>"
