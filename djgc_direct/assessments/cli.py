"""`flask djgc assess` (a monthly run on demand) and `flask djgc rubric import FILE`."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from djgc_direct.assessments import services
from djgc_direct.core.cli import command_transaction


@click.command("assess")
@click.option("--period", required=True, help="the month to assess, YYYY-MM")
@click.option("--rubric", "name", help="rubric name (default: ASSESSMENT_RUBRIC, djgc_direct)")
@with_appcontext
def assess_command(period, name):
    """Score every handling unit for a month under the newest version of a rubric (a new run)."""
    with command_transaction():
        run = services.run_latest(period, name)
    click.echo(f"{run.period} {run.rubric.name} v{run.rubric.version} run {run.run_number}: "
               f"{sum(r.score is not None for r in run.results)} of {len(run.results)} units scored")


@click.group("rubric")
def rubric():
    """Assessment rubrics (YAML files, config/rubrics/)."""


@rubric.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(paths):
    """Import rubric files as new versions (a version already stored is refused)."""
    with command_transaction():
        for path in paths:
            version = services.import_rubric(path.read_text(encoding="utf-8"), actor=None)
            click.echo(f"{path.name}: {version.name} v{version.version} imported")
