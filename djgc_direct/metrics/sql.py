"""SQL building blocks the metrics share: local dates, working-day numbers, the organisation tree."""
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from djgc_direct.deadlines.calendar import WorkdayCalendar
from djgc_direct.organisations.models import Organisation

ONE_DAY = timedelta(days=1)


class local_date(FunctionElement):
    """The Asia/Shanghai date of a stored UTC timestamp. Shanghai is UTC+8 all year (no DST),
    so adding eight hours is exact; each database spells it its own way."""

    type = sa.Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '8 hours') AS DATE)"


def workday_numbers(first, last):
    """A CTE `workdays(day, n)` for every day from `first` to `last`: n counts the working days
    up to and including `day`, on the same calendar as every deadline (WorkdayCalendar, with the
    admins' overrides). Working days after a up to and including b are then n(b) - n(a), as
    `calendar.workdays_between(a, b)` counts them."""
    calendar = WorkdayCalendar(first, last)
    rows, n, day = [], 0, first
    while day <= last:
        n += calendar.is_workday(day)
        rows.append((day, n))
        day += ONE_DAY
    return sa.values(sa.column("day", sa.Date), sa.column("n", sa.Integer), name="workdays").data(rows).cte("workdays")


def org_closure():
    """A recursive CTE `closure(org_id, ancestor_id)`: every organisation paired with itself and
    each of its ancestors, so that a unit's figures count towards its township, county and city."""
    closure = sa.select(Organisation.id.label("org_id"), Organisation.id.label("ancestor_id")) \
        .cte("closure", recursive=True)
    parent = sa.orm.aliased(Organisation)
    return closure.union_all(
        sa.select(closure.c.org_id, parent.parent_id)
        .join(parent, parent.id == closure.c.ancestor_id)
        .where(parent.parent_id.is_not(None)))
