"""Test fixtures. DJGC_TEST_DATABASE_URL picks the database server (default: a SQLite file).

On PostgreSQL each run creates its own scratch database and drops it at the end. The schema is
built once per run by the real migrations; after each test every table is emptied.
"""
import contextvars
import os
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from djgc_direct import create_app
from djgc_direct.core.clock import SHANGHAI, FixedClock
from djgc_direct.extensions import db

# Thursday 26 November 2026, 09:00 in Liuzhou: a working day.
DEFAULT_NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def create_scratch_database(server_url, prefix):
    """Create a new, uniquely named PostgreSQL database on the server of `server_url`.

    Each run gets its own, so that parallel runs never drop each other's tables.
    Returns (url of the new database, function that drops it).
    """
    url = sa.engine.make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Tests hold an app context open; without this, requests would share its `g` and its
    database session, hiding bugs that only show when each request stands alone.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    server_url = os.environ.get("DJGC_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'djgc_test.sqlite3'}"
        return
    if sa.engine.make_url(server_url).get_backend_name() != "postgresql":
        yield server_url
        return
    url, drop = create_scratch_database(server_url, "djgc_test")
    yield url
    drop()


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, CLOCK=FixedClock(DEFAULT_NOW))
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Each test runs inside an app context and leaves the database empty behind it."""
    app.extensions["djgc_clock"].set(DEFAULT_NOW)
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def clock(app):
    return app.extensions["djgc_clock"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
