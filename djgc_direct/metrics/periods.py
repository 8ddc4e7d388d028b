"""Reporting periods: a month (2026-11), a quarter (2026-Q4), a year (2026) or a custom range of
local dates. A period is a stretch of Asia/Shanghai dates; `bounds_utc` gives the UTC instants
that timestamps are compared with, so the comparisons can use the columns' indexes."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _

from djgc_direct.core.clock import SHANGHAI, today_shanghai
from djgc_direct.core.errors import ValidationError

MAX_RANGE_DAYS = 3 * 366  # a custom range of more than three years is surely a typing error
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    code: str | None = None  # 2026-11, 2026-Q4 or 2026; None for a custom range

    @property
    def label(self):
        if self.code is None:
            return _("%(a)s 至 %(b)s", a=self.start.isoformat(), b=self.end.isoformat())
        if _MONTH.match(self.code):
            return _("%(y)d年%(m)d月", y=self.start.year, m=self.start.month)
        if _QUARTER.match(self.code):
            return _("%(y)d年第%(q)d季度", y=self.start.year, q=(self.start.month - 1) // 3 + 1)
        return _("%(y)d年", y=self.start.year)

    @property
    def query_args(self):
        """The request arguments that name this period again (for links and exports)."""
        if self.code is None:
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.code}

    def bounds_utc(self):
        """[start, end) as aware UTC datetimes: local midnight of the first day and of the day after the last."""
        def midnight(day):
            return datetime.combine(day, time(), SHANGHAI).astimezone(timezone.utc)
        return midnight(self.start), midnight(self.end + timedelta(days=1))


def month(year, month_):
    start = date(year, month_, 1)
    end = date(year + month_ // 12, month_ % 12 + 1, 1) - timedelta(days=1)
    return Period(start, end, f"{year:04d}-{month_:02d}")


def parse_period(code=None, from_=None, to=None):
    """The period named by a request: `code` (YYYY-MM, YYYY-Qn or YYYY) or `from_`/`to` (ISO dates).
    With neither, the current month. Raises ValidationError (field "period") for anything else."""
    if code and (from_ or to):
        raise ValidationError(_("请只给出统计期间,或只给出起止日期。"), field="period")
    if from_ or to:
        return _custom(from_, to)
    if not code:
        today = today_shanghai()
        return month(today.year, today.month)
    code = code.strip()
    try:
        if match := _MONTH.match(code):
            return month(int(match[1]), int(match[2]))
        if match := _QUARTER.match(code):
            year, quarter = int(match[1]), int(match[2])
            first = month(year, 3 * quarter - 2)
            return Period(first.start, month(year, 3 * quarter).end, f"{year:04d}-Q{quarter}")
        if match := _YEAR.match(code):
            year = int(match[1])
            return Period(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    except ValueError:  # month 13, year 0
        pass
    raise ValidationError(_("统计期间应为 YYYY-MM(月)、YYYY-Qn(季度)或 YYYY(年)。"), field="period")


def _custom(from_, to):
    try:
        start, end = date.fromisoformat(str(from_ or "")), date.fromisoformat(str(to or ""))
    except ValueError:
        raise ValidationError(_("起止日期应为 YYYY-MM-DD。"), field="period") from None
    if end < start:
        raise ValidationError(_("结束日期不能早于开始日期。"), field="period")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError(_("统计期间不能超过三年。"), field="period")
    return Period(start, end)


def last_months(n, today=None):
    """The n calendar months up to and including the current one, oldest first."""
    today = today or today_shanghai()
    year, month_ = today.year, today.month
    months = []
    for _i in range(n):
        months.append(month(year, month_))
        year, month_ = (year, month_ - 1) if month_ > 1 else (year - 1, 12)
    return months[::-1]
