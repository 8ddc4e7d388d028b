"""Responsiveness metrics (docs/metrics.md) for one period, grouped by handling unit, leader,
delegation, or organisation (the roll-up along the four levels). Who may read what is decided
in djgc_direct.metrics.access, as for the dashboards."""
from flask_login import current_user

from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.schemas import MetricsQuerySchema, MetricsSchema
from djgc_direct.metrics import access, services
from djgc_direct.metrics.periods import parse_period

bp = ApiBlueprint("api_metrics", __name__, url_prefix=API_PREFIX,
                  description="Responsiveness metrics (secretariat and leaders; unit staff: their own unit).")

GROUPS = {"unit": services.units, "level": services.tree, "leader": services.leaders,
          "delegation": services.delegations}


def _row(row):
    return {
        "id": row.key, "name": row.name, "level": row.level.value if row.level else None,
        "parent_id": row.parent_id, "rank": row.rank,
        "counts": {name: (str(value) if name == "money" else value) for name, value in row.counts.items()},
        "rates": {name: {"value": rate.value, "numerator": rate.numerator, "denominator": rate.denominator,
                         "flagged": rate.flagged} for name, rate in row.rates.items()},
    }


@bp.route("/metrics")
@bp.arguments(MetricsQuerySchema, location="query")
@bp.response(200, MetricsSchema)
@bp.refusals(403)
def metrics(args):
    """Figures per unit, level (organisation with its subtree), leader or delegation for a period
    (YYYY-MM, YYYY-Qn, YYYY, or from/to)"""
    group = args["group"]
    access.check_group(current_user, group)
    period = parse_period(args.get("period"), args.get("from_"), args.get("to"))
    if group == "unit":
        rows = services.units(period, unit_ids=access.unit_ids(current_user))
    else:
        rows = GROUPS[group](period)
    return {"period": {"code": period.code, "label": period.label, "start": period.start, "end": period.end},
            "group": group, "min_cases": services.min_cases(), "rows": [_row(row) for row in rows]}
