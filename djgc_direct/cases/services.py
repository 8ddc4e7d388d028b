"""Every action on a case. Each one checks the state machine (workflow.check), role and
ownership, validates its input, changes state, writes exactly one audit record, and flushes.
None of them commits: the request, command or job that calls it commits once.
"""
import functools
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from djgc_direct.accounts.models import Role, User
from djgc_direct.audit.services import record
from djgc_direct.cases import attachments
from djgc_direct.cases.models import (
    Annotation, Assignment, AssignmentStatus, Attachment, Case, CaseLeader, CaseLink, CaseStatus, Category, CloseReason,
    ExtensionRequest, ExtensionStatus, Feedback, OnBehalfOf, Outcome, ProgressReport, Rating, Reply,
    ReplyStatus,
)
from djgc_direct.cases.numbering import format_number, take_next_number
from djgc_direct.cases.workflow import LINKABLE_STATES, Action, can, check
from djgc_direct.core.clock import SHANGHAI, now_utc, today_shanghai
from djgc_direct.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from djgc_direct.core.text import clean_text
from djgc_direct.deadlines.calendar import add_workdays
from djgc_direct.deadlines.services import deadline_workdays
from djgc_direct.extensions import db
from djgc_direct.notifications.services import notify_case_merged
from djgc_direct.organisations.models import Organisation

TITLE_MAX = 200
CONTENT_MAX = 50_000
NOTE_MAX = 5_000
REPLY_MAX = 20_000
MAX_AMOUNT = Decimal("1e13")

# Cases that may still take in another letter by merge.
MERGE_TARGET_STATES = {CaseStatus.SUBMITTED, CaseStatus.REGISTERED, CaseStatus.FORWARDED,
                       CaseStatus.ANNOTATED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS,
                       CaseStatus.REPLIED, CaseStatus.ANSWERED, CaseStatus.REOPENED}


# ---- who sees what ----------------------------------------------------------------------------

def visible_cases_filter(user):
    """A WHERE clause limiting Case rows to those `user` may see (DESIGN §4). The same clause
    object for the same user, so that statements built from it can be built once (see
    get_case_in_full)."""
    return _visible_cases_filter(user.role, user.id, user.organisation_id)


@functools.lru_cache(maxsize=1024)
def _visible_cases_filter(role, user_id, organisation_id):
    if role is Role.SECRETARIAT:
        return Case.status != CaseStatus.DRAFT
    if role is Role.REPRESENTATIVE:
        # Their own letters, and any case one of their letters was merged into.
        merged_targets = sa.select(Case.merged_into_id).where(
            Case.representative_id == user_id, Case.merged_into_id.is_not(None))
        return sa.or_(Case.representative_id == user_id, Case.id.in_(merged_targets))
    if role is Role.LEADER:
        return Case.id.in_(sa.select(CaseLeader.case_id).where(
            CaseLeader.leader_id == user_id, CaseLeader.forwarded_at.is_not(None)))
    if role is Role.UNIT_STAFF and organisation_id:
        return Case.id.in_(sa.select(Assignment.case_id).where(Assignment.unit_id == organisation_id))
    return sa.false()


def visible_cases(user):
    return sa.select(Case).where(visible_cases_filter(user))


def _not_visible():
    """The refusal of a case the user may not see or that does not exist: it never says which."""
    return NotFound(_("找不到该来信,或您无权查看。"))


def get_case(user, case_id):
    """The case if `user` may see it; NotFound otherwise (never reveal that it exists)."""
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id, visible_cases_filter(user)))
    if case is None:
        raise _not_visible()
    return case


# A case's own collections, and whether it holds any of each, asked with the case itself.
_COLLECTIONS = {"annotations": (Annotation.case_id,), "assignments": (Assignment.case_id,),
                "replies": (Reply.case_id,), "feedback": (Feedback.case_id,), "attachments": (Attachment.case_id,),
                "links": (CaseLink.case_id, CaseLink.linked_case_id)}


