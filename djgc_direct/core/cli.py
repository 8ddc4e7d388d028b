"""Helpers shared by the command-line commands: one transaction per command."""
from contextlib import contextmanager
from datetime import datetime

import click

from djgc_direct.core.errors import DomainError
from djgc_direct.extensions import db


@contextmanager
def command_transaction():
    """Commit once at the end of a command; on a domain error roll back and exit with status 1."""
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()


class AwareDateTime(click.ParamType):
    """An ISO 8601 moment with its offset, e.g. 2026-12-20T09:00+08:00 (a bare one is refused:
    a deadline sweep must not guess the time zone)."""

    name = "datetime"

    def convert(self, value, param, ctx):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date and time, e.g. 2026-12-20T09:00+08:00", param, ctx)
        if moment.tzinfo is None:
            self.fail(f"{value!r} has no UTC offset; add one, e.g. +08:00", param, ctx)
        return moment
