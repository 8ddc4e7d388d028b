"""Delivering the outbox through SMTP.

`deliver_outbox` is a job, not a service: it commits, once per message, so that each message's
outcome is on record before the next one is tried. Call it with no changes of your own pending
(the CLI's `djgc outbox deliver` or a scheduler).
"""
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from flask import current_app

from djgc_direct.core.clock import SHANGHAI, now_utc
from djgc_direct.extensions import db
from djgc_direct.notifications.models import OutboxEmail

SMTP_TIMEOUT = 10  # seconds, for the connection and each SMTP command
MAX_BACKOFF_MINUTES = 60
ERROR_MAX = 2000
# What one message's delivery can fail with: the network (refused, timeout, TLS), the server's
# answer, or a message that cannot be encoded (ValueError) — each is recorded on the message.
SEND_ERRORS = (OSError, smtplib.SMTPException, ValueError)


@dataclass(frozen=True)
class DeliveryResult:
    sent: int
    failed: int
    remaining: int  # still waiting to be sent (due now or later), given-up ones not counted


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    failed: int
    sent: int


def backoff(attempts):
    """How long to wait after the `attempts`-th failure: 1, 2, 4, 8 … minutes, at most an hour."""
    return timedelta(minutes=min(2 ** min(attempts - 1, 6), MAX_BACKOFF_MINUTES))


def deliver_outbox(*, batch=100):
    """Send up to `batch` due e-mails, oldest due first.

    Each message is one short transaction: claim its row (which locks it), talk to the SMTP
    server, record the outcome, commit. While the row is locked no other delivery run can take
    it, and once the commit has marked it sent no run ever takes it again. A crash after the
    server accepted the message but before the commit leaves the row unmarked, so it is sent
    again later (with the same Message-ID) — SMTP offers no better than at-least-once there.
    """
    config = current_app.config
    sent = failed = 0
    with _SmtpSession(config) as smtp:
        for _ in range(batch):
            mail = _claim_next()
            if mail is None:
                db.session.rollback()
                break
            try:
                smtp.send(_message(mail, config["MAIL_SENDER"]))
            except SEND_ERRORS as exc:
                _record_failure(mail, exc, config["MAIL_MAX_ATTEMPTS"])
                failed += 1
            else:
                mail.sent_at, mail.next_attempt_at = now_utc(), None
                sent += 1
            db.session.commit()
    return DeliveryResult(sent=sent, failed=failed, remaining=outbox_status().pending)


def _claim_next():
    """Take the next due e-mail for this run (counting the attempt), or None.

    PostgreSQL: the inner SELECT … FOR UPDATE SKIP LOCKED passes over rows another run holds,
    so two runs work on different messages instead of queueing behind each other.
    SQLite has no row locks and SQLAlchemy leaves FOR UPDATE out there; instead the UPDATE takes
    the database's write lock, held until this message's commit, so a second run waits at its
    own claim and then sees this message already marked. Being the transaction's first
    statement, the UPDATE waits on the busy timeout rather than failing.
    """
    due = (sa.select(OutboxEmail.id)
           .where(OutboxEmail.sent_at.is_(None), OutboxEmail.next_attempt_at <= now_utc())
           .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
           .limit(1)
           .with_for_update(skip_locked=True))
    claim = (sa.update(OutboxEmail)
             .where(OutboxEmail.id == due.scalar_subquery())
             .values(attempts=OutboxEmail.attempts + 1)
             .returning(OutboxEmail)
             .execution_options(synchronize_session=False, populate_existing=True))
    return db.session.scalars(claim).first()


def _record_failure(mail, exc, max_attempts):
    mail.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
    if mail.attempts >= max_attempts:
        mail.next_attempt_at = None  # given up: the row stays, visibly failed, and is not retried
    else:
        mail.next_attempt_at = now_utc() + backoff(mail.attempts)


def _message(mail, sender):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at.astimezone(SHANGHAI))
    # The same id on every attempt: a copy sent twice after a crash is recognisable as one message.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = f"<outbox.{mail.id}.{int(mail.created_at.timestamp())}@{domain}>"
    message.set_content(mail.body, charset="utf-8")
    return message


class _SmtpSession:
    """One SMTP connection for a delivery run, opened when first needed and again after an error.

    If the server cannot be reached at all, the rest of the run fails at once with that error
    rather than waiting out the timeout for every message.
    """

    def __init__(self, config):
        self.config = config
        self.smtp = None
        self.unreachable = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self._close(polite=True)

    def send(self, message):
        if self.unreachable is not None:
            raise self.unreachable
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except SEND_ERRORS as exc:
                self.unreachable = exc
                raise
        try:
            self.smtp.send_message(message)
        except BaseException:
            self._close(polite=False)  # start the next message on a fresh connection
            raise

    def _connect(self):
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
        try:
            if config["MAIL_USE_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _close(self, *, polite):
        if self.smtp is None:
            return
        try:
            if polite:
                self.smtp.quit()
        except SEND_ERRORS:
            pass  # the messages are already on record; a failed goodbye changes nothing
        finally:
            self.smtp.close()
            self.smtp = None


def outbox_status():
    """How many e-mails are pending, failed for good, and sent (one query)."""
    unsent = OutboxEmail.sent_at.is_(None)
    pending, failed, sent = db.session.execute(sa.select(
        sa.func.count().filter(unsent, OutboxEmail.next_attempt_at.is_not(None)),
        sa.func.count().filter(unsent, OutboxEmail.next_attempt_at.is_(None)),
        sa.func.count(OutboxEmail.sent_at),
    ).select_from(OutboxEmail)).one()
    return OutboxStatus(pending=pending, failed=failed, sent=sent)