def get_case_in_full(user, case_id):
    """get_case, with what the case page reads: its representative, delegation and leaders loaded
    with it, and its collections (links too) known empty from the same query (an EXISTS for each),
    so that only those it holds are read: a letter just registered has none of them."""
    row = db.session.execute(_case_in_full(visible_cases_filter(user)), {"case_id": case_id}).unique().one_or_none()
    if row is None:
        raise _not_visible()
    case = row[0]
    for name, held in zip(_COLLECTIONS, row[1:]):
        if not held and name not in case.__dict__:  # never in place of changes not yet flushed
            set_committed_value(case, name, [])
    return case


@functools.lru_cache(maxsize=1024)
def _case_in_full(scope):
    """The statement of get_case_in_full for one viewer's scope, built once: building it and its
    cache key cost SQLAlchemy more than PostgreSQL took to run it."""
    holds = [sa.exists().where(sa.or_(*(column == Case.id for column in columns))).label(name)
             for name, columns in _COLLECTIONS.items()]
    return sa.select(Case, *holds).where(Case.id == sa.bindparam("case_id"), scope).options(
        joinedload(Case.representative, innerjoin=True).load_only(User.name, User.delegation_id)
        .joinedload(User.delegation),
        joinedload(Case.leaders).joinedload(CaseLeader.leader).load_only(User.name, User.title))


def get_assignment(user, assignment_id):
    """An assignment of the user's own unit (unit staff), or any visible one (secretariat)."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is not None:
        if user.role is Role.UNIT_STAFF and assignment.unit_id == user.organisation_id:
            return assignment
        if user.role is Role.SECRETARIAT:
            return assignment
    raise NotFound(_("找不到该交办事项,或您无权查看。"))


def get_extension(user, extension_id):
    extension = db.session.get(ExtensionRequest, extension_id)
    if extension is None or user.role is not Role.SECRETARIAT:
        raise NotFound(_("找不到该延期申请,或您无权查看。"))
    return extension


def action_available(case, action, user):
    """Whether to offer `action` to `user` now: the state machine allows it for the role, the
    user owns the letter where that matters, and the action's own precondition holds."""
    if not can(case, action, user):
        return False
    if user.role is Role.REPRESENTATIVE and case.representative_id != user.id:
        return False  # a case their letter was merged into belongs to someone else
    if action is Action.REOPEN and user.role is Role.REPRESENTATIVE:
        return bool(case.feedback) and case.feedback[-1].rating is Rating.DISSATISFIED
    return True


# ---- shared steps -----------------------------------------------------------------------------

def _apply(case, transition, actor, *, comment=None, details=None, target=None):
    """Move the case along `transition` and write its one audit record."""
    before = case.status
    case.status = target or transition.target
    record(transition.action.value, case, actor=actor,
           before={"status": before.value},
           after={"status": case.status.value, **(details or {})},
           comment=comment)
    db.session.flush()


def _own(case, representative):
    if case.representative_id != representative.id:
        raise _not_visible()


def _leaders_by_id(leader_ids, field="leader_ids"):
    ids = _int_ids(leader_ids, field)
    if not ids:
        raise ValidationError(_("请至少选择一位市委领导。"), field=field)
    leaders = db.session.scalars(sa.select(User).where(
        User.id.in_(ids), User.role == Role.LEADER, User.active.is_(True))).all()
    if len(leaders) != len(ids):
        raise ValidationError(_("所选领导不存在或已停用。"), field=field)
    return sorted(leaders, key=lambda leader: (leader.precedence or 999, leader.id))


def _units_by_id(unit_ids, field="unit_ids"):
    ids = _int_ids(unit_ids, field)
    units = db.session.scalars(sa.select(Organisation).where(
        Organisation.id.in_(ids), Organisation.is_unit.is_(True), Organisation.active.is_(True))).all()
    if len(units) != len(ids):
        raise ValidationError(_("所选承办单位不存在或已停用。"), field=field)
    return {unit.id: unit for unit in units}


def _int_ids(values, field):
    try:
        ids = list(dict.fromkeys(int(value) for value in (values or [])))
    except (TypeError, ValueError):
        raise ValidationError(_("编号格式不正确。"), field=field) from None
    if len(ids) > 50:
        raise ValidationError(_("一次最多选择 50 项。"), field=field)
    return ids


