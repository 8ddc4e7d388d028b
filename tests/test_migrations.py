"""Migrations build the schema from empty, match the models, and come back down cleanly.

Runs on the suite's database engine (SQLite or PostgreSQL), in a scratch database of its own.
The search index (SQLite's FTS5 tables, PostgreSQL's search documents) is made by raw DDL and
not declared in the models; the comparison leaves it out with the same hook as migrations/env.py,
and the downgrade must still remove it.
"""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from djgc_direct import create_app
from djgc_direct.extensions import db
from djgc_direct.search.schema import include_object, is_search_table
from tests.conftest import create_scratch_database


@pytest.fixture
def scratch_url(database_url, tmp_path):
    if sa.engine.make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url, drop = create_scratch_database(database_url, "djgc_migrations")
    yield url
    drop()


def _tables(engine):
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def _model_tables(engine):
    return {name for name in _tables(engine) if not is_search_table(name)}


def test_upgrade_matches_models_and_downgrade_empties(scratch_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        upgrade()
        assert _model_tables(db.engine) == set(db.metadata.tables)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"

        downgrade(revision="base")
        assert _tables(db.engine) == set()

        upgrade()  # and up again: downgrades leave nothing behind that blocks a new upgrade
        assert _model_tables(db.engine) == set(db.metadata.tables)
        db.session.remove()
        db.engine.dispose()


def test_single_head():
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
