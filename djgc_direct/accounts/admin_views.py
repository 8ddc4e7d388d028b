"""Admin pages for user accounts (leaders included: title and precedence)."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts import services
from djgc_direct.accounts.forms import UserForm
from djgc_direct.accounts.models import Role, User
from djgc_direct.core.access import roles_required
from djgc_direct.core.errors import ValidationError
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation, Organisation

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")

PER_PAGE = 50


def _fill_choices(form):
    none = [(0, _("(无)"))]
    form.organisation_id.choices = none + [
        (org.id, org.name) for org in db.session.scalars(sa.select(Organisation).order_by(Organisation.name))]
    form.delegation_id.choices = none + [
        (d.id, d.name) for d in db.session.scalars(sa.select(Delegation).order_by(Delegation.name))]


def _profile_values(form):
    return {
        "name": form.name.data.strip(),
        "email": (form.email.data or "").strip() or None,
        "role": form.role.data,
        "organisation": db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None,
        "delegation": db.session.get(Delegation, form.delegation_id.data) if form.delegation_id.data else None,
        "title": (form.title.data or "").strip() or None,
        "precedence": form.precedence.data,
        "active": form.active.data,
    }


def _form_error(form, exc):
    field = {"organisation": "organisation_id", "delegation": "delegation_id"}.get(exc.field, exc.field)
    getattr(form, field or "name", form.name).errors.append(exc.message)
    db.session.rollback()


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    role = request.args.get("role")
    stmt = sa.select(User).order_by(User.role, User.precedence.nulls_last(), User.username)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    page = db.paginate(stmt.options(sa.orm.joinedload(User.organisation), sa.orm.joinedload(User.delegation)),
                       per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, roles=list(Role), selected_role=role)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = UserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        values = _profile_values(form)
        values.pop("active")
        try:
            user = services.create_user(username=form.username.data, password=form.password.data or "",
                                        actor=current_user, **values)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(_("已创建用户 %(name)s。", name=user.username), "success")
            return redirect(url_for(".index"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(user_id):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(obj=user)
    _fill_choices(form)
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.role.data = user.role.value
        form.organisation_id.data = user.organisation_id or 0
        form.delegation_id.data = user.delegation_id or 0
    form.username.data = user.username
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != Role.ADMIN.value):
            form.active.errors.append(_("不能停用自己的账户或取消自己的管理员角色。"))
        else:
            try:
                services.update_user(user, _profile_values(form), actor=current_user)
                if form.password.data:
                    services.reset_password(user, form.password.data, actor=current_user)
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                db.session.commit()
                flash(_("已保存用户 %(name)s。", name=user.username), "success")
                return redirect(url_for(".index"))
    return render_template("admin/user_form.html", form=form, user=user)