def _enum(enum_cls, value, field, label):
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        raise ValidationError(_("“%(label)s”的取值无效。", label=label), field=field) from None


def _note(value, field, label, required=True, max_length=NOTE_MAX):
    return clean_text(value, field=field, label=label, max_length=max_length, required=required)


def _deadlines(*stages):
    """The due dates of stages that begin today, from one read of the time limits in effect."""
    limits, today = deadline_workdays(), today_shanghai()
    return [add_workdays(today, limits[stage]) for stage in stages]


def _deadline(stage):
    return _deadlines(stage)[0]


def _parse_due_date(value, field="due_date"):
    if value is None or value == "":
        return None
    if isinstance(value, date):
        due = value
    else:
        try:
            due = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(_("日期格式应为 YYYY-MM-DD。"), field=field) from None
    if due <= today_shanghai():
        raise ValidationError(_("办理期限须晚于今天。"), field=field)
    if (due - today_shanghai()).days > 366:
        raise ValidationError(_("办理期限不能超过一年。"), field=field)
    return due


# ---- representative ---------------------------------------------------------------------------

def _letter_fields(title, content, category, on_behalf_of):
    return {
        "title": clean_text(title, field="title", label=_("标题"), max_length=TITLE_MAX, multiline=False),
        "content": clean_text(content, field="content", label=_("内容"), max_length=CONTENT_MAX),
        "category": _enum(Category, category, "category", _("类别")),
        "on_behalf_of": _enum(OnBehalfOf, on_behalf_of, "on_behalf_of", _("反映方式")),
    }


def _set_addressed_leaders(case, leaders):
    wanted = {leader.id for leader in leaders}
    for link in list(case.leaders):
        if link.leader_id not in wanted and link.forwarded_at is None:
            case.leaders.remove(link)
    present = {link.leader_id for link in case.leaders}
    for leader in leaders:
        if leader.id not in present:
            case.leaders.append(CaseLeader(leader_id=leader.id, addressed=True))


def _attach(case, uploader, files, reply=None):
    existing = len(case.attachments) if reply is None else len(reply.attachments)
    attachments.check_count(existing, len(files))
    for data, filename in files:
        attachments.store(case, uploader, data, filename, reply=reply)


def create_letter(representative, *, title, content, leader_ids, category=Category.OTHER,
                  on_behalf_of=OnBehalfOf.SELF, files=(), submit=False):
    """Write a letter: saved as a draft, or submitted at once."""
    if representative.role is not Role.REPRESENTATIVE:
        raise PermissionDenied(_("只有党代表可以写信。"))
    fields = _letter_fields(title, content, category, on_behalf_of)
    leaders = _leaders_by_id(leader_ids)
    case = Case(representative_id=representative.id, status=CaseStatus.DRAFT, created_at=now_utc(),
                reopen_count=0, **fields)
    db.session.add(case)
    _set_addressed_leaders(case, leaders)
    db.session.flush()
    _attach(case, representative, files)
    record("create", case, actor=representative, after={"status": "draft", "title": fields["title"]})
    if submit:
        submit_letter(case, representative)
    db.session.flush()
    return case


def update_letter(case, representative, *, title, content, leader_ids, category, on_behalf_of, files=()):
    """Edit a draft, or a letter returned for more facts."""
    _own(case, representative)
    transition = check(case, Action.EDIT, representative)
    fields = _letter_fields(title, content, category, on_behalf_of)
    leaders = _leaders_by_id(leader_ids)
    for name, value in fields.items():
        setattr(case, name, value)
    _set_addressed_leaders(case, leaders)
    _attach(case, representative, files)
    _apply(case, transition, representative)
    return case


def submit_letter(case, representative):
    _own(case, representative)
    transition = check(case, Action.SUBMIT, representative)
    now = now_utc()
    case.first_submitted_at = case.first_submitted_at or now
    case.submitted_at = now  # a resubmission restarts the registration clock
    case.register_due = _deadline("register")
    case.status_reason = None
    # Search builds on cases, so it is imported here rather than at the top of the module.
    from djgc_direct.search.similar import keep_similar_letters
    keep_similar_letters(case)
    _apply(case, transition, representative)
    return case


