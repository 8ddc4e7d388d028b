"""Admin pages for deadlines: the working-day calendar (overrides and the coverage of the coming
years) and the time limits and reminder ladder (时限设置)."""
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
from djgc_direct.deadlines.forms import DeadlineSettingsForm, OverrideForm
from djgc_direct.extensions import db

bp = Blueprint("deadlines", __name__, url_prefix="/admin")

# This year and the next two: deadlines set now (at most 60 + 30 working days, see services.LIMITS) and the
# schedules admins should enter ahead of time all fall in them.
COVERAGE_YEARS = 3


def _page(form):
    this_year = today_shanghai().year
    overrides = [(override, workday_calendar.official_is_workday(override.day))
                 for override in services.list_overrides()]
    return render_template("admin/calendar.html", form=form, overrides=overrides,
                           coverage=workday_calendar.coverage(range(this_year, this_year + COVERAGE_YEARS)))


@bp.route("/calendar/")
@roles_required(Role.ADMIN)
def index():
    return _page(OverrideForm())


@bp.route("/calendar/overrides", methods=["POST"])
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


@bp.route("/calendar/overrides/<day>/delete", methods=["POST"])
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


@bp.route("/deadlines", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def settings():
    form = DeadlineSettingsForm(data=services.deadline_settings())
    if form.validate_on_submit():
        try:
            changed = services.update_deadline_settings(form.values(), actor=current_user)
        except ValidationError as exc:
            db.session.rollback()
            form[exc.field].errors.append(exc.message)
        else:
            db.session.commit()
            if changed:
                # Each change is translated on its own line: the extractor does not see a call nested in another.
                parts = [_("%(label)s %(n)d 个工作日", label=services.LIMITS[key].label, n=n)
                         for key, n in changed.items()]
                flash(_("时限设置已保存:%(changes)s。", changes=";".join(parts)), "success")
            else:
                flash(_("时限设置没有改动。"), "info")
            return redirect(url_for(".settings"))
    return render_template("admin/deadline_settings.html", form=form, defaults=services.default_settings())
