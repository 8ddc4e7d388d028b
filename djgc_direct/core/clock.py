"""The injected clock: every piece of code asks it for the time, so tests can fix the date.

`create_app` puts a `SystemClock` on the app; tests replace it with a `FixedClock`.
"""
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

SHANGHAI = ZoneInfo("Asia/Shanghai")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until moved; used by tests and by `--at` options."""

    def __init__(self, at: datetime):
        self.set(at)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at.astimezone(timezone.utc)

    def advance(self, **kwargs) -> None:
        self._now += timedelta(**kwargs)

    def now(self) -> datetime:
        return self._now


def get_clock():
    return current_app.extensions["djgc_clock"]


def now_utc() -> datetime:
    """The current moment (aware, UTC) according to the app's clock."""
    return get_clock().now()


def today_shanghai():
    """Today's date in Asia/Shanghai, where every working-day count starts."""
    return now_utc().astimezone(SHANGHAI).date()


@contextmanager
def clock_set_to(at: datetime):
    """Run a block as of `at` (CLI `--at` options, the demo's back-dated history); yields the
    FixedClock so the block can move it forward."""
    app = current_app._get_current_object()
    previous = app.extensions["djgc_clock"]
    fixed = FixedClock(at)
    app.extensions["djgc_clock"] = fixed
    try:
        yield fixed
    finally:
        app.extensions["djgc_clock"] = previous
