"""Search over cases: the words of a query matched in the title, content, annotations and replies,
combined with filters and a sort, paginated, scoped to what the user may see, with highlighted
snippets. One service, two backends (docs/search.md):

- SQLite: the contentless FTS5 table `search_index`, a row per text (case, annotation, reply)
  holding its character bigrams as tokens (search/bigrams.py), filled by triggers: a word is the
  phrase of its bigrams, exact.
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
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import aliased, joinedload, selectinload

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import (
    Annotation, Assignment, Case, CaseLeader, CaseStatus, Category, Reply, ReplyStatus,
)
from djgc_direct.cases.services import visible_annotations, visible_cases_filter, visible_replies
from djgc_direct.core.clock import SHANGHAI, today_shanghai
from djgc_direct.core.errors import ValidationError
from djgc_direct.core.pagination import Page
from djgc_direct.deadlines.stages import overdue_clause
from djgc_direct.extensions import db
from djgc_direct.search import bigrams
from djgc_direct.search.schema import FTS_TABLE, documents

MAX_QUERY = 100  # characters of a query that are read; the rest is ignored
MAX_TERMS = 8
SNIPPET_WIDTH = 80
MAX_PER_PAGE = 100
MAX_RESULTS = 1000  # a search shows this many cases at most (with a hint to narrow it down)
FIRST_SLICE = 20_000  # ids in the first slice of a PostgreSQL search; each next one is 4× wider
SLICE_FROM = 5_000  # PostgreSQL: when fewer documents may hold the words, one query reads them all
SORTS = ("relevance", "newest", "oldest")

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
    """A PostgreSQL (I)LIKE pattern finding `term` anywhere; backslash is the default escape."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _is_sqlite():
    return db.session.get_bind().dialect.name == "sqlite"


def _fts_selects(term, public_only):
    """SQLite: SELECTs of the ids of cases whose own title, content, annotations or replies
    contain `term` (one per source; a UNION of them finds the cases). A row's rowid says where its
    text comes from: case id × 4, annotation id × 4 + 1, reply id × 4 + 2 (migration 0011); what a
    representative may read is decided on the source row."""
    match = sa.literal_column(FTS_TABLE).op("MATCH")(bigrams.sqlite_query(term))
    rowid = _FTS.c.rowid

    def source_id(kind):
        return sa.and_(match, rowid % 4 == kind), (rowid - kind) // 4

    found, case_id = source_id(0)
    own = sa.select(case_id).where(found)
    found, annotation_id = source_id(1)
    annotations = sa.select(Annotation.case_id).join(_FTS, Annotation.id == annotation_id).where(found)
    found, reply_id = source_id(2)
    replies = sa.select(Reply.case_id).join(_FTS, Reply.id == reply_id).where(found)
    if public_only:
        annotations = annotations.where(Annotation.internal.is_(False))
        replies = replies.where(Reply.status == ReplyStatus.APPROVED)
    return [own, annotations, replies]


def _lexeme(text, prefix=False):
    """`text` as one quoted tsquery lexeme: inside quotes nothing is syntax ('' and \\ escape)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "")


def _has_digit(term):
    return any(ch.isdigit() for ch in term)


def term_query(term, first_only=False):
    """PostgreSQL: the tsquery (as text) finding the documents that may contain `term`: its
    bigrams, ANDed (with `first_only`, its first bigram alone); a single character as a prefix of
    a bigram. A word with a digit may be part of a case number, whose document holds only the
    bigrams with a digit, so only those are asked."""
    if len(term) == 1:
        return _lexeme(term.lower(), prefix=True)
    grams = bigrams.pairs(term)
    if _has_digit(term):
        grams = [gram for gram in grams if _has_digit(gram)]
    return " & ".join(_lexeme(gram) for gram in grams[:1 if first_only else None])


def _exact(term):
    """Whether a document holding the bigrams of `term` surely holds `term` (no recheck needed)."""
    return len(term) <= 2 and not _has_digit(term)


def _contains(term, public_only):
    """PostgreSQL: the case's text that the user may read contains `term` (the exact recheck)."""
    pattern = _like_pattern(term)
    annotations = sa.select(Annotation.id).where(Annotation.case_id == Case.id, Annotation.text.ilike(pattern))
    replies = sa.select(Reply.id).where(Reply.case_id == Case.id, Reply.text.ilike(pattern))
    if public_only:
        annotations = annotations.where(Annotation.internal.is_(False))
        replies = replies.where(Reply.status == ReplyStatus.APPROVED)
    places = [Case.title.ilike(pattern), Case.content.ilike(pattern), annotations.exists(), replies.exists()]
    if _has_digit(term):
        places.append(Case.number.ilike(pattern))
    if not public_only:
        merged = aliased(Case)
        places.append(sa.select(merged.id).where(merged.merged_into_id == Case.id, sa.or_(
            merged.title.ilike(pattern), merged.content.ilike(pattern))).exists())
    return sa.or_(*places)


