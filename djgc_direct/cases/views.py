"""Case pages for every role. Views only load what the user may see, call one service, commit
once and show the result; which action is possible when is asked of the state machine."""
import functools

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, load_only, selectinload
from sqlalchemy.orm.exc import StaleDataError

from djgc_direct.accounts.models import Role, User
from djgc_direct.accounts.services import leaders as active_leaders
from djgc_direct.cases import attachments, services, workflow
from djgc_direct.cases.forms import (
    AnnotateForm, AssignForm, CommentForm, DelegateForm, ExtensionDecisionForm, ExtensionForm, FeedbackForm,
    FilterForm, ForwardForm, LetterForm, LinkForm, MergeForm, ProgressForm, ReasonForm, ReplyForm,
)
from djgc_direct.cases.models import (
    Annotation, Assignment, Attachment, Case, CaseStatus, ExtensionStatus, ReplyStatus,
)
from djgc_direct.cases.timeline import timeline
from djgc_direct.cases.workflow import Action
from djgc_direct.core.access import roles_required
from djgc_direct.core.clock import SHANGHAI, today_shanghai
from djgc_direct.core.errors import DomainError, NotFound, PermissionDenied
from djgc_direct.core.pagination import paginate
from djgc_direct.deadlines.calendar import WorkdayCalendar
from djgc_direct.deadlines.stages import due_soon_until, open_deadlines, open_deadlines_of
from djgc_direct.extensions import db
from djgc_direct.organisations.services import handling_unit_choices
from djgc_direct.search.services import matching_case_ids, terms_of
from djgc_direct.search.similar import similar_cases, similar_matter_in_hand

bp = Blueprint("cases", __name__)

PER_PAGE = 30
CASE_ROLES = (Role.REPRESENTATIVE, Role.SECRETARIAT, Role.LEADER, Role.UNIT_STAFF)

# Each action form on the case page: (form class, prefix). Prefixes keep field ids unique.
ACTION_FORMS = {
    Action.SUBMIT: (CommentForm, "submit"),
    Action.WITHDRAW: (CommentForm, "withdraw"),
    Action.REGISTER: (CommentForm, "register"),
    Action.RETURN: (ReasonForm, "return"),
    Action.REJECT: (ReasonForm, "reject"),
    Action.FORWARD: (ForwardForm, "forward"),
    Action.DELEGATE: (DelegateForm, "delegate"),
    Action.ANNOTATE: (AnnotateForm, "annotate"),
    Action.ASSIGN: (AssignForm, "assign"),
    Action.MERGE: (MergeForm, "merge"),
    Action.LINK: (LinkForm, "link"),
    Action.UNLINK: (LinkForm, "unlink"),
    Action.APPROVE_REPLY: (CommentForm, "approve"),
    Action.SEND_BACK_REPLY: (ReasonForm, "sendback"),
    Action.FEEDBACK: (FeedbackForm, "feedback"),
    Action.REOPEN: (ReasonForm, "reopen"),
}
# Each action's card on the case page: heading and button (translated only for the cards shown).
ACTION_CARDS = {
    Action.SUBMIT: (_l("提交来信"), _l("提交")), Action.WITHDRAW: (_l("撤回来信"), _l("撤回来信")),
    Action.REGISTER: (_l("登记编号"), _l("登记")), Action.RETURN: (_l("退回党代表补充"), _l("退回补充")),
    Action.REJECT: (_l("不予受理"), _l("不予受理")), Action.FORWARD: (_l("呈阅"), _l("呈送领导阅示")),
    Action.DELEGATE: (_l("转批其他领导"), _l("转批")), Action.ANNOTATE: (_l("代录纸质批示"), _l("保存批示")),
    Action.ASSIGN: (_l("交办承办单位"), _l("交办")), Action.MERGE: (_l("并案"), _l("并案")),
    Action.LINK: (_l("关联其他来信"), _l("关联")), Action.APPROVE_REPLY: (_l("审核答复"), _l("审核通过答复")),
    Action.SEND_BACK_REPLY: (_l("退回答复"), _l("退回答复")), Action.FEEDBACK: (_l("评价办理结果"), _l("提交评价")),
    Action.REOPEN: (_l("申请重办"), _l("申请重办")),
}
ASSIGNMENT_FORMS = {
    Action.ACKNOWLEDGE: (CommentForm, "ack"),
    Action.PROGRESS: (ProgressForm, "progress"),
    Action.REQUEST_EXTENSION: (ExtensionForm, "extension"),
    Action.REPLY: (ReplyForm, "reply"),
}


