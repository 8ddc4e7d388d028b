"""search by character bigrams, on both databases

Replaces the trigram indexes of 0007 (docs/search.md): a trigram index cannot find a one- or
two-character word, which is most of what people type in Chinese.

SQLite: the FTS5 table search_index becomes contentless and holds the text cut into bigram
tokens by djgc_bigram_tokens(), a function the app registers on every connection
(djgc_direct/search/bigrams.py); the triggers stay, computing the tokens. A contentless table
stores no copy of the text; a row is deleted by giving its tokens again ('delete' command).

PostgreSQL: searching four columns of three tables cannot stop early at the newest matches. Now
each case has one row in `search_documents` holding the character bigrams of all its text as a
tsvector (`terms`: title, content, annotations, replies, letters merged into it, the digit bigrams
of its number) with a GIN index. Statement-level triggers keep the row in step with cases,
annotations and replies, set-based, so bulk inserts pay once per statement.

The bigrams of "雒容园区" padded with a space are 雒容 容园 园区 "区 ": a word of two characters is
one lexeme, a word of one character a prefix query (x:*), a longer word the AND of its bigrams
(rechecked against the text, since bigrams may come from different places).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 03:00:00

"""
from alembic import op

from djgc_direct.search.bigrams import SQLITE_FUNCTION


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# ---- SQLite ----------------------------------------------------------------------------------

def _tokens(text):
    return f"{SQLITE_FUNCTION}({text})"


CASE_TEXT, ANNOTATION_TEXT, REPLY_TEXT = "{0}.title || char(10) || {0}.content", "{0}.text", "{0}.text"
SOURCES = {  # table: (text of a row, its rowid in search_index)
    "cases": (CASE_TEXT, "{0}.id * 4"),
    "annotations": (ANNOTATION_TEXT, "{0}.id * 4 + 1"),
    "replies": (REPLY_TEXT, "{0}.id * 4 + 2"),
}


def _bigram_triggers():
    triggers = {}
    for table, (text, rowid) in SOURCES.items():
        insert = (f"INSERT INTO search_index (rowid, body) VALUES ({rowid.format('new')}, "
                  f"{_tokens(text.format('new'))})")
        delete = (f"INSERT INTO search_index (search_index, rowid, body) VALUES ('delete', {rowid.format('old')}, "
                  f"{_tokens(text.format('old'))})")
        columns = "title, content" if table == "cases" else "text"
        triggers[f"trg_search_{table}_ai"] = ("AFTER INSERT", table, insert)
        triggers[f"trg_search_{table}_au"] = (f"AFTER UPDATE OF {columns}", table, f"{delete}; {insert}")
        triggers[f"trg_search_{table}_ad"] = ("AFTER DELETE", table, delete)
    return triggers


BIGRAM_TRIGGERS = _bigram_triggers()

# The trigram table of 0007, restored on downgrade.
TRIGRAM_ROWS = {
    "cases": "{0}.id * 4, {0}.title || char(10) || {0}.content, {0}.id, 1",
    "annotations": "{0}.id * 4 + 1, {0}.text, {0}.case_id, {0}.internal = 0",
    "replies": "{0}.id * 4 + 2, {0}.text, {0}.case_id, {0}.status = 'approved'",
}
TRIGRAM_UPDATE_OF = {"cases": "title, content", "annotations": "text, internal, case_id",
                     "replies": "text, status, case_id"}
TRIGRAM_ROWID = {"cases": "{0}.id * 4", "annotations": "{0}.id * 4 + 1", "replies": "{0}.id * 4 + 2"}


def _trigram_triggers():
    triggers = {}
    for table, row in TRIGRAM_ROWS.items():
        insert = f"INSERT INTO search_index (rowid, body, case_id, public) VALUES ({row.format('new')})"
        delete = f"DELETE FROM search_index WHERE rowid = {TRIGRAM_ROWID[table].format('old')}"
        triggers[f"trg_search_{table}_ai"] = ("AFTER INSERT", table, insert)
        triggers[f"trg_search_{table}_au"] = (f"AFTER UPDATE OF {TRIGRAM_UPDATE_OF[table]}", table,
                                              f"{delete}; {insert}")
        triggers[f"trg_search_{table}_ad"] = ("AFTER DELETE", table, delete)
    return triggers


def _create_triggers(triggers):
    for name, (event, table, statements) in triggers.items():
        op.execute(f"CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN {statements}; END")


def _drop_triggers(triggers):
    for name in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade_sqlite():
    _drop_triggers(BIGRAM_TRIGGERS)  # the same names as those of 0007
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("CREATE VIRTUAL TABLE search_index USING fts5(body, content='')")
    _create_triggers(BIGRAM_TRIGGERS)
    for table, (text, rowid) in SOURCES.items():
        op.execute(f"INSERT INTO search_index (rowid, body) "
                   f"SELECT {rowid.format(table)}, {_tokens(text.format(table))} FROM {table}")


def downgrade_sqlite():
    _drop_triggers(BIGRAM_TRIGGERS)
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("CREATE VIRTUAL TABLE search_index USING fts5("
               "body, case_id UNINDEXED, public UNINDEXED, tokenize = 'trigram')")
    _create_triggers(_trigram_triggers())
    for table, row in TRIGRAM_ROWS.items():
        op.execute(f"INSERT INTO search_index (rowid, body, case_id, public) SELECT {row.format(table)} FROM {table}")


# ---- PostgreSQL ------------------------------------------------------------------------------

