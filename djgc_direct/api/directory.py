"""Who can be written to and who can handle a case: the leaders and the handling units."""
from djgc_direct.accounts.services import leaders
from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.schemas import LeaderSchema, UnitSchema
from djgc_direct.organisations.services import handling_units

bp = ApiBlueprint("api_directory", __name__, url_prefix=API_PREFIX,
                  description="The municipal leaders and the handling units, for the ids the case endpoints take.")


@bp.route("/leaders")
@bp.response(200, LeaderSchema(many=True))
@bp.refusals()
def list_leaders():
    """Active municipal leaders, in order of precedence"""
    return leaders()


@bp.route("/units")
@bp.response(200, UnitSchema(many=True))
@bp.refusals()
def list_units():
    """Active handling units (承办单位)"""
    return handling_units()
