"""The case state machine (DESIGN §5): one table of every legal (state, action) pair.

Services call `check(case, action, actor)` before they change anything; it refuses an action
that the table does not allow from the case's state, or that the actor's role may not take,
with a clear message (Conflict → 409, PermissionDenied → 403). Nothing else in the code
decides which action is legal when.
"""
import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from djgc_direct.accounts.models import Role
from djgc_direct.cases.models import CaseStatus as S
from djgc_direct.core.errors import Conflict, PermissionDenied


class Action(enum.Enum):
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    REGISTER = "register"
    RETURN = "return"
    REJECT = "reject"
    FORWARD = "forward"
    DELEGATE = "delegate"
    ANNOTATE = "annotate"
    ASSIGN = "assign"
    ACKNOWLEDGE = "acknowledge"
    PROGRESS = "progress"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    REPLY = "reply"
    APPROVE_REPLY = "approve_reply"
    SEND_BACK_REPLY = "send_back_reply"
    FEEDBACK = "feedback"
    CLOSE_NO_FEEDBACK = "close_no_feedback"
    REOPEN = "reopen"
    MERGE = "merge"
    LINK = "link"
    UNLINK = "unlink"

    @property
    def label(self):
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.EDIT: _l("修改草稿"), Action.SUBMIT: _l("提交"), Action.WITHDRAW: _l("撤回"),
    Action.REGISTER: _l("登记"), Action.RETURN: _l("退回补充"), Action.REJECT: _l("不予受理"),
    Action.FORWARD: _l("呈阅"), Action.DELEGATE: _l("转批"), Action.ANNOTATE: _l("批示"),
    Action.ASSIGN: _l("交办"), Action.ACKNOWLEDGE: _l("签收"), Action.PROGRESS: _l("报告进展"),
    Action.REQUEST_EXTENSION: _l("申请延期"), Action.DECIDE_EXTENSION: _l("审批延期"),
    Action.REPLY: _l("答复"), Action.APPROVE_REPLY: _l("审核通过答复"),
    Action.SEND_BACK_REPLY: _l("退回答复"), Action.FEEDBACK: _l("评价"),
    Action.CLOSE_NO_FEEDBACK: _l("逾期未评价办结"), Action.REOPEN: _l("重办"), Action.MERGE: _l("并案"),
    Action.LINK: _l("关联来信"), Action.UNLINK: _l("取消关联"),
}

REP, SEC, LEADER, UNIT = Role.REPRESENTATIVE, Role.SECRETARIAT, Role.LEADER, Role.UNIT_STAFF
# The scheduler acts with no user (actor None) — only where SYSTEM is listed.
SYSTEM = None


@dataclass(frozen=True)
class Transition:
    source: S
    action: Action
    target: S
    roles: frozenset


def _t(source, action, target, *roles):
    return Transition(source, action, target, frozenset(roles))