# ---- lists ------------------------------------------------------------------------------------

# What a list row shows, and nothing else: a letter may run to 50,000 characters, and whole User
# rows are not needed for a name. The representative comes joined into the page's own query; the
# deadline badges' leaders and assignments come from stages.open_deadlines_of.
LIST_LOADS = (
    load_only(Case.id, Case.number, Case.title, Case.status, Case.submitted_at, Case.register_due,
              Case.feedback_due, Case.reopen_count, Case.representative_id),
    joinedload(Case.representative, innerjoin=True).load_only(User.name),
)


def _waiting_workdays(cases):
    """How many working days each letter has waited since it was (re)submitted."""
    today = today_shanghai()
    days = {case.id: case.submitted_at.astimezone(SHANGHAI).date() for case in cases if case.submitted_at}
    if not days:
        return {}
    calendar = WorkdayCalendar(min(days.values()), today)
    return {case_id: calendar.workdays_between(day, today) for case_id, day in days.items()}


def _list_page(stmt, title, template="cases/list.html", show_waiting=False, **context):
    form = FilterForm(request.args)
    form.status.choices = [("", _("全部状态"))] + CaseStatus.choices()
    if form.status.data in CaseStatus._value2member_map_:
        stmt = stmt.where(Case.status == CaseStatus(form.status.data))
    terms, more = terms_of(form.q.data), False
    if terms:  # the newest matches, found as the search page finds them (search.services)
        ids, more = matching_case_ids(current_user, terms, [stmt.whereclause])
        stmt = stmt.where(Case.id.in_(ids))
    page = paginate(stmt, PER_PAGE, options=LIST_LOADS)
    soon_until = due_soon_until()
    deadlines = open_deadlines_of(page.items, soon_until)
    waiting = _waiting_workdays(page.items) if show_waiting else None
    return render_template(template, page=page, title=title, form=form, deadlines=deadlines, waiting=waiting,
                           more=more, **context)


@bp.route("/cases/")
@roles_required(*CASE_ROLES)
def index():
    titles = {Role.REPRESENTATIVE: _("我的来信"), Role.SECRETARIAT: _("全部来信"),
              Role.LEADER: _("呈阅给我的来信"), Role.UNIT_STAFF: _("本单位承办的来信")}
    stmt = services.visible_cases(current_user).order_by(Case.id.desc())
    return _list_page(stmt, titles[current_user.role])


@bp.route("/cases/inbox")
@roles_required(Role.SECRETARIAT)
def inbox():
    """New letters waiting to be registered, oldest first."""
    stmt = (services.visible_cases(current_user).where(Case.status == CaseStatus.SUBMITTED)
            .order_by(Case.submitted_at))
    return _list_page(stmt, _("待登记来信"), show_waiting=True)


@bp.route("/cases/to-annotate")
@roles_required(Role.LEADER)
def to_annotate():
    """Cases forwarded to the leader on which they have not written an annotation yet."""
    mine = sa.select(Annotation.case_id).where(Annotation.leader_id == current_user.id)
    stmt = (services.visible_cases(current_user)
            .where(Case.status.in_([CaseStatus.FORWARDED, CaseStatus.ANNOTATED]), Case.id.not_in(mine))
            .order_by(Case.forwarded_at))
    return _list_page(stmt, _("待批示"))


@bp.route("/cases/annotated")
@roles_required(Role.LEADER)
def annotated_by_me():
    mine = sa.select(Annotation.case_id).where(Annotation.leader_id == current_user.id)
    stmt = services.visible_cases(current_user).where(Case.id.in_(mine)).order_by(Case.id.desc())
    return _list_page(stmt, _("我批示的来信"))


