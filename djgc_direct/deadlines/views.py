"""Admin page for the working-day calendar: overrides and the coverage of the coming years."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.core.access import roles_required
from djgc_direct.core.clock import today_shanghai
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines import calendar as workday_calendar
from djgc_direct.deadlines import services
from djgc_direct.deadlines.forms import OverrideForm
from djgc_direct.extensions import db

bp = Blueprint("deadlines", __name__, url_prefix="/admin/calendar")

# This year and the next two: deadlines set now (up to 15 + 10 working days) and the
# schedules admins should enter ahead of time all fall in them.
COVERAGE_YEARS = 3


def _page(form):
    this_year = today_shanghai().year
    overrides = [(override, workday_calendar.official_is_workday(override.day))
                 for override in services.list_overrides()]
    return render_template("admin/calendar.html", form=form, overrides=overrides,
                           coverage=workday_calendar.coverage(range(this_year, this_year + COVERAGE_YEARS)))


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return _page(OverrideForm())


@bp.route("/overrides", methods=["POST"])
@roles_required(Role.ADMIN)
def add_override():
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            override = services.add_override(form.day.data, form.is_workday, form.note.data, actor=current_user)
        except ValidationError as exc:
            db.session.rollback()
            getattr(form, exc.field or "day", form.day).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("已将 %(day)s 设为%(kind)s。", day=override.day.isoformat(),
                    kind=services.kind_label(override.is_workday)), "success")
            return redirect(url_for(".index"))
    return _page(form)


@bp.route("/overrides/<day>/delete", methods=["POST"])
@roles_required(Role.ADMIN)
def remove_override(day):
    try:
        day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        services.remove_override(day, actor=current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已删除 %(day)s 的日历调整。", day=day.isoformat()), "success")
    return redirect(url_for(".index"))
