"""Flask-Login wiring: a user is loaded only through a live server-side session."""
from flask import flash, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l

from djgc_direct.accounts.services import session_user
from djgc_direct.extensions import login_manager

SESSION_TOKEN_KEY = "sid"


def install_login_manager(app):
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "info"
    # "strong": a changed browser fingerprint drops the session altogether.
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)


def load_user(user_id):
    return session_user(user_id, session.get(SESSION_TOKEN_KEY))


def _unauthorized():
    if request.path.startswith("/api/"):
        response = jsonify(error={"code": "unauthorized", "message": "authentication required"})
        response.status_code = 401
        return response
    flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
