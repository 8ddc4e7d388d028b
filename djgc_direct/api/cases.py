"""Cases: writing, reading, and each step of the workflow. Every view loads the case the caller
may see, calls one service function and commits; the services hold every rule."""
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.presenters import CaseView, committed
from djgc_direct.api.schemas import (
    AnnotationRequestSchema, AssignSchema, CasePageSchema, CaseQuerySchema, CaseSchema, CommentSchema,
    DelegateSchema, FeedbackRequestSchema, ForwardSchema, LinkSchema, MergeSchema, NewLetterSchema, ReasonSchema,
)
from djgc_direct.accounts.models import Role
from djgc_direct.cases import services
from djgc_direct.cases.models import Case
from djgc_direct.core.errors import PermissionDenied
from djgc_direct.documents import builders
from djgc_direct.documents.views import DOCX, docx_response, office_name
from djgc_direct.extensions import db

bp = ApiBlueprint("api_cases", __name__, url_prefix=f"{API_PREFIX}/cases",
                  description="Letters (来信) and every step of their handling.")


@bp.route("", methods=["POST"])
@bp.arguments(NewLetterSchema)
@bp.response(201, CaseSchema)
@bp.refusals(403)
def create_case(letter):
    """Write a letter (representatives)

    Saved as a draft, or submitted at once with `submit: true`. Letters written through the API
    carry no attachments: files are uploaded with the web form.
    """
    return committed(services.create_letter(current_user, **letter))


@bp.route("", methods=["GET"])
@bp.arguments(CaseQuerySchema, location="query")
@bp.response(200, CasePageSchema)
@bp.refusals()
def list_cases(query):
    """The cases the caller may see, newest first"""
    stmt = (sa.select(Case).where(services.visible_cases_filter(current_user))
            .options(selectinload(Case.representative)).order_by(Case.id.desc()))
    if "status" in query:
        stmt = stmt.where(Case.status == query["status"])
    page = db.paginate(stmt, page=query["page"], per_page=query["per_page"], error_out=False)
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}


@bp.route("/<int:case_id>")
@bp.response(200, CaseSchema)
@bp.refusals(404)
def get_case(case_id):
    """One case, with its leaders, annotations, assignments, reply, feedback and timeline"""
    return CaseView(services.get_case(current_user, case_id), current_user)


@bp.route("/<int:case_id>/submit", methods=["POST"])
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def submit(case_id):
    """Submit a draft or a returned letter (its representative)"""
    case = services.get_case(current_user, case_id)
    services.submit_letter(case, current_user)
    return committed(case)


@bp.route("/<int:case_id>/withdraw", methods=["POST"])
@bp.arguments(CommentSchema, required=False)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def withdraw(args, case_id):
    """Withdraw a letter before it is registered (its representative)"""
    case = services.get_case(current_user, case_id)
    services.withdraw(case, current_user, args.get("comment"))
    return committed(case)