def _words_query(terms):
    return " & ".join(f"({term_query(term)})" for term in terms)


def _holding_documents(terms, cap):
    """PostgreSQL: how many documents may hold every one of `terms`, counted up to `cap` (it reads
    up to `cap` rows of the documents table: ~25 ms at 5,000)."""
    query = sa.cast(_words_query(terms), postgresql.TSQUERY)
    holding = sa.select(sa.literal(1)).select_from(documents).where(documents.c.terms.op("@@")(query)).limit(cap)
    return db.session.scalar(sa.select(sa.func.count()).select_from(holding.subquery()))


def text_clause(user, terms, id_range=None, common=False):
    """A WHERE clause: the case holds every one of `terms`, in text `user` may read. A letter
    merged into a case is handled as part of it, so its words find that case too (except for
    representatives, who may not read the other representative's letter). `id_range`, [low,
    high), narrows PostgreSQL's document lookup to those ids.

    `common`: many documents hold the words. PostgreSQL estimates an AND of bigrams as if they
    were independent (they are not: 农民 and 民工 come together), takes the words for rare and reads
    every document holding them; asked for one bigram, it estimates right and walks the newest
    ids instead, and the words are rechecked on the cases it meets."""
    public_only = user.role is Role.REPRESENTATIVE
    if _is_sqlite():
        return _sqlite_text_clause(terms, public_only)
    if common:
        longest = max(terms, key=len)
        query, asked = term_query(longest, first_only=True), {longest}
    else:
        query, asked = _words_query(terms), set(terms)
    found = sa.select(documents.c.case_id).where(documents.c.terms.op("@@")(sa.cast(query, postgresql.TSQUERY)))
    if id_range:
        found = found.where(documents.c.case_id >= id_range[0], documents.c.case_id < id_range[1])
    # A word the index was asked for whole needs no recheck when it is exact; the document holds
    # text a representative may not read, so their matches are always rechecked.
    rechecks = [_contains(term, public_only) for term in terms
                if public_only or term not in asked or not _exact(term)]
    return sa.and_(Case.id.in_(found), *rechecks)


def _sqlite_text_clause(terms, public_only):
    clauses = []
    for term in terms:
        selects = _fts_selects(term, public_only)
        if not public_only:
            selects.append(_sqlite_merged_into(term))
        # One IN over one flat UNION: an OR of two INs made SQLite fetch every match and sort them
        # (25 ms for a common word at 100,000 cases, against 3 ms).
        clause = Case.id.in_(sa.union(*selects))
        if _has_digit(term):  # 0173 finds 直通〔2026〕0173号
            clause = sa.or_(clause, Case.number.contains(term, autoescape=True))
        clauses.append(clause)
    return sa.and_(*clauses)


def _sqlite_merged_into(term):
    """SQLite: the ids of the cases that a letter merged into them names `term` in its title or
    content (a letter is merged before any leader annotates it; PostgreSQL's documents hold the
    same). It starts from the merged letters (few, indexed) and asks the index about each,
    rather than from every row holding the word."""
    merged = aliased(Case)
    match = sa.literal_column(FTS_TABLE).op("MATCH")(bigrams.sqlite_query(term))
    named = sa.select(_FTS.c.rowid).where(match, _FTS.c.rowid == merged.id * 4).exists()
    return sa.select(merged.merged_into_id).where(merged.merged_into_id.is_not(None), named)


