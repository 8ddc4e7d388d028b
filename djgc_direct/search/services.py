"""Search over cases: the words of a query matched in the title, content, annotations and replies,
combined with filters and a sort, paginated, scoped to what the user may see, with highlighted
snippets. One service, two backends (docs/search.md):

- SQLite: the contentless FTS5 table `search_index`, a row per case (rowid = case id) holding the
  character bigrams of all its text as tokens (search/bigrams.py), filled by triggers: a word is
  the phrase of its bigrams, exact, and all the words one query.
- PostgreSQL: the table `search_documents`, one row of character bigrams per case (tsvector with
  a GIN index), filled by triggers: a word of two characters is one lexeme, of one character a
  prefix, a longer one the AND of its bigrams, rechecked against the text.

Every word of a query must occur (AND), each as literal text: quotes, `*`, `NEAR`, `OR`, `%`,
`_` are just characters. Representatives match only what they may read: not internal
annotations, not replies the secretariat has not approved.

A search returns at most MAX_RESULTS cases, the newest (or oldest) matches. On PostgreSQL, words
few documents hold are read at once through the index; common words (and lists without words) in
slices of ids, newest first, so that a word in half the letters stops as early as a rare one.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime, time, timedelta
from time import monotonic

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased

from djgc_direct.accounts.models import Role, User
from djgc_direct.accounts.services import leader_choices_statement
from djgc_direct.cases.models import (
    Annotation, Assignment, Case, CaseLeader, CaseStatus, Category, Reply, ReplyStatus,
)
from djgc_direct.cases.services import visible_cases_filter
from djgc_direct.core.clock import SHANGHAI, today_shanghai
from djgc_direct.core.errors import ValidationError
from djgc_direct.core.pagination import Page
from djgc_direct.deadlines.stages import overdue_clause
from djgc_direct.extensions import db
from djgc_direct.organisations.services import delegation_choices_statement, unit_choices_statement
from djgc_direct.search import bigrams
from djgc_direct.search.schema import DOCUMENTS_TABLE, FTS_TABLE, documents

MAX_QUERY = 100  # characters of a query that are read; the rest is ignored
MAX_TERMS = 8
SNIPPET_WIDTH = 80
MAX_PER_PAGE = 100
# A search shows this many cases at most, the newest (or oldest) matches, ranked among themselves;
# with more, it asks for more words or filters. Fifteen pages of twenty: more than anyone pages
# through. It was 1,000: a word in 8 % of a million letters then read 12,800 documents, not 3,800
# (PostgreSQL: 20 against 6 ms).
MAX_RESULTS = 300
FIRST_SLICE = 20_000  # ids in the first slice of a PostgreSQL search; each next one is 4× wider
SLICE_FROM = 5_000  # PostgreSQL: when fewer documents may hold the words, one query reads them all
SORTS = ("relevance", "newest", "oldest")
LIKE_ESCAPE = "/"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FTS = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer), sa.column("body"))


# ---- the words of a query ---------------------------------------------------------------------

def terms_of(query):
    """The distinct words of `query` (split on any whitespace, the ideographic space included)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", str(query or ""))[:MAX_QUERY])
    terms = []
    for word in text.split():
        if word.casefold() not in {term.casefold() for term in terms}:
            terms.append(word)
    return terms[:MAX_TERMS]


def _like_pattern(term):
    """A LIKE pattern finding `term` anywhere, with LIKE_ESCAPE as its escape character."""
    escaped = term.replace(LIKE_ESCAPE, 2 * LIKE_ESCAPE).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return "%" + escaped + "%"


def _is_sqlite():
    return db.session.get_bind().dialect.name == "sqlite"


def _fts_match(match):
    return sa.literal_column(FTS_TABLE).op("MATCH")(match)


def _fts_cases(match):
    """SQLite: SELECT the ids of the cases whose text holds what the FTS5 query `match` finds (a
    row of the index per case, its rowid the case's id: migration 0016)."""
    return sa.select(_FTS.c.rowid).where(_fts_match(match))