def withdraw(case, representative, comment=None):
    _own(case, representative)
    transition = check(case, Action.WITHDRAW, representative)
    comment = _note(comment, "comment", _("撤回原因"), required=False)
    case.closed_at = now_utc()
    _apply(case, transition, representative, comment=comment)
    return case


def give_feedback(case, representative, rating, comment=None):
    _own(case, representative)
    transition = check(case, Action.FEEDBACK, representative)
    rating = _enum(Rating, rating, "rating", _("评价"))
    comment = _note(comment, "comment", _("评价意见"), required=rating is Rating.DISSATISFIED)
    reply = _approved_reply(case)
    db.session.add(Feedback(case=case, reply_id=reply.id, representative_id=representative.id,
                            rating=rating, comment=comment, created_at=now_utc()))
    case.closed_at = now_utc()
    case.close_reason = CloseReason.FEEDBACK
    _apply(case, transition, representative, comment=comment, details={"rating": rating.value})
    return case


def reopen(case, actor, reason):
    """重办: the representative (after a dissatisfied verdict) or the secretariat reopens a closed case."""
    if actor.role is Role.REPRESENTATIVE:
        _own(case, actor)
    transition = check(case, Action.REOPEN, actor)
    reason = _note(reason, "reason", _("重办理由"))
    if actor.role is Role.REPRESENTATIVE:
        last = case.feedback[-1] if case.feedback else None
        if last is None or last.rating is not Rating.DISSATISFIED:
            raise ValidationError(_("只有评价为“不满意”的来信才能申请重办。"), field="reason")
    case.reopen_count += 1
    case.closed_at = None
    case.close_reason = None
    case.status_reason = reason
    for assignment in case.assignments:
        assignment.status = AssignmentStatus.DONE
    _apply(case, transition, actor, comment=reason)
    return case


# ---- secretariat ------------------------------------------------------------------------------

def register(case, secretary):
    transition = check(case, Action.REGISTER, secretary)
    now = now_utc()
    year = now.astimezone(SHANGHAI).year
    seq = take_next_number(year)
    case.number_year, case.number_seq, case.number = year, seq, format_number(year, seq)
    case.registered_at = now
    _apply(case, transition, secretary, details={"number": case.number})
    return case


def return_to_representative(case, secretary, reason):
    transition = check(case, Action.RETURN, secretary)
    case.status_reason = _note(reason, "reason", _("退回原因"))
    _apply(case, transition, secretary, comment=case.status_reason)
    return case


def reject(case, secretary, reason):
    transition = check(case, Action.REJECT, secretary)
    case.status_reason = _note(reason, "reason", _("不予受理原因"))
    case.closed_at = now_utc()
    _apply(case, transition, secretary, comment=case.status_reason)
    return case


def forward(case, secretary, leader_ids, comment=None):
    """呈阅: send the case to leaders (by default those the representative addressed)."""
    transition = check(case, Action.FORWARD, secretary)
    leaders = _leaders_by_id(leader_ids)
    comment = _note(comment, "comment", _("拟办意见"), required=False)
    now = now_utc()
    links = {link.leader_id: link for link in case.leaders}
    annotate_due = _deadline("annotate")
    newly = []
    for leader in leaders:
        link = links.get(leader.id)
        if link is None:
            link = CaseLeader(leader_id=leader.id, addressed=False)
            case.leaders.append(link)
        if link.forwarded_at is None:
            link.forwarded_at, link.forwarded_by_id = now, secretary.id
            link.annotate_due = annotate_due
            newly.append(leader.id)
    if not newly:
        raise ValidationError(_("所选领导都已呈阅过。"), field="leader_ids")
    case.forwarded_at = case.forwarded_at or now
    _apply(case, transition, secretary, comment=comment, details={"leader_ids": newly})
    return case


def is_merge_target(case):
    """Whether another letter may still be merged into `case` (it is being handled)."""
    return case.status in MERGE_TARGET_STATES


