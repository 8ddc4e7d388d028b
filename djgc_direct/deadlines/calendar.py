"""The working-day calendar every deadline is counted on (DESIGN §6).

A day is a working day when, in this order:
1. an admin-entered `CalendarOverride` says so (it wins over everything);
2. the `chinesecalendar` package says so, for the years it has the State Council schedule of
   (public holidays off, adjusted weekend days 调休 on);
3. otherwise it is Monday to Friday. This fallback logs a warning once per year per process and
   never raises: a deadline in a year nobody has entered yet must still be computed.

Functions take `datetime.date` values that are already local (Asia/Shanghai) dates, e.g. from
`djgc_direct.core.clock.today_shanghai()`.
"""
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from djgc_direct.deadlines.models import CalendarOverride
from djgc_direct.extensions import db

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)

# Years already warned about in this process; guarded by a lock because web threads and the
# scheduler share it.
_warned_years = set()
_warned_lock = threading.Lock()


@dataclass(frozen=True)
class YearCoverage:
    year: int
    official: bool       # chinesecalendar has the State Council schedule for the year
    override_count: int  # admin-entered override rows in the year
    warning: str | None  # set (lazily translated) when the year falls back to Mon–Fri

    @property
    def fallback(self):
        return not self.official


@lru_cache(maxsize=None)
def has_official_data(year):
    """Whether the installed chinesecalendar knows `year`; asks the package itself, which raises
    NotImplementedError outside its published range."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def official_range():
    """(first, last) year of the installed chinesecalendar's data, as the package computes it."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def official_is_workday(day):
    """What the State Council schedule alone says of `day`, or None for a year chinesecalendar
    does not know (shown beside each override so that redundant ones stand out)."""
    _check_date(day)
    return chinese_calendar.is_workday(day) if has_official_data(day.year) else None


def is_workday(day):
    """Whether `day` is a working day (one query for a possible override)."""
    _check_date(day)
    return WorkdayCalendar(day, day).is_workday(day)


def add_workdays(start_day, n):
    """The n-th working day after `start_day` (the start day itself never counts).

    add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 13): Oct 1–7 are off and Saturday
    Oct 10 is a worked 调休 day. n == 0 gives `start_day`; a negative n counts backwards.
    """
    _check_date(start_day)
    return WorkdayCalendar.around(start_day, n).add_workdays(start_day, n)


def subtract_workdays(day, n):
    """The n-th working day before `day` (the day itself never counts), e.g. the day of the
    "2 working days before the deadline" reminder."""
    _check_date(day)
    return WorkdayCalendar.around(day, n).subtract_workdays(day, n)


def workdays_between(a, b):
    """Working days after `a` up to and including `b`; negative when b is before a.

    workdays_between(deadline, today) is the number of working days a case is overdue
    (0 on the deadline itself), and workdays_between(a, add_workdays(a, n)) == n.
    """
    _check_date(a)
    _check_date(b)
    return WorkdayCalendar(min(a, b), max(a, b)).workdays_between(a, b)


def coverage(years):
    """For each of `years`: official data or not, the number of overrides, and the warning for a
    year that falls back to Mon–Fri. One query for all the years' overrides."""
    years = sorted(set(years))
    if not years:
        return []
    override_days = db.session.scalars(
        sa.select(CalendarOverride.day).where(
            CalendarOverride.day.between(date(years[0], 1, 1), date(years[-1], 12, 31)))).all()
    counts = Counter(day.year for day in override_days)
    result = []
    for year in years:
        official = has_official_data(year)
        result.append(YearCoverage(year=year, official=official, override_count=counts[year],
                                   warning=None if official else _fallback_warning(year, counts[year])))
    return result


