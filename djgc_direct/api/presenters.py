"""What one user may see of a case (DESIGN §4), ready for the response schemas."""
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.cases import services
from djgc_direct.cases.timeline import timeline
from djgc_direct.extensions import db

ASSIGNMENT_FIELDS = ("id", "unit", "is_lead", "round", "status", "assigned_at", "due_date", "original_due_date",
                     "acknowledged_at", "replied_at")


class CaseView:
    """A case as `viewer` may see it. The schema reads the case's own columns through it; the
    parts that depend on who is looking are worked out here, with the rules the case pages use."""

    def __init__(self, case, viewer):
        self.case = case
        representative = viewer.role is Role.REPRESENTATIVE
        self.annotations = services.visible_annotations(case, viewer)
        self.linked_case_ids = [other.id for other in services.linked_cases(case, viewer)]
        # The working notes (progress, extension requests) are not for representatives.
        self.assignments = [_assignment(assignment, with_working_notes=not representative)
                            for assignment in services.visible_assignments(case, viewer)]
        if representative:
            self.reply = services.approved_reply(case)
        else:
            self.reply = case.replies[-1] if case.replies else None
        self.timeline = [
            {"at": record.at, "action": record.action, "label": str(label), "actor": actor_name,
             "actor_role": record.actor_role, "from_status": (record.before or {}).get("status"),
             "to_status": (record.after or {}).get("status"), "comment": comment}
            for record, actor_name, label, comment in timeline(case, viewer)
        ]

    def __getattr__(self, name):  # everything else is the case's own
        return getattr(self.case, name)


def _assignment(assignment, *, with_working_notes):
    shown = {name: getattr(assignment, name) for name in ASSIGNMENT_FIELDS}
    if with_working_notes:
        shown["progress"] = assignment.progress_reports
        shown["extension_requests"] = assignment.extension_requests
    return shown


def committed(case):
    """Commit the request's one transaction; answer with the case as the caller now sees it."""
    db.session.commit()
    return CaseView(case, current_user)