def _lexeme(text, prefix=False):
    """`text` as one quoted tsquery lexeme: inside quotes nothing is syntax ('' and \\ escape)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")


def _has_digit(term):
    return any(ch.isdigit() for ch in term)


def term_query(term, first_only=False, rarest_only=False):
    """PostgreSQL: the tsquery (as text) finding the documents that may contain `term`: its
    bigrams, ANDed (with `first_only` its first bigram alone, with `rarest_only` the one fewest
    documents hold); a single character as a prefix of a bigram. A word with a digit may be part
    of a case number, whose document holds only the bigrams with a digit, so only those are asked."""
    if len(term) == 1:
        return _lexeme(term.lower(), prefix=True)
    grams = bigrams.pairs(term)
    if _has_digit(term):
        grams = [gram for gram in grams if _has_digit(gram)]
    if rarest_only:
        frequencies = _bigram_frequencies()
        grams = [min(grams, key=lambda gram: frequencies.get(gram, 0.0))]
    return " & ".join(_lexeme(gram) for gram in grams[:1 if first_only else None])


# PostgreSQL's statistics of the documents: how often each of the most common bigrams occurs.
# They only choose which bigram the index is asked for, never what is found, so a copy a few
# minutes old is as good; reading them each time would cost a query.
FREQUENCIES_KEPT_SECONDS = 600
_frequencies = {"read_at": None, "of": {}}


def _bigram_frequencies():
    """{bigram: share of documents holding it} for the most common bigrams (ANALYZE's sample); a
    bigram not among them is rarer than any that is."""
    read_at = _frequencies["read_at"]
    if read_at is None or monotonic() - read_at > FREQUENCIES_KEPT_SECONDS:
        row = db.session.execute(sa.text(
            "SELECT most_common_elems::text::text[] AS elements, most_common_elem_freqs AS shares FROM pg_stats "
            "WHERE schemaname = current_schema() AND tablename = :table AND attname = 'terms'"),
            {"table": DOCUMENTS_TABLE}).first()
        found = dict(zip(row.elements, row.shares)) if row and row.elements else {}
        _frequencies.update({"read_at": monotonic(), "of": found})
    return _frequencies["of"]


def _exact(term):
    """Whether a document holding the bigrams of `term` surely holds `term` (no recheck needed)."""
    return len(term) <= 2 and not _has_digit(term)


def _cased(term):
    """Whether `term` has letters in upper and lower case (Chinese has none)."""
    return term.lower() != term.upper()


def _words_query(terms, rarest_only=False):
    """PostgreSQL: the tsquery (as text) of documents that may hold every one of `terms`: all
    their bigrams, or with `rarest_only` each word's rarest (a superset, rechecked: a word longer
    than two characters always is). An AND of eleven bigrams each in 4–7 % of a million documents
    cost the index 19.6 ms, of the two rarest 6.5 ms, for the same 1,108 documents."""
    return " & ".join(f"({term_query(term, rarest_only=rarest_only)})" for term in terms)


def _holding_documents(query, cap):
    """PostgreSQL: how many documents the tsquery `query` (text) finds, counted up to `cap` (it
    reads up to `cap` rows of the documents table: ~25 ms at 5,000)."""
    query = sa.cast(query, postgresql.TSQUERY)
    holding = sa.select(sa.literal(1)).select_from(documents).where(documents.c.terms.op("@@")(query)).limit(cap)
    return db.session.scalar(sa.select(sa.func.count()).select_from(holding.subquery()))


# ---- the words as statements ------------------------------------------------------------------
# Building a search's SELECT, and SQLAlchemy's cache key for it, cost more than running it on a
# small database (~4 ms for two words on SQLite). So its clauses are built once for each shape of
# query (how many words, of which kind, for whom) with bind parameters, whose values `Words` holds.

class Shape(NamedTuple):
    """What a search statement is built for, apart from its values (a key of its caches)."""
    dialect: str  # "sqlite" or "postgresql"
    public_only: bool  # a representative's search: only text they may read
    kinds: tuple  # per word: (has a digit, exact in the index, has upper and lower case)
    common_longest: int | None  # PostgreSQL, common words: the word whose rarest bigram is asked


@dataclass(frozen=True)
class Words:
    """The words of a query as a search statement takes them: `shape` picks the statement (built
    once), `params` are the values of its bind parameters."""
    shape: Shape | None  # None: no words
    params: dict

    @classmethod
    def of(cls, terms, public_only, sqlite, common=False, asked=None):
        """PostgreSQL: `asked`, the tsquery (text) the index is asked (by default every bigram of
        every word); `common`: many documents hold the words, and the index is asked for the rarest
        bigram of the longest word only, every other word rechecked (_rechecks)."""
        longest = max(range(len(terms)), key=lambda i: len(terms[i])) if terms else None
        kinds = tuple((_has_digit(term), _exact(term), _cased(term)) for term in terms)
        params = {f"like_{i}": _like_pattern(term) for i, term in enumerate(terms)}
        params.update({f"word_{i}": term for i, term in enumerate(terms)})
        if sqlite:
            # The words without a digit are one FTS5 query; one with a digit may be in the case
            # number instead, which the index does not hold, so it is asked on its own.
            plain = [bigrams.sqlite_query(term) for term in terms if not _has_digit(term)]
            if plain:
                params["match"] = " AND ".join(f"({match})" for match in plain)
            params.update({f"match_{i}": bigrams.sqlite_query(term) for i, term in enumerate(terms) if _has_digit(term)})
        elif terms:
            params["words"] = term_query(terms[longest], rarest_only=True) if common else asked or _words_query(terms)
        shape = Shape("sqlite" if sqlite else "postgresql", public_only, kinds, longest if common else None)
        return cls(shape if terms else None, params)


@functools.lru_cache(maxsize=256)
def _rechecks(shape):
    """PostgreSQL: the WHERE clauses checking the words of `shape` in the case's text that the user
    may read, where the document's bigrams do not settle it. A word the index was asked for whole
    needs no recheck when it is exact; the document holds text a representative may not read, so
    their matches are always rechecked. With many documents holding the words, the index is asked
    for one bigram of the longest word only: PostgreSQL estimates an AND of bigrams as if they were
    independent (农民 and 民工 are not), takes the words for rare and reads every document holding
    them; asked for one bigram, it estimates right and walks the newest ids instead."""
    _dialect, public_only, kinds, common_longest = shape
    return tuple(_contains(i, digit, cased, public_only, "postgresql") for i, (digit, exact, cased) in enumerate(kinds)
                 if public_only or not exact or common_longest not in (None, i))


def _asked():
    return sa.cast(sa.bindparam("words", type_=sa.String), postgresql.TSQUERY)


@functools.cache
def _holding_cte():
    """PostgreSQL, words taken for rare: the documents that may hold them, read through the
    index, at most "holding_cap" of them (bind parameter). The statement matches within them and
    counts them (`_found`), so the index is read once; when it was cut short, the words are
    common and the search is run again slice by slice (`_planned`). One object, as the statement
    refers to it twice."""
    return (sa.select(documents.c.case_id).where(documents.c.terms.op("@@")(_asked()))
            .limit(sa.bindparam("holding_cap")).cte("holding").prefix_with("MATERIALIZED"))


def _holds(column, i, cased, dialect):
    """`column` contains word `i`: ILIKE for a word with letters in upper and lower case, else
    where it is. ILIKE lower-cases every row's text first: on PostgreSQL it cost 5 µs a letter
    against 0.9 µs for strpos (at a million letters, 4.9 against 0.9 s over 100,000 of them)."""
    if cased:
        return column.ilike(sa.bindparam(f"like_{i}", type_=sa.String), escape=LIKE_ESCAPE)
    position = sa.func.instr if dialect == "sqlite" else sa.func.strpos
    return position(column, sa.bindparam(f"word_{i}", type_=sa.String)) > 0


def _contains(i, digit, cased, public_only, dialect):
    """The case's text that the user may read contains word `i` (the exact recheck)."""
    def holds(column):
        return _holds(column, i, cased, dialect)

    annotations = sa.select(Annotation.id).where(Annotation.case_id == Case.id, holds(Annotation.text))
    replies = sa.select(Reply.id).where(Reply.case_id == Case.id, holds(Reply.text))
    if public_only:
        annotations = annotations.where(Annotation.internal.is_(False))
        replies = replies.where(Reply.status == ReplyStatus.APPROVED)
    places = [holds(Case.title), holds(Case.content), annotations.exists(), replies.exists()]
    if digit:
        places.append(holds(Case.number))
    if not public_only:
        merged = aliased(Case)
        places.append(sa.select(merged.id).where(merged.merged_into_id == Case.id, sa.or_(
            holds(merged.title), holds(merged.content))).exists())
    return sa.or_(*places)