# ---- writing ----------------------------------------------------------------------------------

def _leader_choices(form_field):
    form_field.choices = [(leader.id, f"{leader.name}({leader.title})") for leader in active_leaders()]


def _uploads(field_name):
    files = [f for f in request.files.getlist(field_name) if f and f.filename]
    return [attachments.read_upload(f) for f in files]


def _field_error(form, exc):
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(exc.message)
    else:
        flash(exc.message, "error")


def _letter_values(form):
    return {"title": form.title.data, "content": form.content.data, "leader_ids": form.leader_ids.data,
            "category": form.category.data, "on_behalf_of": form.on_behalf_of.data}


@bp.route("/cases/new", methods=["GET", "POST"])
@roles_required(Role.REPRESENTATIVE)
def new_letter():
    form = LetterForm()
    _leader_choices(form.leader_ids)
    if form.validate_on_submit():
        submit = form.save_draft.data != "1"
        try:
            case = services.create_letter(current_user, submit=submit, files=_uploads(form.attachments.name),
                                          **_letter_values(form))
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(_("来信已提交,秘书处将尽快登记并呈送。") if submit else _("草稿已保存。"), "success")
            return redirect(url_for(".show", case_id=case.id))
    return render_template("cases/letter_form.html", form=form, case=None), 422 if form.errors else 200


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@roles_required(Role.REPRESENTATIVE)
def edit_letter(case_id):
    case = _visible_case(case_id)
    if not workflow.can(case, Action.EDIT, current_user) or case.representative_id != current_user.id:
        flash(_("当前状态为“%(status)s”,不能修改。", status=case.status.label), "error")
        return redirect(url_for(".show", case_id=case.id))
    form = LetterForm(obj=case)
    _leader_choices(form.leader_ids)
    if request.method == "GET":
        form.category.data, form.on_behalf_of.data = case.category.value, case.on_behalf_of.value
        form.leader_ids.data = [link.leader_id for link in case.leaders if link.addressed]
    if form.validate_on_submit():
        try:
            services.update_letter(case, current_user, files=_uploads(form.attachments.name), **_letter_values(form))
            if form.save_draft.data != "1":
                services.submit_letter(case, current_user)
        except DomainError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            db.session.commit()
            flash(_("来信已重新提交。") if case.status is CaseStatus.SUBMITTED else _("已保存。"), "success")
            return redirect(url_for(".show", case_id=case.id))
    return render_template("cases/letter_form.html", form=form, case=case), 422 if form.errors else 200


# ---- the case page ----------------------------------------------------------------------------

def _visible_case(case_id, get=services.get_case):
    try:
        return get(current_user, case_id)
    except NotFound:
        abort(404)


def _fill_choices(form, case, unit_choices=handling_unit_choices):
    if isinstance(form, ForwardForm):
        _leader_choices(form.leader_ids)
        if not form.is_submitted():
            already = {link.leader_id for link in case.leaders if link.forwarded_at}
            form.leader_ids.data = [link.leader_id for link in case.leaders
                                    if link.addressed and link.leader_id not in already]
    if isinstance(form, DelegateForm):
        forwarded = {link.leader_id for link in case.leaders if link.forwarded_at}
        form.to_leader_id.choices = [(leader.id, f"{leader.name}({leader.title})")
                                     for leader in active_leaders() if leader.id not in forwarded]
    if isinstance(form, (AnnotateForm, AssignForm)):
        units = unit_choices()
        form.unit_ids.choices = units
        form.lead_unit_id.choices = [(0, _("(请选择)"))] + units
    if isinstance(form, AnnotateForm):
        form.leader_id.choices = [(link.leader_id, link.leader.name) for link in case.leaders if link.forwarded_at]


def _action_forms(case, bound=None):
    """A form for every case-level action the state machine lets this user take now."""
    forms = {}
    unit_choices = functools.cache(handling_unit_choices)  # read once: annotating and assigning list them
    for action, (form_class, prefix) in ACTION_FORMS.items():
        if not services.action_available(case, action, current_user):
            continue
        form = bound[1] if bound and bound[0] is action else form_class(prefix=prefix, formdata=None)
        _fill_choices(form, case, unit_choices)
        forms[action.value] = form
    return forms