def merge(case, secretary, into_case_id):
    """并案: fold this letter into another case; both representatives then follow that case."""
    transition = check(case, Action.MERGE, secretary)
    target = db.session.get(Case, _int_ids([into_case_id], "into_case_id")[0])
    if target is None or target.id == case.id or not is_merge_target(target):
        raise ValidationError(_("只能并入另一件正在办理的来信。"), field="into_case_id")
    case.merged_into_id = target.id
    case.closed_at = now_utc()
    _apply(case, transition, secretary, details={"into_case_id": target.id, "into_number": target.number})
    notify_case_merged(case, target)
    return case


def _link_between(case_id, other_id):
    low, high = sorted((case_id, other_id))
    return db.session.scalar(sa.select(CaseLink).where(CaseLink.case_id == low, CaseLink.linked_case_id == high))


def link(case, secretary, other_case_id):
    """关联: link the case to a related one; both stay as they are, each page lists the other.
    The pair's unique key refuses a second link, even one another secretary makes at this moment."""
    transition = check(case, Action.LINK, secretary)
    other = db.session.get(Case, _int_ids([other_case_id], "linked_case_id")[0])
    if other is None or other.id == case.id or other.status not in LINKABLE_STATES:
        raise ValidationError(_("只能关联另一件已提交的来信。"), field="linked_case_id")
    low, high = sorted((case.id, other.id))
    try:
        with db.session.begin_nested():
            db.session.add(CaseLink(case_id=low, linked_case_id=high, created_at=now_utc(),
                                    created_by_id=secretary.id))
    except IntegrityError:
        raise ValidationError(_("这两件来信已经关联。"), field="linked_case_id") from None
    _forget_links(case, other)
    _apply(case, transition, secretary, details={"linked_case_id": other.id, "linked_number": other.number})
    return case


def _forget_links(*cases):
    """Case.links is read-only: after a link is made or undone, read it again when next asked
    (of the cases loaded in this session; None for one that is not)."""
    for case in cases:
        if case is not None:
            db.session.expire(case, ["links"])


def unlink(case, secretary, other_case_id):
    """Undo a 关联 between the case and another."""
    transition = check(case, Action.UNLINK, secretary)
    other_id = _int_ids([other_case_id], "linked_case_id")[0]
    found = _link_between(case.id, other_id)
    if found is None:
        raise ValidationError(_("这两件来信没有关联。"), field="linked_case_id")
    db.session.delete(found)
    _forget_links(case, db.session.identity_map.get(db.session.identity_key(Case, other_id)))
    _apply(case, transition, secretary, details={"unlinked_case_id": other_id})
    return case


def linked_cases(case, user):
    """The cases linked to `case` that `user` may see, oldest first."""
    others = [link.linked_case_id if link.case_id == case.id else link.case_id for link in case.links]
    if not others:
        return []
    return db.session.scalars(sa.select(Case).where(Case.id.in_(others), visible_cases_filter(user))
                              .options(selectinload(Case.representative)).order_by(Case.id)).all()


def decide_extension(extension, secretary, approve, note=None):
    case = extension.assignment.case
    transition = check(case, Action.DECIDE_EXTENSION, secretary)
    if extension.status is not ExtensionStatus.PENDING:
        raise Conflict(_("该延期申请已经处理过了。"))
    note = _note(note, "note", _("审批意见"), required=not approve)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_by_id, extension.decided_at, extension.decision_note = secretary.id, now_utc(), note
    if approve:
        assignment = extension.assignment
        assignment.due_date = extension.requested_due_date
        assignment.deadline_version += 1  # a new due date: the reminder ladder starts again for it
    _apply(case, transition, secretary, comment=note,
           details={"extension_id": extension.id, "approved": bool(approve),
                    "due_date": extension.requested_due_date.isoformat()})
    return extension


def approve_reply(case, secretary):
    transition = check(case, Action.APPROVE_REPLY, secretary)
    reply = _pending_reply(case)
    reply.status, reply.reviewed_by_id, reply.reviewed_at = ReplyStatus.APPROVED, secretary.id, now_utc()
    case.answered_at = now_utc()
    case.feedback_due = _deadline("feedback")
    for assignment in case.assignments:
        if assignment.round == _current_round(case):
            assignment.status = AssignmentStatus.DONE
    _apply(case, transition, secretary, details={"reply_id": reply.id})
    return case


