"""Language choice and local-time display (store UTC, show Asia/Shanghai)."""
from flask import current_app, has_request_context, request, session
from flask_babel import format_datetime, to_user_timezone

LANGUAGE_SESSION_KEY = "lang"


def select_locale():
    if not has_request_context():  # command line and scheduler: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(current_app.config["LANGUAGES"]))
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language():
    return select_locale()


MINUTES = "yyyy-MM-dd HH:mm"


def local_datetime(value, fmt=MINUTES):
    """Format an aware UTC datetime in Asia/Shanghai (Flask-Babel's default timezone)."""
    if value is None:
        return ""
    if fmt == MINUTES:  # what format_datetime gives, digits only, without Babel's pattern work (a list has 30)
        return to_user_timezone(value).strftime("%Y-%m-%d %H:%M")
    return format_datetime(value, fmt)
