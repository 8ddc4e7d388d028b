"""Writing and reading notifications. Like every service these add rows and flush; the caller's
request, command or job commits, so a notification, its e-mail and the change they report are
one transaction: if it rolls back, no mail is ever sent.
"""
import functools

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus
from djgc_direct.core.clock import now_utc, today_shanghai
from djgc_direct.core.errors import NotFound
from djgc_direct.deadlines.stages import due_soon_until
from djgc_direct.extensions import db
from djgc_direct.notifications.models import Notification, OutboxEmail, check_link
from djgc_direct.organisations.models import Organisation

SUBJECT_MAX = 255
TITLE_MAX = 200
DIGEST_KIND = "digest.secretariat"
MERGED_KIND = "case.merged"


# ---- writing ----------------------------------------------------------------------------------

def notify(user, *, kind, title, body, link=None, case=None, email=True, dedup_key=None):
    """Put a notification in `user`'s inbox and, if they have an e-mail address and `email` is
    true, queue the same message for e-mail.

    With a `dedup_key` this happens at most once for that key, however many runs race to do it:
    a second call returns None and adds nothing.
    """
    title = _one_line(title)[:TITLE_MAX]
    check_link(link)  # the dedup path inserts without the model's validators
    notification = _add_once(Notification, dedup_key, recipient_id=user.id, kind=kind, title=title,
                             body=body, link=link, case_id=getattr(case, "id", None), created_at=now_utc())
    if notification is None:
        return None
    if email and user.email:
        queue_email(user.email, title, _email_body(body), notification=notification, dedup_key=dedup_key)
    return notification


def notify_many(users, *, dedup_key=None, **kwargs):
    """`notify` each of `users` once (a user listed twice is told once); returns the notifications
    written. A `dedup_key` is made per user ("<key>:<user id>")."""
    unique = {user.id: user for user in users}
    written = [notify(user, dedup_key=None if dedup_key is None else f"{dedup_key}:{user.id}", **kwargs)
               for user in unique.values()]
    return [n for n in written if n is not None]


def queue_email(to_address, subject, body, *, notification=None, dedup_key=None):
    """Add an e-mail to the outbox, due at once. With `dedup_key`, at most once per key.

    The address is not judged here: one that cannot be delivered fails at delivery, visibly in
    the outbox, instead of undoing the change the mail reports.
    """
    now = now_utc()
    return _add_once(OutboxEmail, dedup_key, notification_id=getattr(notification, "id", None),
                     to_address=to_address.strip(), subject=_one_line(subject)[:SUBJECT_MAX], body=body,
                     created_at=now, attempts=0, next_attempt_at=now)


def _add_once(model, dedup_key, **values):
    """Insert a row of `model`; with a dedup key, only if no row has that key yet (else None).

    INSERT … ON CONFLICT DO NOTHING rather than look-then-insert: on PostgreSQL a second
    transaction inserting the same key waits for the first and then inserts nothing; on SQLite
    the write lock already puts them one after the other. Neither raises, so the caller's
    transaction carries on.
    """
    if dedup_key is None:
        row = model(**values)
        db.session.add(row)
        db.session.flush()
        return row
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = (insert(model).values(dedup_key=dedup_key, **values)
            .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(model))
    return db.session.scalars(stmt).first()


def _one_line(text):
    """Mail headers and inbox titles are single lines."""
    return " ".join((text or "").split())


def _email_body(body):
    # The inbox link is a path on this site; mail readers are pointed to the system instead.
    return body + "\n\n" + _("请登录党代表直通车系统查看详情。") + "\n"


# ---- the inbox ----------------------------------------------------------------------------------

