"""Periodic documents over the API: the work bulletin (工作简报) of a period as .docx."""
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.core.clock import today_shanghai
from djgc_direct.core.errors import NotFound, PermissionDenied
from djgc_direct.documents import reports
from djgc_direct.documents.views import DOCX, docx_response, office_name
from djgc_direct.extensions import db
from djgc_direct.metrics.periods import parse_period

bp = ApiBlueprint("api_documents", __name__, url_prefix=API_PREFIX,
                  description="Periodic documents (secretariat and leaders).")


DOCX_RESPONSE = {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}


@bp.route("/bulletins/<period>.docx")
@bp.refusals(403, 404, 422)
@bp.doc(responses={200: {"description": "工作简报 as a Word document", **DOCX_RESPONSE}})
def bulletin(period):
    """工作简报: the latest issue on a period (YYYY-MM, YYYY-Qn or YYYY), as it went out

    Reading changes nothing: the file is the one kept when the issue was made. 404 until the
    secretariat has issued a bulletin on the period (POST to the same address).
    """
    _secretariat_or_leader()
    issue = reports.latest_issue(parse_period(period))
    if issue is None or issue.content is None:
        raise NotFound(_("该期间尚未印发工作简报。"))
    return docx_response(issue.content, *_names(issue))


@bp.route("/bulletins/<period>", methods=["POST"])
@bp.refusals(403, 422)
@bp.doc(responses={201: {"description": "the new issue, 工作简报 as a Word document", **DOCX_RESPONSE}})
def issue_bulletin(period):
    """工作简报: issue a new number (第N期 of this year) on a period (secretariat)"""
    if current_user.role is not Role.SECRETARIAT:
        raise PermissionDenied(_("只有秘书处可以印发工作简报。"))
    issue, _doc = reports.issue_bulletin(parse_period(period), actor=current_user, office=office_name(),
                                         today=today_shanghai())
    db.session.commit()
    response = docx_response(issue.content, *_names(issue))
    response.status_code = 201
    return response


def _secretariat_or_leader():
    if current_user.role not in (Role.SECRETARIAT, Role.LEADER):
        raise PermissionDenied(_("工作简报只提供给秘书处和市委领导。"))


def _names(issue):
    return f"工作简报-{issue.year}年第{issue.issue_no}期.docx", f"bulletin-{issue.year}-{issue.issue_no}.docx"