def _action_cards(forms):
    """(action, heading, button, form) of each action card; a leader annotates in their own name."""
    cards = []
    for action, form in forms.items():
        heading, button = ACTION_CARDS[Action(action)]
        if action == Action.ANNOTATE.value and current_user.role is Role.LEADER:
            heading = _("批示")
        cards.append((action, heading, button, form))
    return cards


def _my_assignments(case):
    if current_user.role is not Role.UNIT_STAFF:
        return []
    return [a for a in services.current_assignments(case) if a.unit_id == current_user.organisation_id]


def _assignment_forms(case, bound=None):
    forms = {}
    for assignment in _my_assignments(case):
        forms[assignment.id] = {}
        for action, (form_class, prefix) in ASSIGNMENT_FORMS.items():
            if not workflow.can(case, action, current_user):
                continue
            if action is Action.ACKNOWLEDGE and assignment.status.value != "assigned":
                continue
            if action is Action.REPLY and not (assignment.is_lead and assignment.status.value == "acknowledged"):
                continue
            key = (assignment.id, action)
            forms[assignment.id][action.value] = (bound[1] if bound and bound[0] == key
                                                  else form_class(prefix=f"{prefix}{assignment.id}", formdata=None))
    return forms


def _render_case(case, status=200, bound=None, bound_assignment=None):
    pending_extensions = []
    if current_user.role is Role.SECRETARIAT and workflow.can(case, Action.DECIDE_EXTENSION, current_user):
        pending_extensions = [(ext, ExtensionDecisionForm(prefix=f"ext{ext.id}", formdata=None))
                              for a in services.current_assignments(case) for ext in a.extension_requests
                              if ext.status is ExtensionStatus.PENDING]
    replies = services.visible_replies(case, current_user)
    letter_files = [a for a in case.attachments if a.reply_id is None]
    forms = _action_forms(case, bound)
    unlink_form = forms.pop(Action.UNLINK.value, None)  # a button beside each linked case, not a card
    similar, similar_in_hand = [], False
    if current_user.role is Role.SECRETARIAT and case.status is not CaseStatus.MERGED:
        similar = similar_cases(case, current_user)
    elif (current_user.role is Role.REPRESENTATIVE and case.representative_id == current_user.id
          and case.status in (CaseStatus.SUBMITTED, CaseStatus.REGISTERED)):
        similar_in_hand = similar_matter_in_hand(case)
    linked = services.linked_cases(case, current_user)
    return render_template(
        "cases/show.html", case=case, timeline=timeline(case, current_user),
        annotations=services.visible_annotations(case, current_user),
        assignments=services.visible_assignments(case, current_user),
        current_assignments=services.current_assignments(case),
        replies=replies, letter_files=letter_files,
        cards=_action_cards(forms), assignment_forms=_assignment_forms(case, bound_assignment),
        similar=similar, similar_in_hand=similar_in_hand, merge_form=forms.get(Action.MERGE.value),
        linked=linked, link_form=forms.get(Action.LINK.value), unlink_form=unlink_form,
        linked_ids={other.id for other in linked},
        merge_targets={s.case.id for s in similar if services.is_merge_target(s.case)},
        pending_extensions=pending_extensions, deadlines=open_deadlines(case, due_soon_until()),
        can_edit=workflow.can(case, Action.EDIT, current_user)
        and case.representative_id == current_user.id,
    ), status


@bp.route("/cases/<int:case_id>")
@roles_required(*CASE_ROLES)
def show(case_id):
    return _render_case(_visible_case(case_id, services.get_case_in_full))


