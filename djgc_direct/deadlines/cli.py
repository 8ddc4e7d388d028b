"""`flask djgc calendar …`: working-day arithmetic, coverage status and admin overrides."""
from contextlib import nullcontext
from datetime import datetime

import click
from flask.cli import with_appcontext

from djgc_direct.core.cli import AwareDateTime, command_transaction
from djgc_direct.core.clock import clock_set_to, today_shanghai
from djgc_direct.deadlines import calendar as workday_calendar
from djgc_direct.deadlines import reminders, services

MAX_WORKDAYS = 10000
YEARS = click.IntRange(1900, 9999)
MAX_STATUS_YEARS = 100


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD."""

    name = "date"

    def convert(self, value, param, ctx):
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a date in the form YYYY-MM-DD (e.g. 2026-09-30)", param, ctx)


ISO_DATE = IsoDate()


@click.group("calendar")
def calendar():
    """The working-day calendar (State Council schedule, admin overrides)."""


@calendar.command("add-workdays")
@click.argument("start", type=ISO_DATE)
@click.argument("n", type=click.IntRange(0, MAX_WORKDAYS))
@with_appcontext
def add_workdays_command(start, n):
    """Print the date N working days after START (START itself does not count)."""
    try:
        result = workday_calendar.add_workdays(start, n)
    except OverflowError:
        raise click.ClickException(f"{n} working days after {start.isoformat()} is past the last "
                                   f"supported date") from None
    click.echo(result.isoformat())


@calendar.command("status")
@click.option("--from", "first", type=YEARS, help="first year (default: this year)")
@click.option("--to", "last", type=YEARS, help="last year (default: --from plus two)")
@with_appcontext
def status_command(first, last):
    """Show, per year, whether official data, overrides or the Mon–Fri fallback apply."""
    if first is None:
        first = today_shanghai().year
    if last is None:
        last = first + 2
    if last < first:
        raise click.BadParameter(f"--to {last} is before --from {first}", param_hint="'--to'")
    if last - first >= MAX_STATUS_YEARS:
        raise click.BadParameter(f"at most {MAX_STATUS_YEARS} years at a time", param_hint="'--to'")
    for year in workday_calendar.coverage(range(first, last + 1)):
        parts = []
        if year.official:
            parts.append("official")
        if year.override_count:
            parts.append(f"overrides: {year.override_count}")
        if year.fallback:
            parts.append(f"fallback (Mon–Fri): {year.warning}")
        click.echo(f"{year.year}: {'; '.join(parts)}")


@calendar.group("override")
def override():
    """Days an admin has made working days or days off by hand."""


@override.command("add")
@click.argument("day", type=ISO_DATE)
@click.option("--workday/--holiday", "is_workday", default=None,
              help="make DAY a working day (e.g. a 调休 Saturday) or a day off")
@click.option("--note", required=True, help="why, e.g. 国办发明电〔2026〕7号")
@with_appcontext
def override_add(day, is_workday, note):
    """Make DAY a working day or a day off, whatever the official calendar says."""
    if is_workday is None:  # click does not enforce `required` on a boolean flag pair
        raise click.UsageError("say whether DAY is a working day or a day off: --workday or --holiday")
    with command_transaction():
        services.add_override(day, is_workday, note, actor=None)
    click.echo(f"{day.isoformat()} is now a {'working day' if is_workday else 'day off'}")


@override.command("remove")
@click.argument("day", type=ISO_DATE)
@with_appcontext
def override_remove(day):
    """Remove the override of DAY; the official calendar (or Mon–Fri) applies again."""
    with command_transaction():
        services.remove_override(day, actor=None)
    click.echo(f"removed the override of {day.isoformat()}")


@click.command("sweep")
@click.option("--at", "moment", type=AwareDateTime(), help="run as of this moment, e.g. 2026-12-20T09:00+08:00")
@with_appcontext
def sweep_command(moment):
    """Run one reminder sweep (now, or as of --at) and print what it created per kind."""
    with command_transaction(), (clock_set_to(moment) if moment else nullcontext()):
        result = reminders.sweep()
    for line in result.lines():
        click.echo(line)
