import sys

import click
from flask.cli import with_appcontext

from djgc_direct.accounts import services
from djgc_direct.accounts.models import Role
from djgc_direct.core.cli import command_transaction


@click.group()
def user():
    """User accounts."""


@user.command("create")
@click.argument("username")
@click.option("--role", required=True, help="one of: " + ", ".join(r.value for r in Role))
@click.option("--name", required=True, help="the person's name, e.g. 苏志明")
@click.option("--org", "organisation", help="name of the organisation (required for unit_staff)")
@click.option("--title", help="leader's title, e.g. 市委书记")
@click.option("--delegation", help="name of the delegation (required for representatives)")
@click.option("--precedence", type=click.IntRange(1, 999), help="leader's order of precedence (1 first)")
@click.option("--email")
@with_appcontext
def create_user(username, role, name, organisation, title, delegation, precedence, email):
    """Create USERNAME. The password is read from standard input when it is not a terminal."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with command_transaction():
        services.create_user(username=username, role=role, name=name, password=password,
                             organisation=organisation, delegation=delegation, title=title,
                             precedence=precedence, email=email)
    click.echo(f"created user {username} ({role})")