def naming_clause(names):
    """A WHERE clause for similar-letter candidates: the case may name one of `names`. SQLite:
    its text holds one of them. PostgreSQL: its document holds the first bigram of one of them
    (雒容 for 雒容工业园区), a superset the caller's scoring narrows by the names themselves. An
    AND of a name's bigrams, or a recheck of the name, made the planner take a place named in one
    letter in fifty for a rare word and read every document holding it (145 ms at a million
    cases); asked one bigram, it walks the newest cases (8 ms)."""
    if _is_sqlite():  # one flat UNION: SQLite does not take a UNION of UNIONs
        return Case.id.in_(sa.union(*[select for name in names for select in _fts_selects(name, False)]))
    query = sa.cast(" | ".join(f"({term_query(name, first_only=True)})" for name in names), postgresql.TSQUERY)
    return Case.id.in_(sa.select(documents.c.case_id).where(documents.c.terms.op("@@")(query)))


# ---- highlighting -----------------------------------------------------------------------------

def _pattern(terms):
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)


def highlight(text, terms, width=None):
    """`text` as safe HTML with each occurrence of `terms` in <mark>; everything else escaped.
    With `width`, only a window of about that many characters around the first occurrence
    (None when there is none)."""
    if not terms:
        return escape(text)
    pattern = _pattern(terms)
    start, end = 0, len(text)
    if width:
        first = pattern.search(text)
        if first is None:
            return None
        start = max(0, first.start() - width // 3)
        end = min(len(text), start + width)
    parts = ["…"] if start > 0 else []
    position = start
    for found in pattern.finditer(text, start, end):
        parts.append(escape(text[position:found.start()]))
        parts.append(Markup("<mark>%s</mark>") % found.group())
        position = found.end()
    parts.append(escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return Markup("").join(parts)


@dataclass(frozen=True)
class Snippet:
    source: str  # content, annotation, reply or merged_letter
    html: Markup

    @property
    def label(self):
        return {"content": _("来信"), "annotation": _("批示"), "reply": _("答复"),
                "merged_letter": _("并入的来信")}[self.source]


def snippet(case, user, terms, merged_letters=()):
    """Where `terms` first occur in the text of `case` that `user` may read, highlighted."""
    sources = [("content", case.content)]
    sources += [("annotation", a.text) for a in visible_annotations(case, user)]
    sources += [("reply", r.text) for r in visible_replies(case, user)]
    sources += [("merged_letter", f"{m.title}\n{m.content}") for m in merged_letters]
    for source, text in sources:
        html = highlight(text, terms, width=SNIPPET_WIDTH)
        if html is not None:
            return Snippet(source, html)
    return None


# ---- the search -------------------------------------------------------------------------------

@dataclass
class Hit:
    case: Case
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


def filters(*, status=None, leader_id=None, unit_id=None, delegation_id=None, category=None,
            date_from=None, date_to=None, overdue=None):
    """WHERE clauses for the filters; dates are local (Asia/Shanghai) days of first submission."""
    clauses = []
    status, category = _enum(CaseStatus, status, "status"), _enum(Category, category, "category")
    if status:
        clauses.append(Case.status == status)
    if category:
        clauses.append(Case.category == category)
    if leader_id:
        clauses.append(Case.id.in_(sa.select(CaseLeader.case_id).where(CaseLeader.leader_id == leader_id)))
    if unit_id:
        clauses.append(Case.id.in_(sa.select(Assignment.case_id).where(Assignment.unit_id == unit_id)))
    if delegation_id:
        clauses.append(Case.representative_id.in_(sa.select(User.id).where(User.delegation_id == delegation_id)))
    if date_from:
        clauses.append(Case.first_submitted_at >= _local_start(date_from))
    if date_to:
        clauses.append(Case.first_submitted_at < _local_start(date_to + timedelta(days=1)))
    if overdue is not None:
        late = overdue_clause(today_shanghai())
        clauses.append(late if overdue else sa.not_(late))
    return clauses


def _sort(sort, terms):
    sort = sort or ("relevance" if terms else "newest")
    if sort not in SORTS:
        raise ValidationError(_("排序方式无效。"), field="sort")
    return sort


def _slices(newest_first, sliced):
    """[low, high) ranges of case ids covering them all: with `sliced`, from the newest (or the
    oldest) on, each four times wider than the one before; else one range."""
    end = (db.session.scalar(sa.select(sa.func.max(Case.id))) or 0) + 1
    if not sliced:
        yield 0, end
        return
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


def _matches(user, terms, clauses, newest_first, limit):
    """The ids and titles of the first `limit` cases (by id, newest or oldest first) that `user`
    may see, pass `clauses` and hold every one of `terms`. On PostgreSQL common words (and lists
    without words) go slice by slice, so they stop in the first slice; words few documents hold
    are looked up at once, through the index. SQLite's FTS5 subquery is evaluated whole whatever
    the range, so it takes one range."""
    common = bool(terms) and not _is_sqlite() and (
        _one_lexeme(terms) or _holding_documents(terms, SLICE_FROM) >= SLICE_FROM)
    sliced = common or (not terms and not _is_sqlite())
    found = []
    order = Case.id.desc() if newest_first else Case.id.asc()
    for low, high in _slices(newest_first, sliced):
        stmt = sa.select(Case.id, Case.title).where(
            visible_cases_filter(user), *clauses, Case.id >= low, Case.id < high)
        if terms:
            stmt = stmt.where(text_clause(user, terms, (low, high), common))
        found += db.session.execute(stmt.order_by(order).limit(limit - len(found))).all()
        if len(found) >= limit:
            break
    return found


def matching_case_ids(user, terms, clauses=()):
    """The ids of the newest MAX_RESULTS cases `user` may see that pass `clauses` and hold every
    one of `terms`, and whether more match: the case lists' keyword box, matched (and planned) as
    the search page matches. A list's own WHERE clause narrows the search, so the inbox's few
    letters are not crowded out by the archive's matches."""
    rows = _matches(user, terms, [clause for clause in clauses if clause is not None], True, MAX_RESULTS + 1)
    return [row.id for row in rows[:MAX_RESULTS]], len(rows) > MAX_RESULTS


def _by_relevance(rows, terms):
    """Cases with every word in the title first, each group in the order given (stable sort)."""
    words = [term.lower() for term in terms]
    return sorted(rows, key=lambda row: not all(word in row.title.lower() for word in words))


# What a hit shows (search/index.html, the API's SearchHitSchema) and its snippet reads, in a
# fixed number of queries; not the leaders and units, which a hit does not show.
HIT_LOADS = (joinedload(Case.representative, innerjoin=True).load_only(User.id, User.name),)
SNIPPET_LOADS = (selectinload(Case.annotations).load_only(Annotation.text, Annotation.internal),
                 selectinload(Case.replies).load_only(Reply.text, Reply.status))


def search_cases(user, query="", *, status=None, leader_id=None, unit_id=None, delegation_id=None, category=None,
                 date_from=None, date_to=None, overdue=None, sort=None, page=1, per_page=20):
    """The cases `user` may see that hold every word of `query` and pass the filters, one page
    of them, each with its title and a snippet highlighted. An empty query lists by filters only.
    At most MAX_RESULTS cases are found (the newest, or with sort="oldest" the oldest); with
    "relevance" (the default with words) those with every word in the title come first."""
    terms = terms_of(query)
    sort = _sort(sort, terms)
    clauses = filters(status=status, leader_id=leader_id, unit_id=unit_id, delegation_id=delegation_id,
                      category=category, date_from=date_from, date_to=date_to, overdue=overdue)
    rows = _matches(user, terms, clauses, sort != "oldest", MAX_RESULTS + 1)
    more = len(rows) > MAX_RESULTS
    rows = rows[:MAX_RESULTS]
    if sort == "relevance" and terms:
        rows = _by_relevance(rows, terms)
    per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    page = max(1, int(page or 1))
    ids = [row.id for row in rows[(page - 1) * per_page:page * per_page]]
    loads = (*HIT_LOADS, *SNIPPET_LOADS) if terms else HIT_LOADS
    loaded = {case.id: case for case in db.session.scalars(sa.select(Case).where(Case.id.in_(ids)).options(*loads))}
    cases = [loaded[case_id] for case_id in ids]
    merged = _merged_letters(cases) if terms and user.role is not Role.REPRESENTATIVE else {}
    hits = [Hit(case, highlight(case.title, terms),
                snippet(case, user, terms, merged.get(case.id, ())) if terms else None)
            for case in cases]
    return Results(Page(cases, page, per_page, len(rows), capped=False), hits, terms, more)


def _merged_letters(cases):
    """The letters merged into each of `cases`, by case id (one query)."""
    found = {}
    ids = [case.id for case in cases]
    if ids:
        # Sorted here, not by the database: ORDER BY id let SQLite walk every case in id order.
        letters = db.session.scalars(sa.select(Case).where(Case.merged_into_id.in_(ids))).all()
        for letter in sorted(letters, key=lambda letter: letter.id):
            found.setdefault(letter.merged_into_id, []).append(letter)
    return found

