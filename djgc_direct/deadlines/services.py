"""What admins set for deadlines: calendar overrides, time limits and the reminder ladder.
Changes flush and write an audit record; the caller commits."""
import functools
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from djgc_direct.audit.services import record
from djgc_direct.core.clock import now_utc
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines.models import CalendarOverride, DeadlineSetting
from djgc_direct.extensions import db

NOTE_MAX_LENGTH = 200


def list_overrides():
    return db.session.scalars(sa.select(CalendarOverride).order_by(CalendarOverride.day)).all()


def get_override(day):
    return db.session.scalar(sa.select(CalendarOverride).where(CalendarOverride.day == day))


def add_override(day, is_workday, note, actor=None):
    """Make `day` a working day (is_workday=True) or a day off, whatever the official calendar says."""
    _check_day(day)
    note = " ".join((note or "").split())
    if not note or len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(_("请填写说明(最长 %(n)d 个字符),例如所依据的国务院办公厅通知。",
                                n=NOTE_MAX_LENGTH), field="note")
    existing = get_override(day)
    if existing is not None:
        raise ValidationError(_("%(day)s 已有日历调整(%(kind)s),如需修改请先删除。",
                                day=day.isoformat(), kind=kind_label(existing.is_workday)), field="day")
    override = CalendarOverride(day=day, is_workday=bool(is_workday), note=note,
                                created_by_id=getattr(actor, "id", None), created_at=now_utc())
    db.session.add(override)
    try:
        db.session.flush()
    except IntegrityError:
        # Another admin added the same day between the check and the flush; the caller rolls back.
        raise ValidationError(_("%(day)s 已有日历调整,如需修改请先删除。", day=day.isoformat()),
                              field="day") from None
    record("calendar_override_added", override, actor=actor, after=_snapshot(override))
    db.session.flush()
    return override


def remove_override(day, actor=None):
    """Delete the override of `day`, so the official calendar (or Mon–Fri) applies again."""
    _check_day(day)
    override = get_override(day)
    if override is None:
        raise ValidationError(_("%(day)s 没有日历调整,无需删除。", day=day.isoformat()), field="day")
    record("calendar_override_removed", override, actor=actor, before=_snapshot(override))
    db.session.delete(override)
    db.session.flush()


def kind_label(is_workday):
    return _("工作日") if is_workday else _("休息日")


def _check_day(day):
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValidationError(_("请填写日期,格式为 YYYY-MM-DD。"), field="day")


def _snapshot(override):
    return {"day": override.day.isoformat(), "is_workday": override.is_workday, "note": override.note}


# ---- time limits and the reminder ladder (时限设置) ---------------------------------------------

WORKDAYS, LADDER = "DEADLINE_WORKDAYS", "REMINDER_LADDER"


@dataclass(frozen=True)
class Limit:
    """One setting: the config dict holding its default and the whole numbers an admin may set."""

    key: str
    config_key: str
    label: object  # lazily translated
    low: int
    high: int


LIMITS = {limit.key: limit for limit in (
    Limit("register", WORKDAYS, _l("登记呈阅时限"), 1, 10),
    Limit("annotate", WORKDAYS, _l("批示时限"), 1, 10),
    Limit("acknowledge", WORKDAYS, _l("签收时限"), 1, 10),
    Limit("reply", WORKDAYS, _l("答复时限"), 1, 60),
    Limit("feedback", WORKDAYS, _l("评价时限"), 1, 30),
    Limit("due_soon", LADDER, _l("到期前提醒(工作日)"), 0, 10),
    Limit("overdue", LADDER, _l("逾期提醒"), 1, 30),
    Limit("escalation_1", LADDER, _l("一级督办"), 1, 30),
    Limit("escalation_2", LADDER, _l("二级督办"), 1, 30),
)}
# (earlier, later): each rung after the overdue notice must come strictly later than the one before.
RUNG_ORDER = (("overdue", "escalation_1"), ("escalation_1", "escalation_2"))

_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def default_settings():
    """The config defaults, {key: working days}, time limits and ladder together."""
    return {**current_app.config[WORKDAYS], **current_app.config[LADDER]}


def deadline_settings():
    """Every setting in effect: what an admin has set, else the config default. One query."""
    values = default_settings()
    values.update((key, workdays) for key, workdays in db.session.execute(_settings_statement()) if key in values)
    return values


@functools.cache
def _settings_statement():
    """Every stored setting (a handful of rows), built once: pages read them for their badges."""
    return sa.select(DeadlineSetting.key, DeadlineSetting.workdays)


def deadline_workdays():
    """The time limit of each stage in effect, shaped like the config's DEADLINE_WORKDAYS."""
    return _section(WORKDAYS)


def reminder_ladder():
    """The reminder ladder in effect, shaped like the config's REMINDER_LADDER."""
    return _section(LADDER)


def _section(config_key):
    settings = deadline_settings()
    return {key: settings[key] for key in current_app.config[config_key]}


def not_a_whole_number(key):
    """The message for input that is not a whole number (lazy, so that forms can hold it)."""
    return _l("“%(label)s”须为整数(工作日数)。", label=LIMITS[key].label)


def update_deadline_settings(values, actor=None):
    """Set some or all settings ({key: working days}), checked as a whole against the rest.

    Writes the keys whose value changes and one audit record of them, then flushes. Returns the
    changes, {key: new value}; when there are none nothing is written.
    """
    unknown = sorted(set(values) - set(LIMITS))
    if unknown:
        raise ValidationError(_("没有名为“%(key)s”的时限设置。", key=unknown[0]), field=unknown[0])
    current = deadline_settings()
    wanted = {**current, **{key: _workdays(key, values[key]) for key in LIMITS if key in values}}
    for earlier, later in RUNG_ORDER:
        if wanted[later] <= wanted[earlier]:
            raise ValidationError(_("“%(label)s”须多于“%(other)s”的 %(n)d 个工作日。", label=LIMITS[later].label,
                                    other=LIMITS[earlier].label, n=wanted[earlier]), field=later)
    changed = {key: n for key, n in wanted.items() if n != current[key]}
    if not changed:
        return changed
    # An upsert, so that two admins saving at once cannot trip over each other's new rows.
    upsert = _UPSERTS[db.session.get_bind().dialect.name]
    for key, n in changed.items():
        db.session.execute(upsert(DeadlineSetting).values(key=key, workdays=n)
                           .on_conflict_do_update(index_elements=["key"], set_={"workdays": n}))
    record("deadline_settings_updated", actor=actor, object_type=DeadlineSetting.__tablename__,
           before={key: current[key] for key in changed}, after=changed)
    db.session.flush()
    return changed


def _workdays(key, value):
    limit = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(str(not_a_whole_number(key)), field=key)
    if not limit.low <= value <= limit.high:
        raise ValidationError(_("“%(label)s”须为 %(low)d 至 %(high)d 个工作日。", label=limit.label,
                                low=limit.low, high=limit.high), field=key)
    return value
