"""Downloads of the documents the secretariat prints. Each view loads what the user may see,
builds the document, records its generation and commits once, then sends the file."""
import re
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.cases import services
from djgc_direct.core.access import roles_required
from djgc_direct.core.clock import today_shanghai
from djgc_direct.core.errors import DomainError, ValidationError
from djgc_direct.documents import builders, reports
from djgc_direct.documents.forms import PackForm
from djgc_direct.documents.gbt9704 import document_bytes
from djgc_direct.extensions import db
from djgc_direct.metrics.periods import parse_period

bp = Blueprint("documents", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters file systems refuse in a name (a unit's name may hold any of them).
_UNSAFE_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


@bp.route("/cases/<int:case_id>/slip.docx")
# The slip shows internal annotations: it goes to leaders, never to representatives or units.
@roles_required(Role.SECRETARIAT, Role.LEADER)
def case_slip(case_id):
    case = _or_abort(services.get_case, current_user, case_id)
    doc = builders.slip_document(case, office=office_name())
    name, fallback = f"呈阅单-{case.number or case.id}.docx", f"review-slip-{case.id}.docx"
    builders.record_generation(builders.REVIEW_SLIP, current_user, [case.id], {"case_id": case.id})
    db.session.commit()
    return docx_response(doc, name, fallback)


@bp.route("/documents/pack", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def pack():
    if request.method == "GET":
        form = PackForm(request.args, meta={"csrf": False})
        form.validate()
        return _pack_page(form)

    form = PackForm()
    if form.validate_on_submit():
        if not form.case_ids.data:
            form.case_ids.errors = [_("请至少勾选一件来信。")]
        else:
            today = today_shanghai()
            try:
                cases = builders.select_cases(**form.criteria(), case_ids=form.case_ids.data)
                doc = builders.pack_document(cases, office=office_name(), today=today)
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                builders.record_generation(builders.BRIEFING_PACK, current_user, [case.id for case in cases],
                                           builders.selection_record(**form.criteria(), case_ids=form.case_ids.data))
                db.session.commit()
                return docx_response(doc, f"会议材料-{today.isoformat()}.docx", f"briefing-pack-{today.isoformat()}.docx")
    return _pack_page(form), 422


@bp.route("/assignments/<int:assignment_id>/supervision-notice.docx")
@roles_required(Role.SECRETARIAT)
def supervision_notice(assignment_id):
    assignment = _or_abort(services.get_assignment, current_user, assignment_id)
    days = _or_abort(builders.parse_new_limit, request.args.get("days"))
    doc = _or_abort(builders.notice_document, assignment, office=office_name(), today=today_shanghai(),
                    new_limit_days=days)
    case = assignment.case
    name = _UNSAFE_IN_FILE_NAME.sub("_", f"督办通知-{assignment.unit.name}-{case.number}.docx")
    builders.record_generation(builders.SUPERVISION_NOTICE, current_user, [case.id], {
        "assignment_id": assignment.id, "unit_id": assignment.unit_id, "days": days})
    db.session.commit()
    return docx_response(doc, name, f"supervision-notice-{assignment.id}.docx")


@bp.route("/documents/bulletin")
@roles_required(Role.SECRETARIAT)
def bulletin():
    """The period's figures, typical cases and overdue items, with the two downloads."""
    code = request.args.get("period", "")
    try:
        period = parse_period(code)
    except ValidationError as exc:
        return render_template("documents/bulletin.html", code=code, error=exc.message, content=None), 422
    content = reports.bulletin_content(period, today_shanghai())
    return render_template("documents/bulletin.html", code=period.code, error=None, content=content)


@bp.route("/documents/bulletin", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def bulletin_download():
    period = _or_abort(parse_period, request.form.get("period", ""))
    issue, doc = reports.issue_bulletin(period, actor=current_user, office=office_name(), today=today_shanghai())
    db.session.commit()
    return docx_response(doc, f"工作简报-{issue.year}年第{issue.issue_no}期.docx",
                         f"bulletin-{issue.year}-{issue.issue_no}.docx")


@bp.route("/documents/assessment-report", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def assessment_report():
    period = _or_abort(parse_period, request.form.get("period", ""))
    doc = reports.assessment_document(period, reports.report_ranking(period), actor=current_user,
                                      office=office_name(), today=today_shanghai())
    db.session.commit()
    return docx_response(doc, f"考核结果通报-{period.code}.docx", f"assessment-report-{period.code}.docx")


def _pack_page(form):
    """The selection form and, for a valid selection, its figures and its cases to tick."""
    cases = figures = None
    if not any(field.errors for field in (form.status, form.date_from, form.date_to)):
        try:
            cases = builders.select_cases(**form.criteria())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            figures = builders.pack_figures(cases, today_shanghai())
    chosen = set(form.case_ids.data or []) if request.method == "POST" else {case.id for case in cases or []}
    return render_template("documents/pack.html", form=form, cases=cases, figures=figures, chosen=chosen)


def _form_error(form, exc):
    """Show `exc` at its field, or with the list of cases when it concerns the whole selection."""
    field = getattr(form, exc.field) if exc.field else form.case_ids
    if exc.message not in field.errors:
        field.errors = [*field.errors, exc.message]


def _or_abort(function, *args, **kwargs):
    """Call a service; its domain error becomes the HTTP error page (NotFound → 404 …)."""
    try:
        return function(*args, **kwargs)
    except DomainError as exc:
        abort(exc.http_status, description=exc.message)


def office_name():
    return current_app.config["DOCUMENT_OFFICE_NAME"]


def docx_response(doc, name, ascii_name):
    """The .docx (a Document, or its bytes) as a download named `name` (RFC 5987 `filename*`),
    `ascii_name` for old clients."""
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    content = doc if isinstance(doc, bytes) else document_bytes(doc)
    return Response(content, mimetype=DOCX, headers={"Content-Disposition": disposition})
