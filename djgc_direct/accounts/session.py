"""Flask-Login wiring: a user is loaded only through a live server-side session (pages) or a
live bearer token (the JSON API under /api/)."""
from flask import flash, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from djgc_direct.accounts.services import session_user, token_user
from djgc_direct.extensions import db, login_manager

SESSION_TOKEN_KEY = "sid"
API_PATH_PREFIX = "/api/"


def install_login_manager(app):
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"
    # "strong": a changed browser fingerprint drops the session altogether.
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_user_from_bearer_token)
    login_manager.unauthorized_handler(_unauthorized)


def is_api_request():
    return request.path.startswith(API_PATH_PREFIX)


def load_user(user_id):
    # The API is exempt from CSRF, so it must not honour the session cookie: a cross-site form
    # could otherwise act with the cookie of a logged-in user. API callers send bearer tokens.
    if is_api_request():
        return None
    return session_user(user_id, session.get(SESSION_TOKEN_KEY))


def bearer_token():
    """The token of the request's `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def load_user_from_bearer_token(_request):
    if not is_api_request():
        return None
    user = token_user(bearer_token())
    if user is not None:
        # The token's last use is a transaction of its own, so that read-only requests keep it too.
        db.session.commit()
    return user


def _unauthorized():
    if is_api_request():
        response = jsonify(error={"code": "unauthorized", "message": "authentication required"})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