@functools.lru_cache(maxsize=256)
def text_clause(shape):
    """SQLite: a WHERE clause, the case holds every word of a Words of `shape` in text the user may
    read (the words are bind parameters, Words.params): one FTS5 query of the words without a digit
    ("match"; a case is a row, so `w1 AND w2` finds the words in any of its texts); a word with a
    digit in the index or in the case number, which no index holds (0173 finds 直通〔2026〕0173号).
    A letter merged into a case is part of its row, so its words find that case too. The index
    holds every text of a case, so a representative's matches are rechecked in what they may read
    (not the other representative's merged letter). PostgreSQL's statements walk the documents
    instead (_found)."""
    _dialect, public_only, kinds, _common = shape
    clauses = []
    if not all(digit for digit, _exact, _cased in kinds):
        clauses.append(Case.id.in_(_fts_cases(sa.bindparam("match", type_=sa.String))))
    for i, (digit, _exact_word, cased) in enumerate(kinds):
        if digit:
            clauses.append(sa.or_(Case.id.in_(_fts_cases(sa.bindparam(f"match_{i}", type_=sa.String))),
                                  _holds(Case.number, i, cased, "sqlite")))
        if public_only:
            clauses.append(_contains(i, digit, cased, public_only, "sqlite"))
    return sa.and_(*clauses)


