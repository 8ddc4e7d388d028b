"""Bearer tokens: issued for a username and password (throttled like the login page), revoked
by their holder."""
from flask_login import current_user

from djgc_direct.accounts import services
from djgc_direct.accounts.session import bearer_token
from djgc_direct.api.base import API_PREFIX, ApiBlueprint
from djgc_direct.api.errors import error_response
from djgc_direct.api.schemas import TokenRequestSchema, TokenSchema
from djgc_direct.core.access import public
from djgc_direct.extensions import db

bp = ApiBlueprint("api_auth", __name__, url_prefix=f"{API_PREFIX}/auth",
                  description="Bearer tokens for the API.")


@bp.route("/token", methods=["POST"])
@public
@bp.doc(security=[])
@bp.arguments(TokenRequestSchema)
@bp.response(201, TokenSchema)
@bp.refusals()
def issue_token(credentials):
    """Get a bearer token

    Wrong passwords count towards the account's lock, as on the login page.
    """
    user, problem = services.authenticate(credentials["username"], credentials["password"])
    if user is None:
        db.session.commit()  # the failure count and its audit record: the lock depends on them
        return error_response(401, "unauthorized", problem)
    token, api_token = services.issue_token(user, name=credentials.get("name"))
    db.session.commit()
    return {"token": token, "name": api_token.name, "expires_at": api_token.expires_at}


@bp.route("/token", methods=["DELETE"])
@bp.response(204)
@bp.refusals()
def revoke_token():
    """Revoke the token this request is made with"""
    services.revoke_token(bearer_token(), current_user)
    db.session.commit()
