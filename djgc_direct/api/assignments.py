"""The handling units' side of a case (acknowledge, progress, extension, reply) and the
secretariat's decision on extension requests."""
from flask_login import current_user

from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.presenters import committed
from djgc_direct.api.schemas import (
    CaseSchema, ExtensionRequestSchema, NoteSchema, ProgressRequestSchema, ReplyRequestSchema, RequiredNoteSchema,
)
from djgc_direct.cases import services

bp = ApiBlueprint("api_assignments", __name__, url_prefix=f"{API_PREFIX}/assignments",
                  description="A handling unit's part in a case (its assignment ids are in the case's `assignments`).")
extensions_bp = ApiBlueprint("api_extensions", __name__, url_prefix=f"{API_PREFIX}/extensions",
                             description="The secretariat's decision on a unit's request for more time.")


@bp.route("/<int:assignment_id>/acknowledge", methods=["POST"])
@bp.response(200, CaseSchema)
@bp.refusals(404, 409)
def acknowledge(assignment_id):
    """签收: the unit confirms receipt; the lead unit's receipt puts the case in progress"""
    assignment = services.get_assignment(current_user, assignment_id)
    services.acknowledge(assignment, current_user)
    return committed(assignment.case)


@bp.route("/<int:assignment_id>/progress", methods=["POST"])
@bp.arguments(ProgressRequestSchema)
@bp.response(201, CaseSchema)
@bp.refusals(404, 409)
def report_progress(args, assignment_id):
    """办理进展: an interim report"""
    assignment = services.get_assignment(current_user, assignment_id)
    services.report_progress(assignment, current_user, args["text"])
    return committed(assignment.case)


@bp.route("/<int:assignment_id>/extension", methods=["POST"])
@bp.arguments(ExtensionRequestSchema)
@bp.response(201, CaseSchema)
@bp.refusals(404, 409)
def request_extension(args, assignment_id):
    """申请延期: ask for a later deadline, before the current one passes"""
    assignment = services.get_assignment(current_user, assignment_id)
    services.request_extension(assignment, current_user, args["due_date"], args["reason"])
    return committed(assignment.case)


@bp.route("/<int:assignment_id>/reply", methods=["POST"])
@bp.arguments(ReplyRequestSchema)
@bp.response(201, CaseSchema)
@bp.refusals(404, 409)
def submit_reply(args, assignment_id):
    """答复: the lead unit's result, reviewed by the secretariat before the representative sees it"""
    assignment = services.get_assignment(current_user, assignment_id)
    services.submit_reply(assignment, current_user, **args)
    return committed(assignment.case)


@extensions_bp.route("/<int:extension_id>/approve", methods=["POST"])
@extensions_bp.arguments(NoteSchema, required=False)
@extensions_bp.response(200, CaseSchema)
@extensions_bp.refusals(404, 409)
def approve_extension(args, extension_id):
    """Approve an extension: the assignment's deadline moves (secretariat)"""
    extension = services.get_extension(current_user, extension_id)
    services.decide_extension(extension, current_user, True, args.get("note"))
    return committed(extension.assignment.case)


@extensions_bp.route("/<int:extension_id>/refuse", methods=["POST"])
@extensions_bp.arguments(RequiredNoteSchema)
@extensions_bp.response(200, CaseSchema)
@extensions_bp.refusals(404, 409)
def refuse_extension(args, extension_id):
    """Refuse an extension, with a note (secretariat)"""
    extension = services.get_extension(current_user, extension_id)
    services.decide_extension(extension, current_user, False, args["note"])
    return committed(extension.assignment.case)