def naming_clause(names):
    """A WHERE clause for similar-letter candidates: the case may name one of `names`. SQLite:
    its text holds one of them. PostgreSQL: its document holds the first bigram of one of them
    (雒容 for 雒容工业园区), a superset the caller's scoring narrows by the names themselves. An
    AND of a name's bigrams, or a recheck of the name, made the planner take a place named in one
    letter in fifty for a rare word and read every document holding it (145 ms at a million
    cases); asked one bigram, it walks the newest cases (8 ms)."""
    if _is_sqlite():
        return Case.id.in_(_fts_cases(" OR ".join(f"({bigrams.sqlite_query(name)})" for name in names)))
    query = sa.cast(" | ".join(f"({term_query(name, first_only=True)})" for name in names), postgresql.TSQUERY)
    return Case.id.in_(sa.select(documents.c.case_id).where(documents.c.terms.op("@@")(query)))


# ---- highlighting -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _pattern(terms):
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(text, terms, width=None):
    """`text` as safe HTML with each occurrence of `terms` in <mark>; everything else escaped.
    With `width`, only a window of about that many characters around the first occurrence
    (None when there is none)."""
    if not terms:
        return escape(text)
    pattern = _pattern(tuple(terms))
    start, end = 0, len(text)
    if width:
        first = pattern.search(text)
        if first is None:
            return None
        start = max(0, first.start() - width // 3)
        end = min(len(text), start + width)
    # Every piece of the text is escaped; the pieces are joined as plain strings and marked safe
    # once (Markup's own join and % escape each piece again: 40 titles and snippets a page).
    parts = ["…"] if start > 0 else []
    position = start
    for found in pattern.finditer(text, start, end):
        parts += [escape(text[position:found.start()]), "<mark>", escape(found.group()), "</mark>"]
        position = found.end()
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return Markup("".join(parts))


SNIPPET_SOURCES = {"content": _l("来信"), "annotation": _l("批示"), "reply": _l("答复"),
                   "merged_letter": _l("并入的来信")}


@dataclass(frozen=True)
class Snippet:
    source: str  # a key of SNIPPET_SOURCES
    html: Markup


def _snippets(cases, public_only, terms):
    """{case id: Snippet}: where `terms` first occur in the text of each of `cases` the user may
    read — the letter, then its annotations, its replies and (staff only) the letters merged into
    it. Most letters hold the words themselves; the other texts are read, in one query, only for
    the cases whose letter does not."""
    found = {}
    for case in cases:
        html = highlight(case.content, terms, width=SNIPPET_WIDTH)
        if html is not None:
            found[case.id] = Snippet("content", html)
    missing = [case.id for case in cases if case.id not in found]
    if missing:
        for case_id, source, text in db.session.execute(_other_texts_statement(public_only), {"ids": missing}):
            if case_id not in found:
                html = highlight(text, terms, width=SNIPPET_WIDTH)
                if html is not None:
                    found[case_id] = Snippet(source, html)
    return found


@functools.lru_cache(maxsize=2)
def _other_texts_statement(public_only):
    """(case id, source, text) of the annotations, replies and merged letters of the cases "ids"
    that the user may read, in the order a snippet looks at them."""
    ids = sa.bindparam("ids", expanding=True)
    annotations = sa.select(Annotation.case_id, sa.literal("annotation"), Annotation.text, sa.literal(1), Annotation.id) \
        .where(Annotation.case_id.in_(ids))
    replies = sa.select(Reply.case_id, sa.literal("reply"), Reply.text, sa.literal(2), Reply.id).where(Reply.case_id.in_(ids))
    if public_only:
        texts = [annotations.where(Annotation.internal.is_(False)), replies.where(Reply.status == ReplyStatus.APPROVED)]
    else:
        merged = sa.select(Case.merged_into_id, sa.literal("merged_letter"), Case.title + "\n" + Case.content,
                           sa.literal(3), Case.id).where(Case.merged_into_id.in_(ids))
        texts = [annotations, replies, merged]
    union = sa.union_all(*texts).subquery()
    case_id, source, text, order, row_id = union.c
    return sa.select(case_id, source, text).order_by(order, row_id)


# ---- the search -------------------------------------------------------------------------------

# The search form's filters whose choices come from the database: their statements of (id, name, position).
FILTER_CHOICES = {"leader_id": leader_choices_statement, "unit_id": unit_choices_statement,
                  "delegation_id": delegation_choices_statement}


def filter_choices():
    """{form field: [(id, name)]}: the choices of the search's leader, unit and delegation
    filters, each in its own order, read in one statement (three were ~2 ms of round trips on
    PostgreSQL)."""
    choices = {field: [] for field in FILTER_CHOICES}
    for field, choice_id, name in db.session.execute(_filter_choices_statement()):
        choices[field].append((choice_id, name))
    return choices


@functools.cache
def _filter_choices_statement():
    parts = []
    for field, statement in FILTER_CHOICES.items():
        rows = statement().subquery()
        parts.append(sa.select(sa.literal(field, sa.String).label("field"), rows.c.id, rows.c.name, rows.c.position))
    union = sa.union_all(*parts).subquery()
    return sa.select(union.c.field, union.c.id, union.c.name).order_by(union.c.field, union.c.position)


@dataclass
class Hit:
    case: sa.Row  # the case's columns a hit shows (_hits_statement), its representative's name too
    title: Markup
    snippet: Snippet | None


@dataclass
class Results:
    pagination: Page  # of the first MAX_RESULTS matches at most
    hits: list
    terms: list
    more: bool  # more than MAX_RESULTS cases match


def _enum(cls, value, field):
    if value is None or value == "":
        return None
    if isinstance(value, cls):
        return value
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(_("筛选条件取值无效。"), field=field) from None


def _local_start(day):
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def filter_values(*, status=None, leader_id=None, unit_id=None, delegation_id=None, category=None,
                  date_from=None, date_to=None, overdue=None):
    """The filters given, checked, as the values of FILTERS' bind parameters; dates are local
    (Asia/Shanghai) days of first submission."""
    values = {"status": _enum(CaseStatus, status, "status"), "category": _enum(Category, category, "category"),
              "leader_id": leader_id or None, "unit_id": unit_id or None, "delegation_id": delegation_id or None,
              "date_from": date_from and _local_start(date_from),
              "date_to": date_to and _local_start(date_to + timedelta(days=1))}
    if overdue is not None:
        values["overdue" if overdue else "not_overdue"] = today_shanghai()
    return {name: value for name, value in values.items() if value is not None}


def _value(name):
    return sa.bindparam("filter_" + name)


# The WHERE clause of each filter, its value a bind parameter "filter_<name>" (filter_values).
FILTERS = {
    "status": lambda: Case.status == _value("status"),
    "category": lambda: Case.category == _value("category"),
    "leader_id": lambda: Case.id.in_(sa.select(CaseLeader.case_id).where(CaseLeader.leader_id == _value("leader_id"))),
    "unit_id": lambda: Case.id.in_(sa.select(Assignment.case_id).where(Assignment.unit_id == _value("unit_id"))),
    "delegation_id": lambda: Case.representative_id.in_(
        sa.select(User.id).where(User.delegation_id == _value("delegation_id"))),
    "date_from": lambda: Case.first_submitted_at >= _value("date_from"),
    "date_to": lambda: Case.first_submitted_at < _value("date_to"),
    "overdue": lambda: overdue_clause(_value("overdue")),
    "not_overdue": lambda: sa.not_(overdue_clause(_value("not_overdue"))),
}


def _sort(sort, terms):
    sort = sort or ("relevance" if terms else "newest")
    if sort not in SORTS:
        raise ValidationError(_("排序方式无效。"), field="sort")
    return sort


def _slices(newest_first):
    """[low, high) ranges of case ids covering them all, from the newest (or the oldest) on, each
    four times wider than the one before."""
    end = (db.session.scalar(sa.select(sa.func.max(Case.id))) or 0) + 1
    width, low, high = FIRST_SLICE, end, 0
    if newest_first:
        while low > 0:
            high, low = low, max(0, low - width)
            yield low, high
            width *= 4
    else:
        while high < end:
            low, high = high, min(end, high + width)
            yield low, high
            width *= 4


def _one_lexeme(terms):
    """Whether the index is asked for one bigram only (a two-character word): the planner
    estimates one lexeme right from its statistics, so slicing needs no count of ours (which
    costs ~25 ms for a word in 8 % of a million documents); a rare one is found in a few cheap
    index lookups, one per slice."""
    return len(terms) == 1 and len(terms[0]) == 2 and _exact(terms[0])


def _planned(user, terms, newest_first, run):
    """The rows of `run(words, slices, params)` — a Words, how many slices of ids to look in, and
    the bind parameters of both — for the plan that suits the words. On PostgreSQL common words
    (and lists without words) go slice by slice, so that they stop in the first slice; words few
    documents hold are read at once, through the index. Words of one bigram are taken for common
    (the planner estimates a single lexeme right); others are tried as rare, at most SLICE_FROM
    documents, and run again in slices when more may hold them. SQLite's FTS5 subquery is
    evaluated whole whatever the range, so it takes none."""
    sqlite, public_only = _is_sqlite(), user.role is Role.REPRESENTATIVE
    if sqlite or not terms:
        words = Words.of(terms, public_only, sqlite)
        return run(words, *_sliced(words, [] if sqlite else _slices(newest_first)))
    if not _one_lexeme(terms):
        # Each word's rarest bigram first; when that leaves too many documents (bigrams common
        # alone, rare together), every bigram.
        for asked in dict.fromkeys([_words_query(terms, rarest_only=True), _words_query(terms)]):
            words = Words.of(terms, public_only, sqlite, asked=asked)
            slices, params = _sliced(words, [])
            rows = run(words, slices, {**params, "holding_cap": SLICE_FROM})
            # No row says nothing of how many documents were read: count them.
            holding = rows[0].holding if rows else _holding_documents(asked, SLICE_FROM)
            if holding < SLICE_FROM:
                return rows
    words = Words.of(terms, public_only, sqlite, common=True)
    return run(words, *_sliced(words, _slices(newest_first)))


def _sliced(words, slices):
    """How many slices, and the bind parameters of the words and of each slice's ids."""
    slices = list(slices)
    params = dict(words.params)
    for k, (low, high) in enumerate(slices):
        params[f"low_{k}"], params[f"high_{k}"] = low, high
    return len(slices), params


def _streamed(shape):
    """Whether a search with Words of `shape` reads SQLite's index in case order (_found): words
    without a digit (which may be in the case number instead), for the staff (a representative's
    matches are rechecked in what they may read)."""
    if shape is None or shape.dialect != "sqlite" or shape.public_only:
        return False
    return not any(digit for digit, _exact_word, _cased in shape.kinds)


def _found(scope, shape, clauses, newest_first, slices, ranked):
    """SELECT the id (and with `ranked` the rank: 0 with every word in the title, else 1) of the
    first "cap" cases (bind parameter) by id, newest or oldest first, in `scope`, passing
    `clauses` and holding the words of `shape` (a Words' shape; None: no words), looked for in
    `slices` ranges of ids "low_<k>" to "high_<k>" (none: everywhere). The slices are one UNION
    ALL, read in order: PostgreSQL stops in the first slice that holds enough."""
    columns = [Case.id]
    if ranked:
        dialect, _public_only, kinds, _common = shape
        in_title = sa.and_(*[_holds(Case.title, i, cased, dialect) for i, (_digit, _exact, cased) in enumerate(kinds)])
        columns.append(sa.case((in_title, 0), else_=1).label("rank"))

    if _streamed(shape):
        # The staff's words, on SQLite: the index gives the matching cases in id order, so they are
        # read from the newest (or oldest) on until enough have passed. Looked up as a list
        # instead, every match was collected first and the cases walked from the newest: 4.1
        # against 2.3 ms for a word in 8 % of 100,000 letters.
        rowid = _FTS.c.rowid
        return (sa.select(*columns).select_from(_FTS).join(Case, Case.id == rowid)
                .where(_fts_match(sa.bindparam("match", type_=sa.String)), scope, *clauses)
                .order_by(rowid.desc() if newest_first else rowid.asc()).limit(sa.bindparam("cap")))

    def part(id_range):
        if shape and shape.dialect == "postgresql":
            # The documents that may hold the words are taken from the newest (or oldest) on, and
            # looked up in cases one by one until enough have passed: common words walk the
            # documents themselves, rare ones the few the GIN index found (_holding_cte), in order.
            # Joined, PostgreSQL walked both tables side by side (21 against 16 ms for 道路 at
            # 1M), or, for a later slice, every case above it (280 ms): it does not carry the
            # range across the join, nor see that a merge join must first walk down to the range;
            # for rare words it looked up every document found before sorting them. A LATERAL
            # subquery with OFFSET 0 (which PostgreSQL may not flatten) is looked up once for each
            # document taken.
            found = documents
            if shape.common_longest is None:  # sorted before any is looked up, so the lookups stop at "cap"
                holding = _holding_cte()
                order = holding.c.case_id.desc() if newest_first else holding.c.case_id.asc()
                found = sa.select(holding.c.case_id).order_by(order).offset(0).subquery("held")
            key = found.c.case_id
            case = (sa.select(*columns).where(Case.id == key, scope, *clauses, *_rechecks(shape))
                    .offset(0).lateral("found_case"))
            # The documents' key, not the case's: the slices' Merge Append needs the parts' order.
            stmt = (sa.select(key.label("id"), *[column for column in case.c if column.name != "id"])
                    .select_from(found).join(case, sa.true()))
            if found is documents:
                stmt = stmt.where(documents.c.terms.op("@@")(_asked()))
            walk = key.desc() if newest_first else key.asc()
        else:
            key, walk = Case.id, Case.id.desc() if newest_first else Case.id.asc()
            stmt = sa.select(*columns).where(scope, *clauses)
            if shape:
                stmt = stmt.where(text_clause(shape))
        if id_range:
            stmt = stmt.where(key >= sa.bindparam(id_range[0]), key < sa.bindparam(id_range[1]))
        return stmt.order_by(walk).limit(sa.bindparam("cap"))

    if not slices:
        if shape and shape.dialect == "postgresql":  # words taken for rare: how many documents were read
            holding = _holding_cte()
            columns.append(sa.select(sa.func.count()).select_from(holding).scalar_subquery().label("holding"))
        return part(None)
    parts = [part((f"low_{k}", f"high_{k}")) for k in range(slices)]
    if slices == 1:
        return parts[0]
    union = sa.union_all(*parts).subquery()
    return sa.select(union).order_by(union.c.id.desc() if newest_first else union.c.id.asc()) \
        .limit(sa.bindparam("cap"))


def matching_case_ids(user, terms, clauses=()):
    """The ids of the newest MAX_RESULTS cases `user` may see that pass `clauses` and hold every
    one of `terms`, and whether more match: the case lists' keyword box, matched (and planned) as
    the search page matches. A list's own WHERE clause narrows the search, so the inbox's few
    letters are not crowded out by the archive's matches."""
    clauses = [clause for clause in clauses if clause is not None]

    def run(words, slices, params):
        stmt = _found(visible_cases_filter(user), words.shape, clauses, True, slices, False)
        return db.session.execute(stmt, {**params, "cap": MAX_RESULTS + 1}).all()

    ids = [row.id for row in _planned(user, terms, True, run)]
    return ids[:MAX_RESULTS], len(ids) > MAX_RESULTS


@functools.lru_cache(maxsize=512)
def _search_statement(scope, shape, filters, newest_first, slices, ranked):
    """(id, total) of one page ("per_page" rows from "offset") of the first MAX_RESULTS matches
    (bind parameter "shown"), ranked; total counts up to "cap" = MAX_RESULTS + 1, to tell whether
    there are more. Built once for each shape of search (the words' shape, which filters): only
    the page's rows leave the database."""
    found = _found(scope, shape, [FILTERS[name]() for name in filters], newest_first, slices, ranked).subquery()
    order = found.c.id.desc() if newest_first else found.c.id.asc()
    holding = [found.c.holding] if "holding" in found.c else []
    counted = sa.select(found.c.id, *([found.c.rank] if ranked else []), *holding,
                        sa.func.count().over().label("total"),
                        sa.func.row_number().over(order_by=order).label("position")).subquery()
    page_order = [counted.c.rank] if ranked else []
    page_order.append(counted.c.id.desc() if newest_first else counted.c.id.asc())
    holding = [counted.c.holding] if holding else []
    return (sa.select(counted.c.id, counted.c.total, *holding).where(counted.c.position <= sa.bindparam("shown"))
            .order_by(*page_order).limit(sa.bindparam("per_page")).offset(sa.bindparam("offset")))


@functools.lru_cache(maxsize=2)
def _hits_statement(with_content):
    """Rows of the cases "ids" with what a hit shows (search/index.html, the API's SearchHitSchema)
    and, with words, the letter its snippet is cut from: plain rows, not the cases themselves
    (20 cases with their representatives cost the ORM 1.1 ms at 100,000 letters, rows 0.5)."""
    columns = [Case.id, Case.number, Case.title, Case.status, Case.category, Case.created_at, Case.submitted_at,
               Case.first_submitted_at, Case.closed_at, Case.representative_id,
               User.name.label("representative_name")]
    if with_content:
        columns.append(Case.content)
    return sa.select(*columns).join(User, User.id == Case.representative_id) \
        .where(Case.id.in_(sa.bindparam("ids", expanding=True)))


def search_cases(user, query="", *, status=None, leader_id=None, unit_id=None, delegation_id=None, category=None,
                 date_from=None, date_to=None, overdue=None, sort=None, page=1, per_page=20):
    """The cases `user` may see that hold every word of `query` and pass the filters, one page
    of them, each with its title and a snippet highlighted. An empty query lists by filters only.
    At most MAX_RESULTS cases are found (the newest, or with sort="oldest" the oldest); with
    "relevance" (the default with words) those with every word in the title come first."""
    terms = terms_of(query)
    sort = _sort(sort, terms)
    values = filter_values(status=status, leader_id=leader_id, unit_id=unit_id, delegation_id=delegation_id,
                           category=category, date_from=date_from, date_to=date_to, overdue=overdue)
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    page = max(1, int(page or 1))
    newest_first = sort != "oldest"
    page_params = {"filter_" + name: value for name, value in values.items()}
    page_params.update(cap=MAX_RESULTS + 1, shown=MAX_RESULTS, per_page=per_page, offset=(page - 1) * per_page)
    shown = {}

    def run(words, slices, params):
        stmt = _search_statement(visible_cases_filter(user), words.shape, tuple(values), newest_first, slices,
                                 sort == "relevance" and bool(terms))
        rows = db.session.execute(stmt, {**params, **page_params}).all()
        # A page past the last has no row to tell the count (and how many documents were read):
        # the first page's first row does.
        first = rows if rows or page == 1 else \
            db.session.execute(stmt, {**params, **page_params, "offset": 0, "per_page": 1}).all()
        shown["rows"], shown["total"] = rows, first[0].total if first else 0
        return first

    _planned(user, terms, newest_first, run)
    rows, total = shown["rows"], shown["total"]
    ids = [row.id for row in rows]
    loaded = {row.id: row for row in db.session.execute(_hits_statement(bool(terms)), {"ids": ids})} if ids else {}
    cases = [loaded[case_id] for case_id in ids]
    snippets = _snippets(cases, user.role is Role.REPRESENTATIVE, terms) if terms else {}
    hits = [Hit(case, highlight(case.title, terms), snippets.get(case.id)) for case in cases]
    return Results(Page(cases, page, per_page, min(total, MAX_RESULTS), capped=False), hits, terms,
                   total > MAX_RESULTS)