def inbox(user):
    """The statement for `user`'s notifications, newest first."""
    return (sa.select(Notification).where(Notification.recipient_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def unread_count(user):
    return db.session.scalar(_unread_statement(), {"user_id": user.id})


@functools.cache
def _unread_statement():
    """Built once: every page shows the count in its header."""
    return sa.select(sa.func.count(Notification.id)).where(
        Notification.recipient_id == sa.bindparam("user_id"), Notification.read_at.is_(None))


def mark_read(user, notification_id):
    """Mark one of `user`'s own notifications read; someone else's is NotFound."""
    notification = db.session.scalar(sa.select(Notification).where(
        Notification.id == notification_id, Notification.recipient_id == user.id))
    if notification is None:
        raise NotFound(_("找不到该通知。"))
    if notification.read_at is None:
        notification.read_at = now_utc()
        db.session.flush()
    return notification


def mark_all_read(user):
    """Mark all of `user`'s unread notifications read; returns how many there were."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now_utc())
        .execution_options(synchronize_session="fetch"))
    db.session.flush()
    return result.rowcount


# ---- what the system tells people ---------------------------------------------------------------

def _path(endpoint, **values):
    """The site path of `endpoint`; works outside a request (jobs, commands)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _case_label(number, title):
    return f"{number}《{title}》" if number else f"《{title}》"


def notify_case_merged(case, target):
    """并案: tell the representatives of both letters. The one whose letter was merged learns
    where it went; the target's representative learns only that another letter joined theirs
    (never whose: representatives do not see each other's letters). A letter is merged once
    (merged is final), so each person hears of it once."""
    link = _path("cases.show", case_id=target.id)
    notify(case.representative, kind=MERGED_KIND, case=case, link=link,
           dedup_key=f"{MERGED_KIND}:{case.id}:{case.representative_id}",
           title=_("您的来信已并案办理"),
           body=_("您的来信《%(title)s》与%(target)s反映同一事项,已并入该件一并办理。"
                  "办理进展和答复请在该件中查看。",
                  title=case.title, target=_case_label(target.number, target.title)))
    if target.representative_id != case.representative_id:
        notify(target.representative, kind=MERGED_KIND, case=target, link=link,
               dedup_key=f"{MERGED_KIND}:{case.id}:{target.representative_id}",
               title=_("另一件来信已并入您的来信"),
               body=_("另有一件反映同一事项的来信已并入您的来信%(target)s,一并办理。",
                      target=_case_label(target.number, target.title)))


def secretariat_digest():
    """The secretariat's daily list of what is due and overdue, one notification (and mail) per
    active secretary, at most once per user and day. Returns the notifications written; nothing
    when nothing is due. Two queries find the items, however many cases there are."""
    today = today_shanghai()
    horizon = due_soon_until()

    annotate_due = (sa.select(sa.func.min(CaseLeader.annotate_due)).where(CaseLeader.case_id == Case.id)
                    .scalar_subquery())
    cases = db.session.execute(
        sa.select(Case.id, Case.number, Case.title, Case.status, Case.register_due, annotate_due.label("annotate_due"))
        .where(Case.status.in_([CaseStatus.SUBMITTED, CaseStatus.FORWARDED]))
        .order_by(Case.id)).all()
    assignments = db.session.execute(
        sa.select(Case.id, Case.number, Case.title, Organisation.name, Assignment.is_lead, Assignment.due_date)
        .join(Assignment.case).join(Assignment.unit)
        .where(Assignment.round == Case.reopen_count + 1,
               Case.status.in_([CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS]),
               Assignment.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED]),
               Assignment.due_date <= horizon)
        .order_by(Assignment.due_date, Case.id, Assignment.is_lead.desc(), Organisation.name)).all()

    sections = []
    to_register = [(row, row.register_due) for row in cases
                   if row.status is CaseStatus.SUBMITTED and row.register_due is not None]
    if to_register:
        sections.append(_("待登记来信 %(n)d 件:", n=len(to_register)))
        sections += [_digest_line(_case_label(row.number, row.title), _("登记期限"), due, today)
                     for row, due in sorted(to_register, key=lambda item: (item[1], item[0].id))]
    to_annotate = [(row, row.annotate_due) for row in cases
                   if row.status is CaseStatus.FORWARDED and row.annotate_due is not None]
    if to_annotate:
        sections.append(_("待批示来信 %(n)d 件:", n=len(to_annotate)))
        sections += [_digest_line(_case_label(row.number, row.title), _("批示期限"), due, today)
                     for row, due in sorted(to_annotate, key=lambda item: (item[1], item[0].id))]
    if assignments:
        sections.append(_("即将到期或已逾期的交办事项 %(n)d 项:", n=len(assignments)))
        sections += [_digest_line(
            "%s %s(%s)" % (_case_label(row.number, row.title), row.name, _("主办") if row.is_lead else _("协办")),
            _("办理期限"), row.due_date, today) for row in assignments]
    if not sections:
        return []

    title = _("每日待办摘要(%(date)s)", date=today.isoformat())
    body = "\n".join(sections)
    secretaries = db.session.scalars(sa.select(User).where(
        User.role == Role.SECRETARIAT, User.active.is_(True)).order_by(User.id)).all()
    written = [notify(user, kind=DIGEST_KIND, title=title, body=body, link=_path("cases.inbox"),
                      dedup_key=f"digest:{user.id}:{today.isoformat()}") for user in secretaries]
    return [n for n in written if n is not None]


def _digest_line(what, deadline_label, due, today):
    line = f"- {what},{deadline_label} {due.isoformat()}"
    if due < today:
        return line + " " + _("【已逾期】")
    if due == today:
        return line + " " + _("【今日到期】")
    return line
