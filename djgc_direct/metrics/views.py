"""办理指标: dashboards, the cases behind each figure, and the tables as CSV/XLSX. Views read the
request, call services and render; the rules (and all SQL) live in services.py."""
from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.cases.models import Case
from djgc_direct.cases.services import visible_cases
from djgc_direct.core.access import roles_required
from djgc_direct.core.errors import ValidationError
from djgc_direct.extensions import db
from djgc_direct.metrics import access, exports, services
from djgc_direct.metrics.periods import parse_period
from djgc_direct.metrics.tables import TABLES, export_grid

bp = Blueprint("metrics", __name__, url_prefix="/metrics")

DASHBOARD_ROLES = (Role.SECRETARIAT, Role.LEADER, Role.UNIT_STAFF)
PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period():
    """The requested period, or (for a page) this month with the reason the request was refused."""
    try:
        return parse_period(request.args.get("period"), request.args.get("from"), request.args.get("to")), None
    except ValidationError as error:
        return parse_period(), error.message


def _own_unit_only(unit_id):
    """Unit staff read their own unit's figures and nothing else."""
    if not access.may_read_unit(current_user, unit_id):
        abort(404)


def _subtree(nodes, root_id):
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node.key)
    found, stack = set(), [root_id]
    while stack:
        key = stack.pop()
        found.add(key)
        stack.extend(children.get(key, []))
    return found


def city_view(period, org_id=None):
    """What the city dashboard shows: totals, one level of the tree, units, leaders, delegations."""
    nodes = services.tree(period)
    by_id = {node.key: node for node in nodes}
    current = by_id.get(org_id)
    parent_key = current.key if current else None
    children = [node for node in nodes if (node.parent_id == parent_key if current else node.parent_id not in by_id)]
    trail, node = [], current
    while node is not None:
        trail.insert(0, node)
        node = by_id.get(node.parent_id)
    units = services.units(period)
    if current is not None:
        inside = _subtree(nodes, current.key)
        units = services.rank([unit for unit in units if unit.key in inside])
    return {
        "totals": {family: services.total(family, period)
                   for family in (services.HANDLING, services.ANNOTATION, services.INTAKE)},
        "current": current, "trail": trail, "children": children, "units": units,
        "leaders": services.leaders(period), "delegations": services.delegations(period),
    }


@bp.route("/")
@roles_required(*DASHBOARD_ROLES)
def index():
    if current_user.role is Role.UNIT_STAFF:
        if not current_user.organisation_id:
            abort(403)
        return redirect(url_for("metrics.unit", unit_id=current_user.organisation_id, **request.args))
    period, error = _period()
    view = city_view(period, request.args.get("org", type=int))
    return render_template("metrics/index.html", period=period, period_error=error, tables=TABLES,
                           **view), 422 if error else 200


@bp.route("/units/<int:unit_id>")
@roles_required(*DASHBOARD_ROLES)
def unit(unit_id):
    _own_unit_only(unit_id)
    period, error = _period()
    rows = services.units(period, unit_ids=[unit_id])
    if not rows:
        abort(404)
    return render_template("metrics/unit.html", period=period, period_error=error, row=rows[0], tables=TABLES,
                           trend=services.unit_trend(unit_id)), 422 if error else 200


@bp.route("/cases")
@roles_required(*DASHBOARD_ROLES)
def cases():
    """The cases behind one figure, among those the user may see."""
    scope, scope_id = request.args.get("scope") or None, request.args.get("id", type=int)
    family, metric = request.args.get("family", ""), request.args.get("metric", "")
    if current_user.role is Role.UNIT_STAFF and (scope != "unit" or scope_id != current_user.organisation_id):
        abort(404)
    if scope is not None and scope_id is None:
        abort(404)
    period, error = _period()
    try:
        if error:
            raise ValidationError(error)
        ids = services.case_ids(period, family, metric, scope, scope_id)
    except ValidationError as exc:
        return render_template("metrics/cases.html", page=None, error=exc.message, period=period), 422
    stmt = visible_cases(current_user).where(Case.id.in_(ids)).order_by(Case.id.desc())
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("metrics/cases.html", page=page, error=None, period=period,
                           label=services.COUNT_LABELS[family][metric], scope=scope, scope_id=scope_id,
                           family=family, metric=metric)


@bp.route("/export/<name>.<fmt>")
@roles_required(*DASHBOARD_ROLES)
def export(name, fmt):
    table = TABLES.get(name)
    if table is None or fmt not in ("csv", "xlsx"):
        abort(404)
    period, error = _period()
    if error:
        abort(422)
    unit_id = request.args.get("unit", type=int)
    if current_user.role is Role.UNIT_STAFF:
        if name not in ("units", "trend"):
            abort(403)
        unit_id = unit_id or current_user.organisation_id
        _own_unit_only(unit_id)
    if name == "trend" and unit_id is None:
        abort(404)
    header, body = export_grid(table, _export_rows(name, period, unit_id))
    stem = f"{table.title}-{period.code or period.start.isoformat() + '_' + period.end.isoformat()}"
    if fmt == "csv":
        data, mimetype = exports.csv_bytes(header, body), "text/csv; charset=utf-8"
    else:
        data, mimetype = exports.xlsx_bytes(str(table.title), header, body), XLSX
    response = Response(data, mimetype=mimetype)
    # RFC 6266: an ASCII fallback name, and the Chinese one percent-encoded.
    response.headers["Content-Disposition"] = (
        f"attachment; filename=metrics-{name}.{fmt}; filename*=UTF-8''{quote(stem)}.{fmt}")
    return response


def _export_rows(name, period, unit_id):
    if name == "trend":
        return services.unit_trend(unit_id)
    if name == "units":
        return services.units(period, unit_ids=None if unit_id is None else [unit_id])
    return {"tree": services.tree, "leaders": services.leaders, "delegations": services.delegations}[name](period)