@bp.route("/<int:case_id>/register", methods=["POST"])
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def register(case_id):
    """登记: accept and number the letter (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.register(case, current_user)
    return committed(case)


@bp.route("/<int:case_id>/return", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def return_to_representative(args, case_id):
    """退回补充: send the letter back for more facts (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.return_to_representative(case, current_user, args["reason"])
    return committed(case)


@bp.route("/<int:case_id>/reject", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def reject(args, case_id):
    """不予受理: refuse the letter, with a reason (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.reject(case, current_user, args["reason"])
    return committed(case)


@bp.route("/<int:case_id>/forward", methods=["POST"])
@bp.arguments(ForwardSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def forward(args, case_id):
    """呈阅: send the case to leaders (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.forward(case, current_user, args["leader_ids"], args.get("comment"))
    return committed(case)


@bp.route("/<int:case_id>/annotations", methods=["POST"])
@bp.arguments(AnnotationRequestSchema)
@bp.response(201, CaseSchema)
@bp.refusals(403, 404, 409)
def annotate(args, case_id):
    """批示: a leader annotates, or the secretariat transcribes a paper annotation (`leader_id`)

    With `unit_ids` and `lead_unit_id` the case is assigned at the same time.
    """
    case = services.get_case(current_user, case_id)
    services.annotate(case, current_user, **args)
    return committed(case)


@bp.route("/<int:case_id>/delegate", methods=["POST"])
@bp.arguments(DelegateSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def delegate(args, case_id):
    """转批: pass the case on to another leader (a leader it was forwarded to)"""
    case = services.get_case(current_user, case_id)
    services.delegate(case, current_user, args["to_leader_id"], args.get("comment"))
    return committed(case)


@bp.route("/<int:case_id>/assignments", methods=["POST"])
@bp.arguments(AssignSchema)
@bp.response(201, CaseSchema)
@bp.refusals(403, 404, 409)
def assign(args, case_id):
    """交办: hand the case to a lead unit and any support units (leader or secretariat)"""
    case = services.get_case(current_user, case_id)
    services.assign(case, current_user, **args)
    return committed(case)


@bp.route("/<int:case_id>/reply/approve", methods=["POST"])
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def approve_reply(case_id):
    """Approve the lead unit's reply; the representative then sees it (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.approve_reply(case, current_user)
    return committed(case)


@bp.route("/<int:case_id>/reply/send-back", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def send_back_reply(args, case_id):
    """Send the reply back to the lead unit, with a reason (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.send_back_reply(case, current_user, args["reason"])
    return committed(case)


@bp.route("/<int:case_id>/feedback", methods=["POST"])
@bp.arguments(FeedbackRequestSchema)
@bp.response(201, CaseSchema)
@bp.refusals(403, 404, 409)
def give_feedback(args, case_id):
    """Rate the approved reply; the case closes (its representative)"""
    case = services.get_case(current_user, case_id)
    services.give_feedback(case, current_user, args["rating"], args.get("comment"))
    return committed(case)


@bp.route("/<int:case_id>/reopen", methods=["POST"])
@bp.arguments(ReasonSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def reopen(args, case_id):
    """重办: reopen a closed case (the dissatisfied representative, or the secretariat)"""
    case = services.get_case(current_user, case_id)
    services.reopen(case, current_user, args["reason"])
    return committed(case)


@bp.route("/<int:case_id>/merge", methods=["POST"])
@bp.arguments(MergeSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def merge(args, case_id):
    """并案: fold this letter into another case (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.merge(case, current_user, args["into_case_id"])
    return committed(case)


@bp.route("/<int:case_id>/links", methods=["POST"])
@bp.arguments(LinkSchema)
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def link(args, case_id):
    """关联: link this case to a related one; both are handled on their own (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.link(case, current_user, args["linked_case_id"])
    return committed(case)


@bp.route("/<int:case_id>/links/<int:linked_case_id>", methods=["DELETE"])
@bp.response(200, CaseSchema)
@bp.refusals(403, 404, 409)
def unlink(case_id, linked_case_id):
    """Undo a 关联 (secretariat)"""
    case = services.get_case(current_user, case_id)
    services.unlink(case, current_user, linked_case_id)
    return committed(case)


@bp.route("/<int:case_id>/slip.docx")
@bp.refusals(403, 404)
@bp.doc(responses={200: {"description": "呈阅单 as a Word document",
                         "content": {DOCX: {"schema": {"type": "string", "format": "binary"}}}}})
def case_slip(case_id):
    """呈阅单: the case's review slip as .docx (secretariat, and leaders it was forwarded to)

    The slip carries internal annotations, so it is never for representatives or units.
    """
    if current_user.role not in (Role.SECRETARIAT, Role.LEADER):
        raise PermissionDenied(_("呈阅单只提供给秘书处和市委领导。"))
    case = services.get_case(current_user, case_id)
    doc = builders.slip_document(case, office=office_name())
    builders.record_generation(builders.REVIEW_SLIP, current_user, [case.id], {"case_id": case.id, "via": "api"})
    db.session.commit()
    return docx_response(doc, f"呈阅单-{case.number or case.id}.docx", f"review-slip-{case.id}.docx")
