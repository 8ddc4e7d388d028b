"""Test fixtures. The database comes from DJGC_TEST_DATABASE_URL (default: a SQLite file).

The schema is built once per run by the real migrations; after each test every table is emptied.
"""
import os
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from djgc_direct import create_app
from djgc_direct.core.clock import SHANGHAI, FixedClock
from djgc_direct.extensions import db

# Thursday 26 November 2026, 09:00 in Liuzhou: a working day.
DEFAULT_NOW = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)


def test_database_url(tmp_path_factory):
    url = os.environ.get("DJGC_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'djgc_test.sqlite3'}"


def reset_database(engine):
    """Drop everything so that the migrations start from an empty database."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    else:
        meta = sa.MetaData()
        meta.reflect(engine)
        meta.drop_all(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, CLOCK=FixedClock(DEFAULT_NOW))
    with app.app_context():
        reset_database(db.engine)
        upgrade()
        db.session.remove()
    return app


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
