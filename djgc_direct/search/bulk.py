"""Loading many cases at once (the benchmark generator, an import): PostgreSQL's search documents
are built once at the end instead of being rewritten by the triggers after every statement.

A case's document is refreshed when the case is inserted, then again for its annotations and its
replies; in a bulk load each refresh also writes ~150 GIN entries and a dead row version, which
made loading 1,000,000 cases take hours. Here the triggers are off during the load and the
documents are written in one pass, their GIN indexes built after them (as pg_restore does).
SQLite's index triggers are cheap enough to stay on (and SQLite cannot switch triggers off).
"""
from contextlib import contextmanager

from djgc_direct.extensions import db

SOURCE_TABLES = ("cases", "annotations", "replies")
DOCUMENT_INDEXES = {"ix_search_documents_terms": "terms"}


def _execute(sql):
    db.session.execute(db.text(sql))


@contextmanager
def bulk_load():
    """Within the caller's transaction: switch the search triggers off, let the caller insert, then
    rebuild every search document. Needs ownership of the tables (ALTER TABLE)."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    for table in SOURCE_TABLES:
        _execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    for table in SOURCE_TABLES:
        _execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    rebuild_documents()


def rebuild_documents():
    """PostgreSQL: every case's search document written afresh, then its GIN indexes built."""
    for name in DOCUMENT_INDEXES:
        _execute(f"DROP INDEX IF EXISTS {name}")
    _execute("TRUNCATE search_documents")
    _execute("SELECT djgc_search_refresh(ARRAY(SELECT id FROM cases))")
    for name, column in DOCUMENT_INDEXES.items():
        _execute(f"CREATE INDEX {name} ON search_documents USING gin ({column})")
    _execute("ANALYZE search_documents")
