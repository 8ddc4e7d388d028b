"""search index: one row per case (SQLite)

SQLite: search_index held a row per text (the letter, each annotation, each reply, each letter
merged into a case), so a search for two words was the INTERSECT of each word's cases: FTS5
evaluated every word over the whole index (5 ms for 雒容工业园区 and 拖欠农民工工资 at 100,000
cases). Now, as PostgreSQL's search documents, a case has one row (rowid = case id) holding all
its text: title and letter, annotations, replies and the letters merged into it, in that order,
each text on a line of its own (a pair of characters is never cut across two texts). All the words
are then one FTS5 query, `w1 AND w2`, which evaluates the second word only where the first is
(2 ms). A representative's matches are rechecked against the text they may read.

A contentless table forgets a row when given its old tokens again, so each write deletes the rows
of the cases it touches in a BEFORE trigger, from the text as it still is, and writes them again
in an AFTER trigger. PostgreSQL is not touched.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 16:30:00

"""
import importlib.util
from pathlib import Path

from alembic import op

from djgc_direct.search.bigrams import SQLITE_FUNCTION


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _lines(select):
    """`select` (one text column) as its rows joined by line breaks, after a line break; '' for none."""
    return f"coalesce((SELECT char(10) || group_concat(line, char(10)) FROM ({select})), '')"


# The text of case `c` that its index row holds (each part in the order of its rows' ids).
CASE_TEXT = (
    "c.title || char(10) || c.content"
    f" || {_lines('SELECT text AS line FROM annotations WHERE case_id = c.id ORDER BY id')}"
    f" || {_lines('SELECT text AS line FROM replies WHERE case_id = c.id ORDER BY id')}"
    f" || {_lines('SELECT m.title || char(10) || m.content AS line FROM cases AS m WHERE m.merged_into_id = c.id ORDER BY m.id')}"
)

# Per table: the columns whose update changes a case's row, and the cases a row of it touches.
SOURCES = {
    "cases": ("title, content, merged_into_id", "{0}.id, {0}.merged_into_id"),
    "annotations": ("text, case_id", "{0}.case_id"),
    "replies": ("text, case_id", "{0}.case_id"),
}
TRIGGERS_0015 = [f"trg_search_{table}_{event}" for table in SOURCES for event in ("ai", "au", "ad")]


def _rows(command, cases):
    """The statement deleting (command="delete") or writing the index rows of `cases` (SQL list)."""
    if command == "delete":
        return (f"INSERT INTO search_index (search_index, rowid, body) SELECT 'delete', c.id, "
                f"{SQLITE_FUNCTION}({CASE_TEXT}) FROM cases AS c WHERE c.id IN ({cases})")
    return f"INSERT INTO search_index (rowid, body) SELECT c.id, {SQLITE_FUNCTION}({CASE_TEXT}) FROM cases AS c WHERE c.id IN ({cases})"


def _triggers():
    """{name: (event, table, statement)}: each write forgets the rows of the cases it touches
    before, and writes them after. An update touches the cases of its old row and its new one."""
    triggers = {}
    for table, (columns, touched) in SOURCES.items():
        old, new = touched.format("OLD"), touched.format("NEW")
        for event, when, cases in (("insert", "INSERT", new), ("update", f"UPDATE OF {columns}", f"{old}, {new}"),
                                   ("delete", "DELETE", old)):
            triggers[f"trg_search_{table}_before_{event}"] = (f"BEFORE {when}", table, _rows("delete", cases))
            triggers[f"trg_search_{table}_after_{event}"] = (f"AFTER {when}", table, _rows("write", cases))
    return triggers


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS_0015:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("CREATE VIRTUAL TABLE search_index USING fts5(body, content='')")
    for name, (event, table, statement) in _triggers().items():
        op.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN {statement}; END")
    op.execute(f"INSERT INTO search_index (rowid, body) SELECT c.id, {SQLITE_FUNCTION}({CASE_TEXT}) FROM cases AS c")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    # 0015's layout, as its own upgrade builds it (it drops and fills search_index anew).
    path = Path(__file__).with_name("0015_search_rowids_by_case.py")
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.upgrade()