def _perform(case_id, action, call, success):
    """Run one case-level action from its form; on refusal show the page again with the reason."""
    case = _visible_case(case_id)
    try:  # the role and the state first: a form nobody may send is not validated
        workflow.check(case, action, current_user)
    except PermissionDenied:
        abort(403)
    except DomainError as exc:
        flash(exc.message, "error")
        return _render_case(case, exc.http_status)
    form_class, prefix = ACTION_FORMS[action]
    form = form_class(prefix=prefix)
    _fill_choices(form, case)
    if not form.validate_on_submit():
        db.session.rollback()
        return _render_case(case, 422, bound=(action, form))
    refused = _commit(lambda: call(case, form), form, case_id, lambda status: _render_case(
        _visible_case(case_id), status, bound=(action, form)))
    if refused:
        return refused
    flash(success, "success")
    return redirect(url_for(".show", case_id=case_id))


def _commit(run, form, case_id, show_again):
    """Run one action and commit it. Returns None when it went through, else the response for its
    refusal: 403/404 pages, the case page after a concurrent change, or `show_again(status)` with
    the reason at its form field."""
    try:
        run()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("该来信刚被他人处理,请查看最新状态后再操作。"), "error")
        return redirect(url_for(".show", case_id=case_id))
    except (PermissionDenied, NotFound) as exc:
        db.session.rollback()
        abort(exc.http_status)
    except DomainError as exc:
        db.session.rollback()
        _field_error(form, exc)
        return show_again(exc.http_status)
    return None


def _case_action(path, action, success, call):
    def view(case_id):
        return _perform(case_id, action, call, success)

    view.__name__ = action.value
    bp.add_url_rule(f"/cases/<int:case_id>/{path}", action.value,
                    roles_required(*CASE_ROLES)(view), methods=["POST"])


def _due(form):
    return form.due_date.data.isoformat() if form.due_date.data else None


_case_action("submit", Action.SUBMIT, _("来信已提交。"),
             lambda case, form: services.submit_letter(case, current_user))
_case_action("withdraw", Action.WITHDRAW, _("来信已撤回。"),
             lambda case, form: services.withdraw(case, current_user, form.comment.data))
_case_action("register", Action.REGISTER, _("已登记。"),
             lambda case, form: services.register(case, current_user))
_case_action("return", Action.RETURN, _("已退回党代表补充。"),
             lambda case, form: services.return_to_representative(case, current_user, form.reason.data))
_case_action("reject", Action.REJECT, _("已不予受理。"),
             lambda case, form: services.reject(case, current_user, form.reason.data))
_case_action("forward", Action.FORWARD, _("已呈送市委领导阅示。"),
             lambda case, form: services.forward(case, current_user, form.leader_ids.data, form.comment.data))
_case_action("delegate", Action.DELEGATE, _("已转批。"),
             lambda case, form: services.delegate(case, current_user, form.to_leader_id.data, form.comment.data))
_case_action("annotate", Action.ANNOTATE, _("批示已保存。"),
             lambda case, form: services.annotate(
                 case, current_user, text=form.text.data, internal=form.internal.data,
                 leader_id=form.leader_id.data, unit_ids=form.unit_ids.data,
                 lead_unit_id=form.lead_unit_id.data or None, due_date=_due(form)))
_case_action("assign", Action.ASSIGN, _("已交办。"),
             lambda case, form: services.assign(case, current_user, unit_ids=form.unit_ids.data,
                                                lead_unit_id=form.lead_unit_id.data or None, due_date=_due(form)))
_case_action("merge", Action.MERGE, _("已并案。"),
             lambda case, form: services.merge(case, current_user, form.into_case_id.data))
_case_action("link", Action.LINK, _("已关联。"),
             lambda case, form: services.link(case, current_user, form.linked_case_id.data))
_case_action("unlink", Action.UNLINK, _("已取消关联。"),
             lambda case, form: services.unlink(case, current_user, form.linked_case_id.data))
_case_action("reply/approve", Action.APPROVE_REPLY, _("答复已审核通过,党代表可以查看。"),
             lambda case, form: services.approve_reply(case, current_user))
_case_action("reply/send-back", Action.SEND_BACK_REPLY, _("答复已退回承办单位。"),
             lambda case, form: services.send_back_reply(case, current_user, form.reason.data))
_case_action("feedback", Action.FEEDBACK, _("感谢您的评价。"),
             lambda case, form: services.give_feedback(case, current_user, form.rating.data, form.comment.data))
