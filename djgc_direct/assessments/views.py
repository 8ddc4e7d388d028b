"""考核: the latest run per month with ranking, stars, honours and roll-up; older runs; the
assessor's form for manual indicators; exports; the admins' rubric pages. Rules: services.py."""
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.assessments import services
from djgc_direct.assessments.models import AssessmentRun, RubricVersion
from djgc_direct.assessments.tables import export_grid
from djgc_direct.core.access import roles_required
from djgc_direct.core.clock import today_shanghai
from djgc_direct.core.errors import DomainError, ValidationError
from djgc_direct.extensions import db
from djgc_direct.metrics import exports
from djgc_direct.metrics.periods import month
from djgc_direct.organisations.models import Level, Organisation

bp = Blueprint("assessments", __name__)

READERS = (Role.SECRETARIAT, Role.LEADER, Role.UNIT_STAFF)
MAX_RUBRIC_BYTES = 256 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period_code():
    """The requested month, else the latest month assessed under the rubric, else last month
    (the one the next scheduled run covers)."""
    code = request.args.get("period") or request.form.get("period")
    if code:
        return code
    latest = services.latest_assessed_period(_rubric_name())
    if latest:
        return latest
    today = today_shanghai()
    return services.previous_month(month(today.year, today.month)).code


def _rubric_name():
    return request.args.get("rubric") or request.form.get("rubric") or services.default_rubric()


def _own_results(run):
    """Unit staff read their own unit's result only."""
    results = services.ranked(run)
    if current_user.role is Role.UNIT_STAFF:
        return [result for result in results if result.unit_id == current_user.organisation_id]
    return results


def _render(run, code, name, status=200, error=None):
    context = {"run": run, "period_code": code, "rubric_name": name, "error": error,
               "level_labels": {level.value: level.label for level in Level},
               "rubric_names": [version.name for version in services.latest_versions()]}
    if run is not None:
        best, weakest = services.honours(run)
        city_view = current_user.role is not Role.UNIT_STAFF
        context.update(rubric=services.parsed(run.rubric), results=_own_results(run),
                       runs=services.runs_for(run.period, run.rubric.name),
                       best=best if city_view else [], weakest=weakest if city_view else [],
                       rollup=run.rollup if city_view else [])
    return render_template("assessments/index.html", **context), status


@bp.route("/assessments/")
@roles_required(*READERS)
def index():
    code, name = _period_code(), _rubric_name()
    try:
        services.month_period(code)
    except ValidationError as error:
        return _render(None, code, name, 422, error.message)
    return _render(services.latest_run(code, name), code, name)


@bp.route("/assessments/runs/<int:run_id>")
@roles_required(*READERS)
def show_run(run_id):
    run = db.session.get(AssessmentRun, run_id) or abort(404)
    return _render(run, run.period, run.rubric.name)


@bp.route("/assessments/run", methods=["POST"])
@roles_required(Role.SECRETARIAT)
def run_now():
    code, name = _period_code(), _rubric_name()
    try:
        run = services.run_latest(code, name, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".index", period=code, rubric=name))
    db.session.commit()
    flash(_("已完成 %(period)s 第 %(n)d 次考核。", period=run.period, n=run.run_number), "success")
    return redirect(url_for(".show_run", run_id=run.id))


@bp.route("/assessments/manual", methods=["GET", "POST"])
@roles_required(Role.SECRETARIAT)
def manual():
    """The assessor's form: one unit's manual indicators for a month under the newest version."""
    code, name = _period_code(), _rubric_name()
    try:
        services.month_period(code)
        version = services.latest_version(name)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".index"))
    units = db.session.scalars(db.select(Organisation).where(Organisation.is_unit.is_(True),
                                                             Organisation.active.is_(True))
                               .order_by(Organisation.name)).all()
    unit_id = request.values.get("unit", type=int) or (units[0].id if units else None)
    unit = db.session.get(Organisation, unit_id) if unit_id else None
    if unit_id and (unit is None or not unit.is_unit):
        abort(404)
    errors = {}
    if request.method == "POST" and unit is not None:
        indicator = request.form.get("indicator", "")
        try:
            services.set_manual_score(version, code, unit, indicator, request.form.get("points", ""),
                                      request.form.get("note"), request.form.get("evidence"), current_user)
        except ValidationError as error:
            db.session.rollback()
            errors[indicator] = error.message
        else:
            db.session.commit()
            flash(_("已保存评分。重新考核后计入结果。"), "success")
            return redirect(url_for(".manual", period=code, rubric=name, unit=unit.id))
    scores = services.manual_scores(version, code, unit.id).get(unit.id, {}) if unit else {}
    return render_template("assessments/manual.html", version=version, rubric=services.parsed(version),
                           period_code=code, units=units, unit=unit, scores=scores, errors=errors,
                           form=request.form), 422 if errors else 200


@bp.route("/assessments/runs/<int:run_id>/export.<fmt>")
@roles_required(*READERS)
def export(run_id, fmt):
    run = db.session.get(AssessmentRun, run_id)
    if run is None or fmt not in ("csv", "xlsx"):
        abort(404)
    header, body = export_grid(services.parsed(run.rubric), _own_results(run))
    stem = f"{run.rubric.title}-{run.period}-{run.run_number}"
    if fmt == "csv":
        data, mimetype = exports.csv_bytes(header, body), "text/csv; charset=utf-8"
    else:
        data, mimetype = exports.xlsx_bytes(run.rubric.title, header, body), XLSX
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=assessment-{run.period}-{run.run_number}.{fmt}; filename*=UTF-8''{quote(stem)}.{fmt}")
    return response


# ---- admins: rubric versions ---------------------------------------------------------------------------

@bp.route("/admin/rubrics/")
@roles_required(Role.ADMIN)
def rubrics():
    return render_template("assessments/rubrics.html", versions=services.rubric_versions())


@bp.route("/admin/rubrics/import", methods=["POST"])
@roles_required(Role.ADMIN)
def import_rubric():
    upload = request.files.get("file")
    data = upload.read(MAX_RUBRIC_BYTES + 1) if upload else b""
    try:
        if not data:
            raise ValidationError(_("请选择考核细则文件(YAML)。"))
        if len(data) > MAX_RUBRIC_BYTES:
            raise ValidationError(_("文件过大(上限 256 KB)。"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("文件须为 UTF-8 编码。")) from None
        version = services.import_rubric(text, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(_("导入失败:%(msg)s", msg=error.message), "error")
        return redirect(url_for(".rubrics"))
    db.session.commit()
    flash(_("已导入 %(name)s 第 %(v)d 版。", name=version.name, v=version.version), "success")
    return redirect(url_for(".rubric", version_id=version.id))


@bp.route("/admin/rubrics/<int:version_id>")
@roles_required(Role.ADMIN)
def rubric(version_id):
    version = db.session.get(RubricVersion, version_id) or abort(404)
    kinds = {"linear": _("线性计分"), "thresholds": _("分档计分"), "deduction": _("扣分"), "manual": _("人工评分")}
    return render_template("assessments/rubric.html", version=version, rubric=services.parsed(version),
                           kind_labels=kinds)