TRIGRAM_INDEXES = {  # those of 0007, restored on downgrade
    "ix_cases_title_trgm": ("cases", "title"),
    "ix_cases_content_trgm": ("cases", "content"),
    "ix_annotations_text_trgm": ("annotations", "text"),
    "ix_replies_text_trgm": ("replies", "text"),
}

# Every pair of neighbouring characters of lower(body) || ' ': the pairs starting at odd and at
# even positions, cut by regexp_replace (substr() in a loop is quadratic on multibyte text).
TERMS_FUNCTION = r"""
CREATE FUNCTION djgc_search_terms(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(array_remove(
      string_to_array(regexp_replace(padded, '(..)', E'\\1\x01', 'g'), E'\x01')
      || string_to_array(regexp_replace(substr(padded, 2), '(..)', E'\\1\x01', 'g'), E'\x01'), ''))
  FROM (SELECT lower(body) || ' ' AS padded) AS text
$$
"""

# Only the bigrams with a digit: "0173" finds 直通〔2026〕0173号, but "直通" does not find every case.
NUMBER_TERMS_FUNCTION = r"""
CREATE FUNCTION djgc_search_number_terms(number text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_to_tsvector(ARRAY(
      SELECT gram FROM unnest(tsvector_to_array(djgc_search_terms(number))) AS gram WHERE gram ~ '[0-9]')),
    ''::tsvector)
$$
"""

REFRESH_FUNCTION = r"""
CREATE FUNCTION djgc_search_refresh(ids integer[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO search_documents AS document (case_id, terms)
  SELECT c.id,
         djgc_search_terms(concat_ws(E'\n', c.title, c.content,
             (SELECT string_agg(a.text, E'\n') FROM annotations a WHERE a.case_id = c.id),
             (SELECT string_agg(r.text, E'\n') FROM replies r WHERE r.case_id = c.id),
             (SELECT string_agg(m.title || E'\n' || m.content, E'\n') FROM cases m WHERE m.merged_into_id = c.id)))
         || djgc_search_number_terms(c.number)
  FROM cases c WHERE c.id = ANY(ids)
  ON CONFLICT (case_id) DO UPDATE SET terms = excluded.terms
$$
"""

# A case's document also holds the letters merged into it: moving a letter refreshes both targets.
CASES_TRIGGER_FUNCTION = r"""
CREATE FUNCTION djgc_search_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM djgc_search_refresh(ARRAY(
      SELECT id FROM new_rows UNION SELECT merged_into_id FROM new_rows WHERE merged_into_id IS NOT NULL));
  ELSE
    PERFORM djgc_search_refresh(ARRAY(
      SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE (n.title, n.content, n.number) IS DISTINCT FROM (o.title, o.content, o.number)
      UNION
      SELECT target FROM new_rows n JOIN old_rows o ON o.id = n.id,
             LATERAL (VALUES (n.merged_into_id), (o.merged_into_id)) AS targets (target)
       WHERE target IS NOT NULL
         AND (n.title, n.content, n.merged_into_id) IS DISTINCT FROM (o.title, o.content, o.merged_into_id)));
  END IF;
  RETURN NULL;
END
$$
"""

CHILDREN_TRIGGER_FUNCTION = r"""
CREATE FUNCTION djgc_search_children_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM djgc_search_refresh(ARRAY(SELECT DISTINCT case_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM djgc_search_refresh(ARRAY(SELECT DISTINCT case_id FROM old_rows));
  ELSE
    PERFORM djgc_search_refresh(ARRAY(
      SELECT target FROM new_rows n JOIN old_rows o ON o.id = n.id,
             LATERAL (VALUES (n.case_id), (o.case_id)) AS targets (target)
       WHERE (n.text, n.case_id) IS DISTINCT FROM (o.text, o.case_id)));
  END IF;
  RETURN NULL;
END
$$
"""

# A trigger with transition tables serves one event.
TRIGGERS = {
    # name: (event, table, transition tables, function)
    "trg_search_cases_insert": ("INSERT", "cases", "NEW TABLE AS new_rows", "djgc_search_cases_changed"),
    "trg_search_cases_update": ("UPDATE", "cases", "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                                "djgc_search_cases_changed"),
    **{f"trg_search_{table}_{event.lower()}": (event, table, transitions, "djgc_search_children_changed")
       for table in ("annotations", "replies")
       for event, transitions in (("INSERT", "NEW TABLE AS new_rows"),
                                  ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                  ("DELETE", "OLD TABLE AS old_rows"))},
}
FUNCTIONS = ("djgc_search_cases_changed()", "djgc_search_children_changed()", "djgc_search_refresh(integer[])",
             "djgc_search_number_terms(text)", "djgc_search_terms(text)")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        upgrade_sqlite()
    else:
        upgrade_postgresql()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        downgrade_sqlite()
    else:
        downgrade_postgresql()


def upgrade_postgresql():
    op.execute("CREATE TABLE search_documents ("
               "case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE, "
               "terms tsvector NOT NULL)")
    for function in (TERMS_FUNCTION, NUMBER_TERMS_FUNCTION, REFRESH_FUNCTION, CASES_TRIGGER_FUNCTION,
                     CHILDREN_TRIGGER_FUNCTION):
        op.execute(function)
    # Fill the table before indexing it: one GIN build is far cheaper than a million inserts.
    op.execute("SELECT djgc_search_refresh(ARRAY(SELECT id FROM cases))")
    op.execute("CREATE INDEX ix_search_documents_terms ON search_documents USING gin (terms)")
    for name, (event, table, transitions, function) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transitions} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ANALYZE search_documents")


def downgrade_postgresql():
    for name, (_event, table, _transitions, _function) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP TABLE IF EXISTS search_documents")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    for name, (table, column) in TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