def _fallback_warning(year, override_count):
    first, last = official_range()
    values = dict(year=year, version=chinese_calendar.__version__, first=first, last=last, count=override_count)
    if override_count:
        return _l("%(year)d 年的国务院节假日安排尚未收录(chinesecalendar %(version)s 只含 %(first)d–%(last)d 年),"
                  "该年按周一至周五并采用管理员录入的 %(count)d 条日历调整计算工作日。"
                  "请核对该年的放假和调休安排是否已全部录入,或升级 chinesecalendar。", **values)
    return _l("%(year)d 年的国务院节假日安排尚未收录(chinesecalendar %(version)s 只含 %(first)d–%(last)d 年),"
              "该年按周一至周五计算工作日。请在“工作日历”管理页录入该年的放假和调休安排,或升级 chinesecalendar。",
              **values)


def _check_date(day):
    # A datetime is a date subclass; taking its .date() silently could be a day off when it is
    # in UTC, so the caller must convert to the Shanghai date first.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a datetime.date (a local Asia/Shanghai date), got {day!r}")


def _check_count(n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected a whole number of working days, got {n!r}")


class WorkdayCalendar:
    """Working-day answers over a stretch of days, with that stretch's overrides loaded in one
    query (and one more per extension when a walk leaves it). Code that counts many deadlines
    at once (a list page, the reminder sweep) makes one and asks it everything."""

    def __init__(self, first, last):
        self.first, self.last = first, last
        self.overrides = _load_overrides(first, last)
        self._known = {}  # day → working day?, as answered: chinese_calendar validates every call

    @classmethod
    def around(cls, day, n):
        """A calendar wide enough for a walk of n working days from `day` in all but odd cases
        (5 in 7 days, plus the longest holiday); it loads more if the walk goes beyond it."""
        _check_count(n)
        span = timedelta(days=2 * abs(n) + 31)
        return cls(day - span, day + span)

    def is_workday(self, day):
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_workday(day)
        return known

    def _is_workday(self, day):
        self._cover(day)
        if day in self.overrides:
            return self.overrides[day]
        if has_official_data(day.year):
            return chinese_calendar.is_workday(day)
        _warn_fallback(day.year)
        return day.weekday() < 5

    def add_workdays(self, start_day, n):
        _check_count(n)
        return self._step(start_day, n, ONE_DAY) if n >= 0 else self._step(start_day, -n, -ONE_DAY)

    def subtract_workdays(self, day, n):
        _check_count(n)
        return self.add_workdays(day, -n)

    def workdays_between(self, a, b):
        if b < a:
            return -self.workdays_between(b, a)
        count, day = 0, a + ONE_DAY
        while day <= b:
            count += self.is_workday(day)
            day += ONE_DAY
        return count

    def _step(self, day, n, direction):
        remaining = n
        while remaining:
            day += direction
            remaining -= self.is_workday(day)
        return day

    def _cover(self, day):
        if day > self.last:
            new_last = day + (self.last - self.first) + ONE_DAY  # at least double the window
            self.overrides.update(_load_overrides(self.last + ONE_DAY, new_last))
            self.last = new_last
        elif day < self.first:
            new_first = day - (self.last - self.first) - ONE_DAY
            self.overrides.update(_load_overrides(new_first, self.first - ONE_DAY))
            self.first = new_first


def _load_overrides(first, last):
    rows = db.session.execute(_overrides_statement(), {"first": first, "last": last})
    return {day: is_workday for day, is_workday in rows}


@lru_cache(maxsize=1)
def _overrides_statement():
    """The overrides of a stretch of days, built once (a page with a deadline badge reads them)."""
    return (sa.select(CalendarOverride.day, CalendarOverride.is_workday)
            .where(CalendarOverride.day.between(sa.bindparam("first"), sa.bindparam("last"))))


def _warn_fallback(year):
    with _warned_lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    first, last = official_range()
    log.warning("chinesecalendar %s has no State Council schedule for %d (only %d-%d): counting "
                "working days in %d as Monday to Friday plus admin overrides; enter the year's "
                "holidays at /admin/calendar or upgrade chinesecalendar",
                chinese_calendar.__version__, year, first, last, year)
