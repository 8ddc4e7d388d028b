import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from djgc_direct.accounts.models import Role, User
from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases.todo import todo
from djgc_direct.core.access import is_safe_redirect, public, roles_required
from djgc_direct.extensions import db
from djgc_direct.i18n import LANGUAGE_SESSION_KEY
from djgc_direct.organisations.models import Delegation, Organisation
from djgc_direct.scheduler.lock import heartbeat_age_seconds

bp = Blueprint("main", __name__)

AUDIT_PER_PAGE = 100


@bp.route("/")
def home():
    context = {"tasks": todo(current_user)}
    if current_user.role is Role.ADMIN:
        context["role_counts"] = dict(db.session.execute(
            sa.select(User.role, sa.func.count()).group_by(User.role)).all())
        context["organisation_count"] = db.session.scalar(sa.select(sa.func.count(Organisation.id)))
        context["unit_count"] = db.session.scalar(
            sa.select(sa.func.count(Organisation.id)).where(Organisation.is_unit.is_(True)))
        context["delegation_count"] = db.session.scalar(sa.select(sa.func.count(Delegation.id)))
    return render_template(f"main/home_{current_user.role.value}.html", roles=list(Role), **context)


@bp.route("/language/<code>")
@public
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session[LANGUAGE_SESSION_KEY] = code
    target = request.args.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("main.home"))


@bp.route("/healthz")
@public
def healthz():
    """For the load balancer and monitoring: is the database reachable, and how old is the
    scheduler's heartbeat (None when no scheduler has run yet). No data about cases."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        heartbeat = heartbeat_age_seconds()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok",
                   scheduler_heartbeat_age_seconds=None if heartbeat is None else round(heartbeat))


@bp.route("/admin/audit")
@roles_required(Role.ADMIN)
def audit_log():
    stmt = (sa.select(AuditRecord, User.name)
            .outerjoin(User, User.id == AuditRecord.actor_id)
            .order_by(AuditRecord.id.desc()))
    action = request.args.get("action", "").strip()
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    page = max(1, request.args.get("page", 1, type=int))
    rows = db.session.execute(stmt.limit(AUDIT_PER_PAGE + 1).offset((page - 1) * AUDIT_PER_PAGE)).all()
    return render_template("main/audit.html", rows=rows[:AUDIT_PER_PAGE], page=page,
                           has_next=len(rows) > AUDIT_PER_PAGE, action=action)
