"""Helpers shared by the command-line commands: one transaction per command."""
from contextlib import contextmanager

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
