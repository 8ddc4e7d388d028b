"""search index rowids grouped by case (SQLite)

SQLite: a row of the FTS5 table search_index was numbered by its source row (case id × 4,
annotation id × 4 + 1, reply id × 4 + 2), so finding the cases a word is in took a join of every
annotation and reply it is in, and of every letter merged into a case. Now the rowid carries the
case: case id × 2³², plus the kind of text × 2³⁰ (0 the letter, 1 an annotation, 2 a reply, 3 a
letter merged into it) and the annotation's, reply's or merged letter's own id (below 2³⁰). A
merged letter's text is held twice: as its own, and under the case it is merged into (as
PostgreSQL's search documents hold it). A staff search reads the case ids out of the index
(rowid >> 32), and a case's rows are neighbours in rowid order. The triggers of 0011 are replaced
(a row moved to another case, or a letter merged, moves its index rows too) and the index is
rebuilt. PostgreSQL is not touched.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 13:30:00

"""
from alembic import op

from djgc_direct.search.bigrams import SQLITE_FUNCTION


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TEXTS = {"cases": "{0}.title || char(10) || {0}.content", "annotations": "{0}.text", "replies": "{0}.text"}
# Each layout: the rows of search_index a source row has, as (table, rowid, condition), and the
# columns whose update rewrites them.
BY_CASE = (("cases", "{0}.id << 32", None),
           ("cases", "({0}.merged_into_id << 32) | (3 << 30) | {0}.id", "{0}.merged_into_id IS NOT NULL"),
           ("annotations", "({0}.case_id << 32) | (1 << 30) | {0}.id", None),
           ("replies", "({0}.case_id << 32) | (2 << 30) | {0}.id", None))
BY_CASE_UPDATES = {"cases": "title, content, merged_into_id", "annotations": "text, case_id", "replies": "text, case_id"}
BY_SOURCE = (("cases", "{0}.id * 4", None), ("annotations", "{0}.id * 4 + 1", None),  # 0011's
             ("replies", "{0}.id * 4 + 2", None))
BY_SOURCE_UPDATES = {"cases": "title, content", "annotations": "text", "replies": "text"}


def _writes(rows, table, row):
    """The statements writing (row="new") or deleting (row="old") the index rows of `row`."""
    statements = []
    for source, rowid, condition in rows:
        if source != table:
            continue
        values = f"{rowid.format(row)}, {SQLITE_FUNCTION}({TEXTS[table].format(row)})"
        if row == "old":  # a contentless table forgets a row when given its old tokens again
            values = "'delete', " + values
        columns = "search_index, rowid, body" if row == "old" else "rowid, body"
        where = f" WHERE {condition.format(row)}" if condition else ""
        statements.append(f"INSERT INTO search_index ({columns}) SELECT {values}{where}")
    return statements


def _rebuild(rows, updates):
    """search_index made anew in the layout `rows`, with its triggers, and filled."""
    triggers = {}
    for table, columns in updates.items():
        triggers[f"trg_search_{table}_ai"] = ("AFTER INSERT", table, _writes(rows, table, "new"))
        triggers[f"trg_search_{table}_au"] = (f"AFTER UPDATE OF {columns}", table,
                                              _writes(rows, table, "old") + _writes(rows, table, "new"))
        triggers[f"trg_search_{table}_ad"] = ("AFTER DELETE", table, _writes(rows, table, "old"))
    for name in triggers:  # the same names in both layouts
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("CREATE VIRTUAL TABLE search_index USING fts5(body, content='')")
    for name, (event, table, statements) in triggers.items():
        op.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN {'; '.join(statements)}; END")
    for table, rowid, condition in rows:
        where = f" WHERE {condition.format(table)}" if condition else ""
        op.execute(f"INSERT INTO search_index (rowid, body) "
                   f"SELECT {rowid.format(table)}, {SQLITE_FUNCTION}({TEXTS[table].format(table)}) FROM {table}{where}")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(BY_CASE, BY_CASE_UPDATES)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(BY_SOURCE, BY_SOURCE_UPDATES)
