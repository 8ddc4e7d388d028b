"""`flask djgc outbox …`: send the e-mail outbox and see how it stands."""
import click
from flask.cli import with_appcontext

from djgc_direct.notifications.outbox import deliver_outbox, outbox_status


@click.group()
def outbox():
    """Outgoing e-mail."""


@outbox.command("deliver")
@click.option("--batch", type=click.IntRange(1, 10000), default=100, show_default=True,
              help="send at most this many e-mails in this run")
@with_appcontext
def deliver(batch):
    """Send the e-mails that are due (one delivery run; it commits after each message)."""
    result = deliver_outbox(batch=batch)
    click.echo(f"sent {result.sent}, failed {result.failed}, remaining {result.remaining}")


@outbox.command("status")
@with_appcontext
def status():
    """Count pending, failed (given up) and sent e-mails."""
    counts = outbox_status()
    click.echo(f"pending {counts.pending}, failed {counts.failed}, sent {counts.sent}")
