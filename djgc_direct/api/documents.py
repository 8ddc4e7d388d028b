"""Periodic documents over the API: the work bulletin (工作简报) of a period as .docx."""
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.core.clock import today_shanghai
from djgc_direct.core.errors import PermissionDenied
from djgc_direct.documents import reports
from djgc_direct.documents.views import DOCX, docx_response, office_name
from djgc_direct.extensions import db
from djgc_direct.metrics.periods import parse_period

bp = ApiBlueprint("api_documents", __name__, url_prefix=API_PREFIX,
                  description="Periodic documents (secretariat and leaders).")


@bp.route("/bulletins/<period>.docx")
@bp.refusals(403, 422)
@bp.doc(responses={200: {"description": "工作简报 as a Word document",
                         "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}})
def bulletin(period):
    """工作简报: a new issue (第N期 of this year) on a period (YYYY-MM, YYYY-Qn or YYYY)

    Every call issues and records a new number, as a download from the 生成简报 page does.
    """
    if current_user.role not in (Role.SECRETARIAT, Role.LEADER):
        raise PermissionDenied(_("工作简报只提供给秘书处和市委领导。"))
    period = parse_period(period)
    issue, doc = reports.issue_bulletin(period, actor=current_user, office=office_name(), today=today_shanghai())
    db.session.commit()
    return docx_response(doc, f"工作简报-{issue.year}年第{issue.issue_no}期.docx",
                         f"bulletin-{issue.year}-{issue.issue_no}.docx")