_case_action("reopen", Action.REOPEN, _("已申请重办。"),
             lambda case, form: services.reopen(case, current_user, form.reason.data))


# ---- handling units ---------------------------------------------------------------------------

def _assignment_action(path, action, success, call):
    def view(assignment_id):
        try:
            assignment = services.get_assignment(current_user, assignment_id)
        except NotFound:
            abort(404)
        case = assignment.case
        form_class, prefix = ASSIGNMENT_FORMS[action]
        form = form_class(prefix=f"{prefix}{assignment.id}")
        if not form.validate_on_submit():
            db.session.rollback()
            return _render_case(case, 422, bound_assignment=((assignment.id, action), form))
        case_id = case.id
        refused = _commit(lambda: call(assignment, form), form, case_id, lambda status: _render_case(
            services.get_assignment(current_user, assignment_id).case, status,
            bound_assignment=((assignment_id, action), form)))
        if refused:
            return refused
        flash(success, "success")
        return redirect(url_for(".show", case_id=case_id))

    view.__name__ = f"assignment_{action.value}"
    bp.add_url_rule(f"/assignments/<int:assignment_id>/{path}", view.__name__,
                    roles_required(Role.UNIT_STAFF)(view), methods=["POST"])


_assignment_action("acknowledge", Action.ACKNOWLEDGE, _("已签收。"),
                   lambda a, form: services.acknowledge(a, current_user))
_assignment_action("progress", Action.PROGRESS, _("办理进展已报送。"),
                   lambda a, form: services.report_progress(a, current_user, form.text.data))
_assignment_action("extension", Action.REQUEST_EXTENSION, _("延期申请已提交,等待秘书处审批。"),
                   lambda a, form: services.request_extension(a, current_user, form.due_date.data.isoformat(),
                                                              form.reason.data))
_assignment_action("reply", Action.REPLY, _("答复已提交,等待秘书处审核。"),
                   lambda a, form: services.submit_reply(
                       a, current_user, text=form.text.data, outcome=form.outcome.data,
                       amount_yuan=form.amount_yuan.data, files=_uploads(form.attachments.name)))


@bp.route("/assignments/")
@roles_required(Role.UNIT_STAFF)
def assignments():
    """The unit's current assignments, the nearest deadline first."""
    rows = db.session.scalars(
        sa.select(Assignment).join(Case)
        .where(Assignment.unit_id == current_user.organisation_id,
               Assignment.round == Case.reopen_count + 1,
               Case.status.not_in([CaseStatus.CLOSED, CaseStatus.MERGED]))
        .options(selectinload(Assignment.case))
        .order_by(Assignment.due_date, Assignment.id)).all()
    return render_template("cases/assignments.html", assignments=rows)


@bp.route("/extensions/<int:extension_id>/<decision>", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def decide_extension(extension_id, decision):
    if decision not in ("approve", "refuse"):
        abort(404)
    try:
        extension = services.get_extension(current_user, extension_id)
    except NotFound:
        abort(404)
    form = ExtensionDecisionForm(prefix=f"ext{extension.id}")
    case_id = extension.assignment.case_id
    if form.validate_on_submit():
        try:
            services.decide_extension(extension, current_user, decision == "approve", form.note.data)
            db.session.commit()
        except (DomainError, StaleDataError) as exc:
            db.session.rollback()
            flash(getattr(exc, "message", _("该来信刚被他人处理,请查看最新状态后再操作。")), "error")
        else:
            flash(_("已同意延期。") if decision == "approve" else _("已不同意延期。"), "success")
    else:
        flash(_("请填写审批意见。"), "error")
    return redirect(url_for(".show", case_id=case_id))


# ---- attachments ------------------------------------------------------------------------------

@bp.route("/attachments/<int:attachment_id>")
@roles_required(*CASE_ROLES)
def download(attachment_id):
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        abort(404)
    _visible_case(attachment.case_id)  # 404 for a case the user may not see
    if attachment.reply is not None and current_user.role is Role.REPRESENTATIVE \
            and attachment.reply.status is not ReplyStatus.APPROVED:
        abort(404)
    return send_file(attachments.path_of(attachment), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.display_name, max_age=0)