# Self-loops (source == target) are actions that record work without moving the case.
TRANSITIONS = [
    _t(S.DRAFT, Action.EDIT, S.DRAFT, REP),
    _t(S.DRAFT, Action.SUBMIT, S.SUBMITTED, REP),
    _t(S.DRAFT, Action.WITHDRAW, S.WITHDRAWN, REP),
    _t(S.SUBMITTED, Action.WITHDRAW, S.WITHDRAWN, REP),
    _t(S.SUBMITTED, Action.REGISTER, S.REGISTERED, SEC),
    _t(S.SUBMITTED, Action.RETURN, S.RETURNED, SEC),
    _t(S.SUBMITTED, Action.REJECT, S.REJECTED, SEC),
    _t(S.SUBMITTED, Action.MERGE, S.MERGED, SEC),
    _t(S.RETURNED, Action.EDIT, S.RETURNED, REP),
    _t(S.RETURNED, Action.SUBMIT, S.SUBMITTED, REP),
    _t(S.RETURNED, Action.WITHDRAW, S.WITHDRAWN, REP),
    _t(S.REGISTERED, Action.FORWARD, S.FORWARDED, SEC),
    _t(S.REGISTERED, Action.REJECT, S.REJECTED, SEC),
    _t(S.REGISTERED, Action.MERGE, S.MERGED, SEC),
    _t(S.FORWARDED, Action.FORWARD, S.FORWARDED, SEC),
    _t(S.FORWARDED, Action.DELEGATE, S.FORWARDED, LEADER),
    _t(S.FORWARDED, Action.ANNOTATE, S.ANNOTATED, LEADER, SEC),
    _t(S.FORWARDED, Action.MERGE, S.MERGED, SEC),
    _t(S.ANNOTATED, Action.DELEGATE, S.ANNOTATED, LEADER),
    _t(S.ANNOTATED, Action.ANNOTATE, S.ANNOTATED, LEADER, SEC),
    _t(S.ANNOTATED, Action.ASSIGN, S.ASSIGNED, LEADER, SEC),
    _t(S.ASSIGNED, Action.ANNOTATE, S.ASSIGNED, LEADER, SEC),
    _t(S.ASSIGNED, Action.ACKNOWLEDGE, S.IN_PROGRESS, UNIT),
    _t(S.ASSIGNED, Action.PROGRESS, S.ASSIGNED, UNIT),
    _t(S.ASSIGNED, Action.REQUEST_EXTENSION, S.ASSIGNED, UNIT),
    _t(S.ASSIGNED, Action.DECIDE_EXTENSION, S.ASSIGNED, SEC),
    _t(S.IN_PROGRESS, Action.ANNOTATE, S.IN_PROGRESS, LEADER, SEC),
    _t(S.IN_PROGRESS, Action.ACKNOWLEDGE, S.IN_PROGRESS, UNIT),
    _t(S.IN_PROGRESS, Action.PROGRESS, S.IN_PROGRESS, UNIT),
    _t(S.IN_PROGRESS, Action.REQUEST_EXTENSION, S.IN_PROGRESS, UNIT),
    _t(S.IN_PROGRESS, Action.DECIDE_EXTENSION, S.IN_PROGRESS, SEC),
    _t(S.IN_PROGRESS, Action.REPLY, S.REPLIED, UNIT),
    _t(S.REPLIED, Action.APPROVE_REPLY, S.ANSWERED, SEC),
    _t(S.REPLIED, Action.SEND_BACK_REPLY, S.IN_PROGRESS, SEC),
    _t(S.ANSWERED, Action.FEEDBACK, S.CLOSED, REP),
    _t(S.ANSWERED, Action.CLOSE_NO_FEEDBACK, S.CLOSED, SYSTEM),
    _t(S.CLOSED, Action.REOPEN, S.REOPENED, REP, SEC),
    _t(S.REOPENED, Action.ASSIGN, S.ASSIGNED, LEADER, SEC),
]
# 关联: the secretariat links a letter in its hands to a related one, and may undo it, in any state
# from submission to closing; the case stays where it is.
LINKABLE_STATES = (S.SUBMITTED, S.REGISTERED, S.FORWARDED, S.ANNOTATED, S.ASSIGNED, S.IN_PROGRESS, S.REPLIED,
                   S.ANSWERED, S.CLOSED, S.REOPENED)
TRANSITIONS += [_t(state, action, state, SEC) for state in LINKABLE_STATES for action in (Action.LINK, Action.UNLINK)]

TABLE = {(t.source, t.action): t for t in TRANSITIONS}
assert len(TABLE) == len(TRANSITIONS), "a (state, action) pair is listed twice"


def allowed_actions(status):
    """The actions the table allows from `status` (any role)."""
    return [t.action for t in TRANSITIONS if t.source is status]


def find(status, action):
    return TABLE.get((status, action))


def can(case, action, actor):
    """Whether `actor` (a user, or None for the system) may take `action` on the case now."""
    transition = find(case.status, action)
    return transition is not None and _role_of(actor) in transition.roles


def check(case, action, actor):
    """Return the Transition for `action` on `case` by `actor`, or raise Conflict / PermissionDenied."""
    transition = find(case.status, action)
    if transition is None:
        raise Conflict(_("当前状态为“%(status)s”,不能执行“%(action)s”。",
                         status=case.status.label, action=action.label))
    if _role_of(actor) not in transition.roles:
        raise PermissionDenied(_("您的角色不能执行“%(action)s”。", action=action.label))
    return transition


def _role_of(actor):
    return None if actor is None else actor.role
