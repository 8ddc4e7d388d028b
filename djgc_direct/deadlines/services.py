"""Calendar overrides entered by admins. They flush and write an audit record; the caller commits."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from djgc_direct.audit.services import record
from djgc_direct.core.clock import now_utc
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines.models import CalendarOverride
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
