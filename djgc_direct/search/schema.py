"""Database objects of the search index that live outside the models.

SQLite keeps an FTS5 virtual table (plus the shadow tables FTS5 creates for it) filled by
triggers; PostgreSQL keeps trigram GIN indexes on the searched columns. Both are created by
migration 0007 with dialect-specific DDL, so the models do not declare them, and the schema
comparison (migrations/env.py, tests/test_migrations.py) must not report them as strays.
"""

FTS_TABLE = "search_index"
TRIGRAM_INDEXES = frozenset({"ix_cases_title_trgm", "ix_cases_content_trgm", "ix_annotations_text_trgm",
                             "ix_replies_text_trgm"})


def is_search_table(name):
    """The FTS5 table and its shadow tables (search_index_data, _idx, _content, _docsize, _config)."""
    return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic's include_object hook: leave the search index's own objects out of comparisons."""
    if type_ == "table" and reflected and compare_to is None and is_search_table(name):
        return False
    if type_ == "index" and reflected and compare_to is None and name in TRIGRAM_INDEXES:
        return False
    return True
