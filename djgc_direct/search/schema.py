"""Database objects of the search index that live outside the models.

SQLite keeps an FTS5 virtual table (plus the shadow tables FTS5 creates for it) filled by
triggers (migration 0016); PostgreSQL keeps a table of bigram documents with GIN indexes, filled
by triggers (migration 0011). Both are created with dialect-specific DDL, so the models do not
declare them, and the schema comparison (migrations/env.py, tests/test_migrations.py) must not
report them as strays.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

FTS_TABLE = "search_index"  # SQLite: a row per case, its rowid the case's id (migration 0016)
DOCUMENTS_TABLE = "search_documents"

# PostgreSQL: one row per case (migration 0011).
documents = sa.table(DOCUMENTS_TABLE, sa.column("case_id", sa.Integer), sa.column("terms", postgresql.TSVECTOR))


def is_search_table(name):
    """The FTS5 table and its shadow tables (search_index_data, _idx, _content, _docsize, _config),
    and PostgreSQL's table of search documents."""
    return name in (FTS_TABLE, DOCUMENTS_TABLE) or name.startswith(FTS_TABLE + "_")


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic's include_object hook: leave the search index's own objects out of comparisons."""
    if type_ == "table" and reflected and compare_to is None and is_search_table(name):
        return False
    return True
