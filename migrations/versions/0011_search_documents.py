"""search documents: one bigram document per case on PostgreSQL

Replaces the trigram indexes of 0007 on PostgreSQL (docs/search.md): a trigram index cannot find
a one- or two-character word, which is most of what people type in Chinese, and searching four
columns of three tables cannot stop early at the newest matches. Now each case has one row in
`search_documents` holding the character bigrams of all its text as a tsvector (`terms`: title,
content, annotations, replies, letters merged into it, the digit bigrams of its number) and of its
title alone (`title_terms`), each with a GIN index. Statement-level triggers keep the row in step
with cases, annotations and replies, set-based, so bulk inserts pay once per statement.

The bigrams of "雒容园区" padded with a space are 雒容 容园 园区 "区 ": a word of two characters is
one lexeme, a word of one character a prefix query (x:*), a longer word the AND of its bigrams
(rechecked against the text, since bigrams may come from different places).

SQLite keeps its FTS5 table of 0007; nothing changes there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 03:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

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
  INSERT INTO search_documents AS document (case_id, title_terms, terms)
  SELECT c.id, djgc_search_terms(c.title),
         djgc_search_terms(concat_ws(E'\n', c.title, c.content,
             (SELECT string_agg(a.text, E'\n') FROM annotations a WHERE a.case_id = c.id),
             (SELECT string_agg(r.text, E'\n') FROM replies r WHERE r.case_id = c.id),
             (SELECT string_agg(m.title || E'\n' || m.content, E'\n') FROM cases m WHERE m.merged_into_id = c.id)))
         || djgc_search_number_terms(c.number)
  FROM cases c WHERE c.id = ANY(ids)
  ON CONFLICT (case_id) DO UPDATE SET title_terms = excluded.title_terms, terms = excluded.terms
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
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE search_documents ("
               "case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE, "
               "title_terms tsvector NOT NULL, terms tsvector NOT NULL)")
    for function in (TERMS_FUNCTION, NUMBER_TERMS_FUNCTION, REFRESH_FUNCTION, CASES_TRIGGER_FUNCTION,
                     CHILDREN_TRIGGER_FUNCTION):
        op.execute(function)
    # Fill the table before indexing it: one GIN build is far cheaper than a million inserts.
    op.execute("SELECT djgc_search_refresh(ARRAY(SELECT id FROM cases))")
    op.execute("CREATE INDEX ix_search_documents_terms ON search_documents USING gin (terms)")
    op.execute("CREATE INDEX ix_search_documents_title_terms ON search_documents USING gin (title_terms)")
    for name, (event, table, transitions, function) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transitions} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute("ANALYZE search_documents")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (_event, table, _transitions, _function) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP TABLE IF EXISTS search_documents")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    for name, (table, column) in TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")
