"""djgc_direct — the case-handling system of Liuzhou's 党代表直通车 (Party Representative Direct Line)."""
import os

import sqlalchemy as sa

from flask import Flask, has_request_context, request
from flask_login import current_user

from config import ROOT, INSECURE_SECRET_KEYS, MIN_SECRET_KEY_LENGTH, ProductionConfig, get_config
from djgc_direct.core.clock import SystemClock
from djgc_direct.search import bigrams


def create_app(config_name=None, **overrides):
    """Build the application. `overrides` replace configuration keys (tests use them)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    config_class = get_config(config_name)
    app.config.from_object(config_class)
    app.config.update(overrides)
    app.json.ensure_ascii = False  # audit records and API answers keep their Chinese readable
    _check_production_secrets(app, config_class)
    app.extensions["djgc_clock"] = overrides.get("CLOCK") or SystemClock()

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def _check_production_secrets(app, config_class):
    if not issubclass(config_class, ProductionConfig):
        return
    key = app.config.get("SECRET_KEY")
    if key in INSECURE_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            f"production needs SECRET_KEY in the environment: a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters (python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if "DATABASE_URL" not in os.environ:
        raise RuntimeError("production needs DATABASE_URL in the environment")


def register_extensions(app):
    from djgc_direct import models  # noqa: F401  (every table known before migrations run)
    from djgc_direct.accounts.session import install_login_manager
    from djgc_direct.api import init_api
    from djgc_direct.extensions import babel, csrf, db, migrate
    from djgc_direct.i18n import select_locale

    db.init_app(app)
    _configure_sqlite(app, db)

    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_login_manager(app)
    init_api(app)


SQLITE_MMAP_BYTES = 256 * 1024 * 1024  # address space, not memory: pages stay the OS's to evict
# How long a writer waits for SQLite's write lock. SQLite does not queue waiters: each retries after
# a sleep, so with 50 clients through 16 gunicorn threads a submission now and then lost every
# retry for 10 s (the limit before: 1 to 2 errors in some runs of 1,000 letters, ~50 ms a write).
# Below gunicorn's 60 s worker timeout (config/gunicorn.conf.py).
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _configure_sqlite(app, db):
    """WAL mode, a busy timeout, foreign keys, memory-mapped reads and the search index's function
    for every SQLite connection.

    A request that writes begins its transaction with BEGIN IMMEDIATE, so concurrent writers
    queue on the busy timeout instead of failing when a read snapshot cannot become a write.
    Everything else keeps pysqlite's default (a transaction opens at the first write).
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The search index's triggers cut text into bigram tokens with this (search/bigrams.py).
        dbapi_connection.create_function(bigrams.SQLITE_FUNCTION, 1, bigrams.sqlite_tokens, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses no committed transaction on an application crash and
            # avoids an fsync per commit (only a power loss can drop the last commits).
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Reads straight from the OS's page cache instead of copying each page into the
            # connection's own small cache: a search of 道路 at 100,000 letters 6.0 → 4.9 ms.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        dbapi_connection = connection.connection.dbapi_connection
        if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
            dbapi_connection.isolation_level = None  # we open the transaction ourselves
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            dbapi_connection.isolation_level = ""  # pysqlite's default: BEGIN before the first write


def register_blueprints(app):
    from djgc_direct.accounts.views import bp as accounts_bp
    from djgc_direct.accounts.admin_views import bp as users_admin_bp
    from djgc_direct.assessments.views import bp as assessments_bp
    from djgc_direct.api import register_api
    from djgc_direct.cases.views import bp as cases_bp
    from djgc_direct.core.access import enforce_login
    from djgc_direct.deadlines.views import bp as deadlines_bp
    from djgc_direct.documents.views import bp as documents_bp
    from djgc_direct.main.views import bp as main_bp
    from djgc_direct.metrics.views import bp as metrics_bp
    from djgc_direct.notifications import register as register_notifications
    from djgc_direct.organisations.views import bp as organisations_bp
    from djgc_direct.search.views import bp as search_bp

    app.before_request(enforce_login)
    for blueprint in (main_bp, accounts_bp, users_admin_bp, organisations_bp, deadlines_bp, cases_bp,
                      documents_bp, search_bp, metrics_bp, assessments_bp):
        app.register_blueprint(blueprint)
    register_notifications(app)
    register_api(app)


def register_errorhandlers(app):
    from djgc_direct.main.errors import install_error_handlers

    install_error_handlers(app)


def register_commands(app):
    from djgc_direct.cli import djgc

    app.cli.add_command(djgc)


def register_template_helpers(app):
    from djgc_direct.cases.badges import deadline_badge, status_badge
    from djgc_direct.core.widgets import choice_items
    from djgc_direct.i18n import current_language, local_datetime

    app.add_template_filter(local_datetime, "localtime")
    app.add_template_global(status_badge)
    app.add_template_global(deadline_badge)
    app.add_template_global(choice_items)

    @app.context_processor
    def inject_globals():
        return {"current_language": current_language(), "languages": app.config["LANGUAGES"]}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        if current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
