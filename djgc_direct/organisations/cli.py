import click
from flask.cli import with_appcontext

from djgc_direct.core.cli import command_transaction
from djgc_direct.core.errors import ValidationError
from djgc_direct.organisations import services


@click.group()
def org():
    """Organisations."""


@org.command("import")
@click.argument("csv_file", type=click.File("rb"))
@with_appcontext
def import_command(csv_file):
    """Import organisations from CSV_FILE (UTF-8; columns name,parent,level,sector,is_unit).

    All or nothing: one bad row aborts the import, naming its line.
    """
    with command_transaction():
        try:
            text = csv_file.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("the file is not UTF-8 text") from None
        created = services.import_organisations(text)
    click.echo(f"imported {len(created)} organisations")


@click.group()
def delegation():
    """Delegations of party representatives."""


@delegation.command("create")
@click.argument("name")
@with_appcontext
def create_delegation(name):
    """Create the delegation NAME (e.g. 鹿寨县代表团)."""
    with command_transaction():
        services.create_delegation(name)
    click.echo(f"created delegation {name}")
