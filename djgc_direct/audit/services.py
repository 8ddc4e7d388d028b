"""Writing audit records. Callers flush; the request or command commits."""
from flask import has_request_context, request

from djgc_direct.audit.models import AuditRecord
from djgc_direct.core.clock import now_utc
from djgc_direct.extensions import db


def record(action, obj=None, *, actor=None, object_type=None, object_id=None,
           before=None, after=None, comment=None):
    """Add one audit record for `action` on `obj` (or an explicit type and id) by `actor`."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    entry = AuditRecord(
        at=now_utc(),
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(getattr(actor, "role", None), "value", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        comment=comment,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def changes(obj, fields, new_values):
    """Apply `new_values` to `obj` and return the (before, after) dicts of what changed."""
    before, after = {}, {}
    for name in fields:
        if name not in new_values:
            continue
        old, new = getattr(obj, name), new_values[name]
        if old != new:
            before[name], after[name] = _plain(old), _plain(new)
            setattr(obj, name, new)
    return before, after


def _plain(value):
    """A JSON-safe form of a column value for the audit record."""
    if hasattr(value, "value"):  # Enum
        return value.value
    if hasattr(value, "id") and hasattr(value, "__tablename__"):
        return value.id
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
