"""The `flask --app app djgc …` command group; each domain package adds its own commands."""
import click

from djgc_direct.accounts.cli import user
from djgc_direct.assessments.cli import assess_command, rubric
from djgc_direct.core.cli import command_transaction
from djgc_direct.core.maintenance import daily_upkeep
from djgc_direct.deadlines.cli import calendar, sweep_command
from djgc_direct.demo.cli import seed_demo
from djgc_direct.documents.cli import assessment_report, bulletin, pack, slip
from djgc_direct.notifications.cli import outbox
from djgc_direct.organisations.cli import delegation, org
from djgc_direct.scheduler.cli import scheduler_command
from djgc_direct.search.cli import similar_letters_command


@click.group()
def djgc():
    """djgc_direct administration."""


djgc.add_command(org)
djgc.add_command(delegation)
djgc.add_command(user)
djgc.add_command(seed_demo)
djgc.add_command(calendar)
djgc.add_command(pack)
djgc.add_command(slip)
djgc.add_command(bulletin)
djgc.add_command(assessment_report)
djgc.add_command(outbox)
djgc.add_command(sweep_command)
djgc.add_command(scheduler_command)
djgc.add_command(assess_command)
djgc.add_command(rubric)
djgc.add_command(similar_letters_command)


@djgc.command("analyze")
def analyze_command():
    """Refresh the database's planner statistics and merge SQLite's search index (the scheduler
    does it daily at 03:30)."""
    with command_transaction():
        daily_upkeep()
    click.echo("planner statistics refreshed, search index merged")
