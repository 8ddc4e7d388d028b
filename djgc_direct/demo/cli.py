import click
from flask.cli import with_appcontext

from djgc_direct.core.cli import command_transaction
from djgc_direct.demo.seed import seed_demo as build_demo_world


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo world (idempotent: running it twice changes nothing)."""
    with command_transaction():
        created = build_demo_world()
    if any(created.values()):
        click.echo("demo world created: " + ", ".join(f"{n} {kind}" for kind, n in created.items()))
    else:
        click.echo("demo world already present; nothing changed")
