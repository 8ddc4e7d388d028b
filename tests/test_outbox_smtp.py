"""The outbox against a real SMTP server (aiosmtpd on a local port): exactly-once delivery,
retries with back-off when the server is down or refuses, giving up, concurrent runs."""
import asyncio
import email
import email.policy
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from djgc_direct.core.clock import now_utc
from djgc_direct.extensions import db
from djgc_direct.notifications import services
from djgc_direct.notifications.models import OutboxEmail
from djgc_direct.notifications.outbox import deliver_outbox, outbox_status
from tests.factories import UserFactory
from tests.helpers import run_at_once

SUBJECT = "雒容工业园区拖欠农民工工资问题已交办"
BODY = "您反映的“雒容工业园区拖欠农民工工资问题”已交市财政局办理,办理期限为 2026年12月17日。\n第二行:柳州。"


class Recorder:
    """An SMTP handler that keeps what it receives and can be told to refuse."""

    def __init__(self):
        self.messages = []
        self.refuse = None  # None, "rcpt" or "data"
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse == "rcpt":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse == "data":
            return "550 5.7.1 Message refused"
        await asyncio.sleep(self.delay)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a fixed port, which can be stopped and started again."""

    def __init__(self):
        self.recorder = Recorder()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = None

    def start(self):
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()
        self.controller = None

    @property
    def messages(self):
        return self.recorder.messages


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    yield server
    if server.controller is not None:
        server.stop()


def queue(n, *, prefix="通知"):
    """n notifications with e-mail, committed (as a request would)."""
    users = [UserFactory(email=f"user{i}@example.cn") for i in range(n)]
    for i, user in enumerate(users):
        services.notify(user, kind="test", title=f"{prefix}{i}", body=f"正文{i}")
    db.session.commit()
    return users


def outbox():
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()


def test_each_mail_is_delivered_exactly_once(smtp):
    queue(3)
    first = deliver_outbox()
    second = deliver_outbox()
    assert (first.sent, first.failed, first.remaining) == (3, 0, 0)
    assert (second.sent, second.failed, second.remaining) == (0, 0, 0)
    assert sorted(m["Subject"] for m in smtp.messages) == ["通知0", "通知1", "通知2"]
    assert len({m["Message-ID"] for m in smtp.messages}) == 3
    for mail in outbox():
        assert mail.sent_at == now_utc() and mail.attempts == 1 and mail.next_attempt_at is None
    assert outbox_status().sent == 3


def test_chinese_subject_and_body_arrive_intact(smtp):
    user = UserFactory(email="suzhiming@example.cn")
    services.notify(user, kind="test", title=SUBJECT, body=BODY, link="/cases/1")
    db.session.commit()
    deliver_outbox()
    [message] = smtp.messages
    assert message["Subject"] == SUBJECT
    assert message["To"] == "suzhiming@example.cn"
    assert message["From"].addresses[0].display_name == "党代表直通车办公室"
    assert message["From"].addresses[0].addr_spec == "noreply@djgc.liuzhou.gov.cn"
    assert message["Date"].datetime == now_utc()
    assert message["Message-ID"].endswith("@djgc.liuzhou.gov.cn>")
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().startswith(BODY + "\n")


def test_server_down_keeps_mails_for_a_later_retry_and_then_sends_each_once(smtp, clock):
    queue(1, prefix="早到")
    assert deliver_outbox().sent == 1
    smtp.stop()
    queue(2, prefix="服务器停机时")

    result = deliver_outbox()
    assert (result.sent, result.failed, result.remaining) == (0, 2, 2)
    waiting = [mail for mail in outbox() if mail.sent_at is None]
    assert len(waiting) == 2
    for mail in waiting:
        assert mail.attempts == 1
        assert "ConnectionRefusedError" in mail.last_error
        assert mail.next_attempt_at == now_utc() + timedelta(minutes=1)

    smtp.start()
    assert deliver_outbox().sent == 0  # not due yet: the back-off is respected
    clock.advance(minutes=1)
    assert deliver_outbox().sent == 2
    assert deliver_outbox().sent == 0
    assert sorted(m["Subject"] for m in smtp.messages) == ["早到0", "服务器停机时0", "服务器停机时1"]
    assert [mail.attempts for mail in outbox()] == [1, 2, 2]


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_refused_mail_is_retried_with_exponential_backoff(smtp, clock, stage):
    queue(1)
    smtp.recorder.refuse = stage
    waits = []
    for attempt in range(1, 5):
        result = deliver_outbox()
        assert (result.sent, result.failed) == (0, 1)
        [mail] = outbox()
        assert mail.attempts == attempt
        assert "550" in mail.last_error
        waits.append(mail.next_attempt_at - now_utc())
        clock.advance(seconds=waits[-1].total_seconds() - 1)
        assert deliver_outbox().failed == 0  # a second early: not tried
        clock.advance(seconds=1)
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]

    smtp.recorder.refuse = None
    assert deliver_outbox().sent == 1
    assert len(smtp.messages) == 1
    assert outbox()[0].attempts == 5


def test_backoff_doubles_up_to_an_hour_and_ends_at_the_attempt_limit(smtp, clock):
    queue(1)
    smtp.recorder.refuse = "rcpt"
    waits = []
    for _ in range(20):
        deliver_outbox()
        [mail] = outbox()
        if mail.next_attempt_at is None:
            break
        waits.append(mail.next_attempt_at - now_utc())
        clock.set(mail.next_attempt_at)
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60)]
    assert mail.attempts == 8  # MAIL_MAX_ATTEMPTS' default


def test_after_the_last_attempt_the_mail_stays_failed_and_is_not_retried(smtp, clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    queue(1)
    smtp.recorder.refuse = "data"
    for _ in range(3):
        assert deliver_outbox().failed == 1
        clock.advance(hours=2)
    [mail] = outbox()
    assert mail.attempts == 3 and mail.next_attempt_at is None and mail.sent_at is None
    assert "550" in mail.last_error

    smtp.recorder.refuse = None
    clock.advance(days=3)
    result = deliver_outbox()
    assert (result.sent, result.failed, result.remaining) == (0, 0, 0)
    assert smtp.messages == []
    assert outbox()[0].attempts == 3
    status = outbox_status()
    assert (status.pending, status.failed, status.sent) == (0, 1, 0)


def test_one_refused_mail_does_not_hold_up_the_others(smtp):
    addresses = [user.email for user in queue(3)]

    async def refuse_one(server, session, envelope, address, rcpt_options):
        if address == addresses[1]:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.recorder.handle_RCPT = refuse_one
    result = deliver_outbox()
    assert (result.sent, result.failed, result.remaining) == (2, 1, 1)
    assert sorted(m["To"] for m in smtp.messages) == [addresses[0], addresses[2]]


def test_an_address_that_cannot_be_written_fails_at_delivery_not_at_notify(smtp):
    broken = UserFactory(email="bad\naddress@example.cn")
    services.notify(broken, kind="test", title="地址有误", body="正文")  # the reported change goes through
    addresses = [user.email for user in queue(1)]
    result = deliver_outbox()
    assert (result.sent, result.failed) == (1, 1)
    assert [m["To"] for m in smtp.messages] == addresses
    failed = next(mail for mail in outbox() if mail.sent_at is None)
    assert failed.last_error.startswith("ValueError") and failed.attempts == 1


def test_two_delivery_runs_at_once_send_each_mail_once(app, smtp):
    queue(20)
    smtp.recorder.delay = 0.01  # each conversation takes a moment, so the runs overlap
    results = run_at_once(app, deliver_outbox)
    assert sum(result.sent for result in results) == 20
    assert sum(result.failed for result in results) == 0
    assert sorted(m["Subject"] for m in smtp.messages) == sorted(f"通知{i}" for i in range(20))
    assert all(mail.attempts == 1 and mail.sent_at is not None for mail in outbox())


def test_a_notification_rolled_back_sends_no_mail(smtp):
    user = UserFactory(email="suzhiming@example.cn")
    services.notify(user, kind="test", title="不会发出", body="事务回滚")
    db.session.rollback()
    assert outbox() == []
    assert deliver_outbox().sent == 0
    assert smtp.messages == []


def test_cli_deliver_and_status(runner, smtp):
    queue(2)
    result = runner.invoke(args=["djgc", "outbox", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "pending 2, failed 0, sent 0"
    result = runner.invoke(args=["djgc", "outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 2, failed 0, remaining 0"
    assert runner.invoke(args=["djgc", "outbox", "status"]).output.strip() == "pending 0, failed 0, sent 2"
    assert len(smtp.messages) == 2
