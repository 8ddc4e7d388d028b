"""Login, logout and password change."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from djgc_direct.accounts import services
from djgc_direct.accounts.forms import ChangePasswordForm, LoginForm
from djgc_direct.accounts.session import SESSION_TOKEN_KEY
from djgc_direct.core.access import is_safe_redirect, public
from djgc_direct.core.errors import ValidationError
from djgc_direct.extensions import db
from djgc_direct.i18n import LANGUAGE_SESSION_KEY

bp = Blueprint("accounts", __name__)


def _open_session(user):
    """A fresh session at every login: nothing from before survives but the language."""
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language
    session.permanent = True
    session[SESSION_TOKEN_KEY] = services.start_session(
        user, user_agent=request.user_agent.string, ip_address=request.remote_addr)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    next_url = request.args.get("next")
    if form.validate_on_submit():
        user, error = services.authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.commit()  # the failure count and its audit record
            form.password.errors.append(error)
        else:
            _open_session(user)
            db.session.commit()
            return redirect(next_url if is_safe_redirect(next_url) else url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    services.end_session(session.get(SESSION_TOKEN_KEY), current_user)
    db.session.commit()
    language = session.get(LANGUAGE_SESSION_KEY)
    logout_user()
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language
    flash(_("您已安全退出。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as exc:
            getattr(form, exc.field or "new_password").errors.append(exc.message)
        else:
            _open_session(current_user._get_current_object())
            db.session.commit()
            flash(_("密码已修改,其他设备上的登录已失效。"), "success")
            return redirect(url_for("main.home"))
    db.session.rollback()
    min_length = current_app.config["PASSWORD_MIN_LENGTH"]
    return render_template("auth/change_password.html", form=form, min_length=min_length)
