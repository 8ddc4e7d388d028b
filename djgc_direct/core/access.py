"""Access control that is on by default.

Every endpoint requires a logged-in user unless its view is marked `@public`; the check runs
before each request (`enforce_login`), so a new route is protected without anyone remembering
to protect it. Role checks use `@roles_required`; query scoping lives with each domain model.
"""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_login import current_user

from djgc_direct.extensions import login_manager

# Endpoints provided by Flask itself that carry no data.
PUBLIC_ENDPOINTS = frozenset({"static"})


def public(view):
    """Mark a view as reachable without logging in."""
    view.is_public = True
    return view


def is_public_endpoint(endpoint):
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def enforce_login():
    """`before_request` hook: refuse anonymous access to any non-public endpoint."""
    if request.endpoint is None or is_public_endpoint(request.endpoint):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def roles_required(*roles):
    """Allow the view only to users holding one of `roles` (403 otherwise)."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


def is_safe_redirect(target):
    """Only same-site relative paths are safe targets for `next`."""
    if not target or not isinstance(target, str):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