def send_back_reply(case, secretary, reason):
    transition = check(case, Action.SEND_BACK_REPLY, secretary)
    reason = _note(reason, "reason", _("退回理由"))
    reply = _pending_reply(case)
    reply.status, reply.reviewed_by_id, reply.reviewed_at = ReplyStatus.SENT_BACK, secretary.id, now_utc()
    reply.review_note = reason
    reply.assignment.status = AssignmentStatus.ACKNOWLEDGED
    reply.assignment.replied_at = None
    _apply(case, transition, secretary, comment=reason, details={"reply_id": reply.id})
    return case


# ---- leaders (and the secretariat on their behalf) -------------------------------------------

def _forwarded_leader_ids(case):
    return {link.leader_id for link in case.leaders if link.forwarded_at is not None}


def annotate(case, actor, *, text, internal=False, leader_id=None, unit_ids=None, lead_unit_id=None,
             due_date=None):
    """批示. A leader annotates in their own name; the secretariat transcribes a paper annotation
    for a named leader (marked as transcribed). With units, the case is also assigned."""
    transition = check(case, Action.ANNOTATE, actor)
    if actor.role is Role.LEADER:
        if actor.id not in _forwarded_leader_ids(case):
            raise _not_visible()
        leader_id, transcribed_by = actor.id, None
    else:
        leader_id = _int_ids([leader_id], "leader_id")[0] if leader_id not in (None, "") else None
        if leader_id not in _forwarded_leader_ids(case):
            raise ValidationError(_("请选择已呈阅的领导作为批示人。"), field="leader_id")
        transcribed_by = actor.id
    text = _note(text, "text", _("批示内容"))
    units = unit_ids or ([lead_unit_id] if lead_unit_id else [])
    if units:  # validate the assignment before anything changes
        _validate_assignment(units, lead_unit_id, due_date)
    annotation = Annotation(case=case, leader_id=leader_id, text=text, internal=bool(internal),
                            transcribed_by_id=transcribed_by, created_at=now_utc())
    db.session.add(annotation)
    case.annotated_at = case.annotated_at or now_utc()
    db.session.flush()
    _apply(case, transition, actor, details={
        "annotation_id": annotation.id, "leader_id": leader_id, "transcribed": transcribed_by is not None,
        "internal": bool(internal)})
    if units:
        assign(case, actor, unit_ids=units, lead_unit_id=lead_unit_id, due_date=due_date)
    return annotation


def delegate(case, leader, to_leader_id, comment=None):
    """转批: a forwarded leader passes the case to another leader."""
    transition = check(case, Action.DELEGATE, leader)
    if leader.id not in _forwarded_leader_ids(case):
        raise _not_visible()
    (target,) = _leaders_by_id([to_leader_id], field="to_leader_id")
    if target.id in _forwarded_leader_ids(case):
        raise ValidationError(_("%(name)s 已在阅示该来信。", name=target.name), field="to_leader_id")
    comment = _note(comment, "comment", _("转批意见"), required=False)
    link = next((link for link in case.leaders if link.leader_id == target.id), None)
    if link is None:
        link = CaseLeader(leader_id=target.id, addressed=False)
        case.leaders.append(link)
    link.forwarded_at, link.forwarded_by_id, link.delegated_by_id = now_utc(), leader.id, leader.id
    link.annotate_due = _deadline("annotate")
    _apply(case, transition, leader, comment=comment, details={"to_leader_id": target.id})
    return case


def _validate_assignment(unit_ids, lead_unit_id, due_date):
    units = _units_by_id(unit_ids)
    if not units:
        raise ValidationError(_("请选择承办单位。"), field="unit_ids")
    try:
        lead = int(lead_unit_id)
    except (TypeError, ValueError):
        raise ValidationError(_("请指定主办单位。"), field="lead_unit_id") from None
    if lead not in units:
        raise ValidationError(_("主办单位须是所选承办单位之一。"), field="lead_unit_id")
    return units, lead, _parse_due_date(due_date)


