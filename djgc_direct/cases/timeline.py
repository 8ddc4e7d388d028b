"""The timeline of a case, read from its audit records, as each role may see it."""
import functools

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from djgc_direct.accounts.models import Role, User
from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases.workflow import Action
from djgc_direct.extensions import db

# What a representative sees of the handling: the steps, not the units' and office's working notes.
REPRESENTATIVE_HIDDEN_ACTIONS = {Action.PROGRESS, Action.REQUEST_EXTENSION, Action.DECIDE_EXTENSION, Action.REPLY,
                                 Action.SEND_BACK_REPLY, Action.LINK, Action.UNLINK}
REPRESENTATIVE_VISIBLE_COMMENTS = {Action.SUBMIT, Action.WITHDRAW, Action.RETURN, Action.REJECT, Action.FEEDBACK,
                                   Action.REOPEN}
EXTRA_LABELS = {"create": _l("写信")}


def timeline(case, viewer):
    """[(record, actor name, label, comment shown)] oldest first."""
    rows = db.session.execute(_records_statement(), {"case_id": case.id}).all()
    entries = []
    for entry, actor_name in rows:
        action = Action(entry.action) if entry.action in Action._value2member_map_ else None
        if viewer.role is Role.REPRESENTATIVE:
            if action in REPRESENTATIVE_HIDDEN_ACTIONS:
                continue
            comment = entry.comment if action in REPRESENTATIVE_VISIBLE_COMMENTS else None
        else:
            comment = entry.comment
        label = action.label if action else EXTRA_LABELS.get(entry.action, entry.action)
        entries.append((entry, actor_name, label, comment))
    return entries


@functools.cache
def _records_statement():
    """A case's audit records with their actors' names, built once (each page shows a timeline)."""
    return (sa.select(AuditRecord, User.name).outerjoin(User, User.id == AuditRecord.actor_id)
            .where(AuditRecord.object_type == "cases", AuditRecord.object_id == sa.bindparam("case_id"))
            .order_by(AuditRecord.id))
