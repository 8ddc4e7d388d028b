"""Admin pages for organisations and delegations."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.core.access import roles_required
from djgc_direct.core.errors import ValidationError
from djgc_direct.extensions import db
from djgc_direct.organisations import services
from djgc_direct.organisations.forms import DelegationForm, ImportForm, OrganisationForm
from djgc_direct.organisations.models import Delegation, Level, Organisation, Sector

bp = Blueprint("organisations", __name__, url_prefix="/admin")

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _parent_choices(form, exclude=None):
    form.parent_id.choices = [(0, _("(无,市级)"))] + [
        (org.id, "\u3000" * depth + org.name) for org, depth in services.organisation_tree()
        if exclude is None or org.id != exclude.id]


def _values(form):
    return {
        "name": form.name.data,
        "parent": db.session.get(Organisation, form.parent_id.data) if form.parent_id.data else None,
        "level": Level(form.level.data),
        "sector": Sector(form.sector.data),
        "is_unit": form.is_unit.data,
    }


def _form_error(form, exc):
    field = {"parent": "parent_id"}.get(exc.field, exc.field) or "name"
    getattr(form, field, form.name).errors.append(exc.message)
    db.session.rollback()


@bp.route("/organisations/")
@roles_required(Role.ADMIN)
def index():
    return render_template("admin/organisations.html", tree=services.organisation_tree(),
                           import_form=ImportForm())


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create():
    form = OrganisationForm()
    _parent_choices(form)
    if form.validate_on_submit():
        try:
            org = services.create_organisation(actor=current_user, **_values(form))
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(_("已创建组织 %(name)s。", name=org.name), "success")
            return redirect(url_for(".index"))
    return render_template("admin/organisation_form.html", form=form, org=None)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(org_id):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = OrganisationForm(obj=org)
    _parent_choices(form, exclude=org)
    if request.method == "GET":
        form.parent_id.data = org.parent_id or 0
        form.level.data = org.level.value
        form.sector.data = org.sector.value
    if form.validate_on_submit():
        try:
            services.update_organisation(org, {**_values(form), "active": form.active.data}, actor=current_user)
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            db.session.commit()
            flash(_("已保存组织 %(name)s。", name=org.name), "success")
            return redirect(url_for(".index"))
    return render_template("admin/organisation_form.html", form=form, org=org)


@bp.route("/organisations/import", methods=["POST"])
@roles_required(Role.ADMIN)
def import_csv():
    form = ImportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for(".index"))
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        flash(_("文件过大(上限 5 MB)。"), "error")
        return redirect(url_for(".index"))
    try:
        created = services.import_organisations(data.decode("utf-8"), actor=current_user)
    except UnicodeDecodeError:
        flash(_("文件须为 UTF-8 编码的 CSV。"), "error")
    except ValidationError as exc:
        db.session.rollback()
        flash(_("导入失败,未导入任何组织。%(msg)s", msg=exc.message), "error")
    else:
        db.session.commit()
        flash(_("已导入 %(n)d 个组织。", n=len(created)), "success")
    return redirect(url_for(".index"))


@bp.route("/delegations/")
@roles_required(Role.ADMIN)
def delegations():
    rows = db.session.scalars(sa.select(Delegation).order_by(Delegation.name)).all()
    return render_template("admin/delegations.html", delegations=rows, form=DelegationForm())


@bp.route("/delegations/new", methods=["POST"])
@roles_required(Role.ADMIN)
def create_delegation():
    form = DelegationForm()
    if form.validate_on_submit():
        try:
            delegation = services.create_delegation(form.name.data, actor=current_user)
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("已创建代表团 %(name)s。", name=delegation.name), "success")
    else:
        flash(_("请填写代表团名称(最长 120 个字符)。"), "error")
    return redirect(url_for(".delegations"))


@bp.route("/delegations/<int:delegation_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_delegation(delegation_id):
    delegation = db.session.get(Delegation, delegation_id) or abort(404)
    form = DelegationForm(obj=delegation)
    if form.validate_on_submit():
        try:
            services.update_delegation(delegation, {"name": form.name.data, "active": form.active.data},
                                       actor=current_user)
        except ValidationError as exc:
            db.session.rollback()
            form.name.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("已保存代表团 %(name)s。", name=delegation.name), "success")
            return redirect(url_for(".delegations"))
    return render_template("admin/delegation_form.html", form=form, delegation=delegation)
