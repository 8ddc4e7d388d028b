"""The latest assessment run of a month (考核结果): scores, stars and ranks per unit. The
secretariat and leaders read every unit; unit staff their own unit's result."""
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.accounts.models import Role
from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.schemas import AssessmentQuerySchema, AssessmentSchema
from djgc_direct.assessments import services
from djgc_direct.core.errors import NotFound, PermissionDenied

bp = ApiBlueprint("api_assessments", __name__, url_prefix=API_PREFIX,
                  description="Monthly assessments (secretariat and leaders; unit staff: their own unit).")
READERS = frozenset({Role.SECRETARIAT, Role.LEADER, Role.UNIT_STAFF})


@bp.route("/assessments/<period>")
@bp.arguments(AssessmentQuerySchema, location="query")
@bp.response(200, AssessmentSchema)
@bp.refusals(403, 404, 422)
def assessment(args, period):
    """The latest run for a month (YYYY-MM) under a rubric"""
    if current_user.role not in READERS:
        raise PermissionDenied(_("您无权查看考核结果。"))
    services.month_period(period)
    run = services.latest_run(period, args.get("rubric") or services.default_rubric())
    if run is None:
        raise NotFound(_("%(p)s 尚未考核。", p=period))
    results = services.ranked(run)
    city = current_user.role is not Role.UNIT_STAFF
    if not city:
        results = [result for result in results if result.unit_id == current_user.organisation_id]
    return {
        "period": run.period, "run_number": run.run_number, "trigger": run.trigger, "created_at": run.created_at,
        "rubric": {"name": run.rubric.name, "version": run.rubric.version, "title": run.rubric.title,
                   "total": str(run.rubric.total)},
        "results": [{"unit_id": r.unit_id, "unit_name": r.unit_name, "score": r.score, "rank": r.rank,
                     "stars": r.stars, "previous_stars": r.previous_stars, "flagged": r.flagged,
                     "indicators": r.breakdown} for r in results],
        "rollup": run.rollup if city else [],
    }
