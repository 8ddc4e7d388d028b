"""search: an FTS5 trigram index on SQLite, trigram GIN indexes on PostgreSQL

The searched text is cases.title and content, annotations.text and replies.text (docs/search.md).
On SQLite one FTS5 table holds a row per text, kept in step by triggers; its rowid encodes the
source (case id*4, annotation id*4+1, reply id*4+2) so a trigger finds its row by key, and
`public` marks what a representative may search (not internal annotations, not replies that are
not approved). PostgreSQL searches the columns themselves: GIN indexes need no syncing.

Note for later migrations: on SQLite a batch_alter_table of cases, annotations or replies
recreates the table and drops its triggers; such a migration must create them again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 10:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

CASE_ROW = "VALUES (new.id * 4, new.title || char(10) || new.content, new.id, 1)"
ANNOTATION_ROW = "VALUES (new.id * 4 + 1, new.text, new.case_id, new.internal = 0)"
REPLY_ROW = "VALUES (new.id * 4 + 2, new.text, new.case_id, new.status = 'approved')"
INSERT = "INSERT INTO search_index (rowid, body, case_id, public) "

SQLITE_TRIGGERS = {
    # name: (event, table, statements)
    "trg_search_cases_ai": ("AFTER INSERT", "cases", INSERT + CASE_ROW),
    "trg_search_cases_au": ("AFTER UPDATE OF title, content", "cases",
                            "DELETE FROM search_index WHERE rowid = old.id * 4; " + INSERT + CASE_ROW),
    "trg_search_cases_ad": ("AFTER DELETE", "cases", "DELETE FROM search_index WHERE rowid = old.id * 4"),
    "trg_search_annotations_ai": ("AFTER INSERT", "annotations", INSERT + ANNOTATION_ROW),
    "trg_search_annotations_au": ("AFTER UPDATE OF text, internal, case_id", "annotations",
                                  "DELETE FROM search_index WHERE rowid = old.id * 4 + 1; "
                                  + INSERT + ANNOTATION_ROW),
    "trg_search_annotations_ad": ("AFTER DELETE", "annotations",
                                  "DELETE FROM search_index WHERE rowid = old.id * 4 + 1"),
    "trg_search_replies_ai": ("AFTER INSERT", "replies", INSERT + REPLY_ROW),
    "trg_search_replies_au": ("AFTER UPDATE OF text, status, case_id", "replies",
                              "DELETE FROM search_index WHERE rowid = old.id * 4 + 2; " + INSERT + REPLY_ROW),
    "trg_search_replies_ad": ("AFTER DELETE", "replies", "DELETE FROM search_index WHERE rowid = old.id * 4 + 2"),
}

TRIGRAM_INDEXES = {
    "ix_cases_title_trgm": ("cases", "title"),
    "ix_cases_content_trgm": ("cases", "content"),
    "ix_annotations_text_trgm": ("annotations", "text"),
    "ix_replies_text_trgm": ("replies", "text"),
}


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE search_index USING fts5("
                   "body, case_id UNINDEXED, public UNINDEXED, tokenize = 'trigram')")
        for name, (event, table, statements) in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN {statements}; END")
        # Index the rows that exist already.
        op.execute(INSERT + "SELECT id * 4, title || char(10) || content, id, 1 FROM cases")
        op.execute(INSERT + "SELECT id * 4 + 1, text, case_id, internal = 0 FROM annotations")
        op.execute(INSERT + "SELECT id * 4 + 2, text, case_id, status = 'approved' FROM replies")
    elif dialect == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, (table, column) in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
    else:
        raise NotImplementedError(f"search index for {dialect}")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_index")
    elif dialect == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        # The pg_trgm extension stays: other objects of the database may use it, and it holds no data.