def assign(case, actor, *, unit_ids, lead_unit_id, due_date=None):
    """交办: one lead unit and any support units, with a deadline (default: the reply time limit in effect)."""
    transition = check(case, Action.ASSIGN, actor)
    if actor.role is Role.LEADER and actor.id not in _forwarded_leader_ids(case):
        raise _not_visible()
    unit_ids = list(unit_ids or [])
    if lead_unit_id not in (None, "") and str(lead_unit_id) not in {str(u) for u in unit_ids}:
        unit_ids.append(lead_unit_id)
    units, lead, due = _validate_assignment(unit_ids, lead_unit_id, due_date)
    reply_due, acknowledge_due = _deadlines("reply", "acknowledge")
    due = due or reply_due
    now = now_utc()
    round_ = case.reopen_count + 1
    for unit_id in units:
        db.session.add(Assignment(
            case=case, unit_id=unit_id, is_lead=unit_id == lead, round=round_, status=AssignmentStatus.ASSIGNED,
            assigned_at=now, assigned_by_id=actor.id, acknowledge_due=acknowledge_due, due_date=due,
            original_due_date=due, deadline_version=1))
    case.assigned_at = now
    _apply(case, transition, actor, details={
        "unit_ids": sorted(units), "lead_unit_id": lead, "due_date": due.isoformat(), "round": round_})
    return case


# ---- handling units ---------------------------------------------------------------------------

def _current_round(case):
    return case.reopen_count + 1


def _check_unit_assignment(assignment, staff):
    if staff.role is not Role.UNIT_STAFF or assignment.unit_id != staff.organisation_id:
        raise NotFound(_("找不到该交办事项,或您无权查看。"))
    if assignment.round != _current_round(assignment.case):
        raise Conflict(_("这是上一轮的交办事项,已结束。"))


def acknowledge(assignment, staff):
    """签收. When the lead unit acknowledges, the case is in progress."""
    _check_unit_assignment(assignment, staff)
    case = assignment.case
    transition = check(case, Action.ACKNOWLEDGE, staff)
    if assignment.status is not AssignmentStatus.ASSIGNED:
        raise Conflict(_("本单位已签收。"))
    assignment.status = AssignmentStatus.ACKNOWLEDGED
    assignment.acknowledged_at, assignment.acknowledged_by_id = now_utc(), staff.id
    # A support unit's acknowledgement does not move the case; the lead unit's does.
    target = transition.target if assignment.is_lead else case.status
    _apply(case, transition, staff, target=target,
           details={"assignment_id": assignment.id, "unit_id": assignment.unit_id, "lead": assignment.is_lead})
    return assignment


def report_progress(assignment, staff, text):
    _check_unit_assignment(assignment, staff)
    transition = check(assignment.case, Action.PROGRESS, staff)
    text = _note(text, "text", _("办理进展"))
    report = ProgressReport(assignment=assignment, author_id=staff.id, text=text, created_at=now_utc())
    db.session.add(report)
    db.session.flush()
    _apply(assignment.case, transition, staff, comment=text,
           details={"assignment_id": assignment.id, "progress_id": report.id})
    return report


def request_extension(assignment, staff, due_date, reason):
    """申请延期: only before the current deadline, for a later date, one pending request at a time."""
    _check_unit_assignment(assignment, staff)
    transition = check(assignment.case, Action.REQUEST_EXTENSION, staff)
    if today_shanghai() > assignment.due_date:
        raise ValidationError(_("已超过办理期限,不能再申请延期。"), field="due_date")
    due = _parse_due_date(due_date)
    if due is None or due <= assignment.due_date:
        raise ValidationError(_("延期后的日期须晚于当前期限 %(d)s。", d=assignment.due_date.isoformat()),
                              field="due_date")
    reason = _note(reason, "reason", _("延期理由"))
    if any(ext.status is ExtensionStatus.PENDING for ext in assignment.extension_requests):
        raise ValidationError(_("已有一份待审批的延期申请。"), field="due_date")
    extension = ExtensionRequest(assignment=assignment, requested_by_id=staff.id,
                                 previous_due_date=assignment.due_date, requested_due_date=due, reason=reason,
                                 status=ExtensionStatus.PENDING, created_at=now_utc())
    db.session.add(extension)
    db.session.flush()
    _apply(assignment.case, transition, staff, comment=reason,
           details={"assignment_id": assignment.id, "extension_id": extension.id, "due_date": due.isoformat()})
    return extension


