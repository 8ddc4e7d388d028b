"""The inbox: every logged-in user's notifications, and the unread count in every page's header."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from djgc_direct.core.errors import NotFound
from djgc_direct.extensions import db
from djgc_direct.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PER_PAGE = 30


def inject_unread_count():
    """Context processor: the header's unread count (one COUNT query), for logged-in users only."""
    if not getattr(current_user, "is_authenticated", False):
        return {}
    return {"unread_notifications": services.unread_count(current_user)}


@bp.route("/")
def index():
    page = db.paginate(services.inbox(current_user), per_page=PER_PAGE, error_out=False)
    return render_template("notifications/index.html", page=page)


@bp.route("/<int:notification_id>/read", methods=["POST"])
def read(notification_id):
    try:
        services.mark_read(current_user, notification_id)
    except NotFound:
        abort(404)
    db.session.commit()
    page = request.form.get("page", type=int)
    return redirect(url_for(".index", page=page if page and page > 1 else None))


@bp.route("/read-all", methods=["POST"])
def read_all():
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("已将 %(n)d 条通知标为已读。", n=count), "success")
    return redirect(url_for(".index"))