def parse_amount(value):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise ValidationError(_("金额须为数字(单位:元)。"), field="amount_yuan") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise ValidationError(_("金额须为不小于 0 的合理数值(单位:元)。"), field="amount_yuan")
    return amount.quantize(Decimal("0.01"))


def submit_reply(assignment, staff, *, text, outcome, amount_yuan=None, files=()):
    """办理结果: the lead unit's reply is the case's reply; it waits for the secretariat's review."""
    _check_unit_assignment(assignment, staff)
    case = assignment.case
    transition = check(case, Action.REPLY, staff)
    if not assignment.is_lead:
        raise ValidationError(_("协办单位请通过“报告进展”向主办单位报送办理情况,由主办单位答复。"), field="text")
    if assignment.status is not AssignmentStatus.ACKNOWLEDGED:
        raise ValidationError(_("请先签收再答复。"), field="text")
    text = clean_text(text, field="text", label=_("答复内容"), max_length=REPLY_MAX)
    outcome = _enum(Outcome, outcome, "outcome", _("办理结果"))
    amount = parse_amount(amount_yuan)
    reply = Reply(case=case, assignment=assignment, author_id=staff.id, text=text, outcome=outcome,
                  amount_yuan=amount, status=ReplyStatus.PENDING_REVIEW, created_at=now_utc())
    db.session.add(reply)
    db.session.flush()
    _attach(case, staff, files, reply=reply)
    assignment.status = AssignmentStatus.REPLIED
    assignment.replied_at = now_utc()
    for extension in assignment.extension_requests:
        if extension.status is ExtensionStatus.PENDING:
            extension.status, extension.decision_note = ExtensionStatus.REFUSED, _("已答复,无需延期。")
    _apply(case, transition, staff, details={
        "reply_id": reply.id, "outcome": outcome.value, "amount_yuan": str(amount) if amount is not None else None})
    return reply


# ---- the system -------------------------------------------------------------------------------

def close_without_feedback(case):
    """The verdict period ran out: the case closes as "no feedback" (counted apart)."""
    transition = check(case, Action.CLOSE_NO_FEEDBACK, None)
    case.closed_at = now_utc()
    case.close_reason = CloseReason.NO_FEEDBACK
    _apply(case, transition, None)
    return case


# ---- reading ----------------------------------------------------------------------------------

def _pending_reply(case):
    reply = next((r for r in reversed(case.replies) if r.status is ReplyStatus.PENDING_REVIEW), None)
    if reply is None:
        raise ValidationError(_("没有待审核的答复。"))
    return reply


def _approved_reply(case):
    reply = approved_reply(case)
    if reply is None:
        raise ValidationError(_("没有已审核的答复。"))
    return reply


def approved_reply(case):
    """The latest approved reply (what the representative sees), or None."""
    return next((r for r in reversed(case.replies) if r.status is ReplyStatus.APPROVED), None)


def visible_annotations(case, user):
    """Annotations the user may read: internal ones are hidden from representatives."""
    if user.role is Role.REPRESENTATIVE:
        return [a for a in case.annotations if not a.internal]
    return list(case.annotations)


def visible_replies(case, user):
    """Replies the user may read: representatives see only approved ones."""
    if user.role is Role.REPRESENTATIVE:
        return [r for r in case.replies if r.status is ReplyStatus.APPROVED]
    return list(case.replies)


def visible_assignments(case, user):
    """Assignments `user` may see on a visible case (DESIGN §4): unit staff see their own unit's,
    and, where their unit leads a round, the support units of that round (who report to it)."""
    if user.role is not Role.UNIT_STAFF:
        return list(case.assignments)
    led_rounds = {a.round for a in case.assignments if a.unit_id == user.organisation_id and a.is_lead}
    return [a for a in case.assignments if a.unit_id == user.organisation_id or a.round in led_rounds]


def current_assignments(case):
    return [a for a in case.assignments if a.round == _current_round(case)]
