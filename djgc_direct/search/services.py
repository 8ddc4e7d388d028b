"""Search over cases: the words of a query matched in the title, content, annotations and replies,
combined with filters and a sort, paginated, scoped to what the user may see, with highlighted
snippets. One service, two backends (docs/search.md):

- SQLite: the FTS5 table `search_index` (trigram tokenizer), filled by triggers. A word of three
  characters or more is matched as an FTS5 phrase through the index; a shorter word (trigrams
  cannot hold it) by a scan of the same table with instr().
- PostgreSQL: ILIKE on the columns themselves, served by pg_trgm GIN indexes.

Every word of a query must occur (AND), each as literal text: quotes, `*`, `NEAR`, `OR`, `%`,
`_` are just characters. Representatives match only what they may read: not internal
annotations, not replies the secretariat has not approved.
"""
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.orm import aliased, selectinload

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import (
    Annotation, Assignment, Case, CaseLeader, CaseStatus, Category, Reply, ReplyStatus,
)
from djgc_direct.cases.services import visible_annotations, visible_cases_filter, visible_replies
from djgc_direct.core.clock import SHANGHAI, today_shanghai
from djgc_direct.core.errors import ValidationError
from djgc_direct.deadlines.stages import overdue_clause
from djgc_direct.extensions import db
from djgc_direct.search.schema import FTS_TABLE

MAX_QUERY = 100  # characters of a query that are read; the rest is ignored
MAX_TERMS = 8
TRIGRAM = 3  # the shortest word the trigram index can find by itself
SNIPPET_WIDTH = 80
MAX_PER_PAGE = 100
SORTS = ("relevance", "newest", "oldest")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FTS = sa.table(FTS_TABLE, sa.column("case_id"), sa.column("body"), sa.column("public"))


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


def _fts_phrase(term):
    """`term` as one FTS5 string: inside double quotes every character is literal text."""
    return '"' + term.replace('"', '""') + '"'


def cases_containing(term, public_only):
    """A SELECT of the ids of cases whose own title, content, annotations or replies contain
    `term`; with `public_only`, only the text a representative may read counts."""
    if db.session.get_bind().dialect.name == "sqlite":
        if len(term) >= TRIGRAM:
            match = sa.literal_column(FTS_TABLE).op("MATCH")(_fts_phrase(term))
        else:
            match = sa.func.instr(sa.func.lower(_FTS.c.body), term.lower()) > 0
        stmt = sa.select(_FTS.c.case_id).where(match)
        return stmt.where(_FTS.c.public == 1) if public_only else stmt
    pattern = _like_pattern(term)
    annotations = sa.select(Annotation.case_id).where(Annotation.text.ilike(pattern))
    replies = sa.select(Reply.case_id).where(Reply.text.ilike(pattern))
    if public_only:
        annotations = annotations.where(Annotation.internal.is_(False))
        replies = replies.where(Reply.status == ReplyStatus.APPROVED)
    own = sa.select(Case.id).where(sa.or_(Case.title.ilike(pattern), Case.content.ilike(pattern)))
    return sa.union(own, annotations, replies)


def text_clause(user, terms):
    """A WHERE clause: the case holds every one of `terms`, in text `user` may read. A letter
    merged into a case is handled as part of it, so its words find that case too (except for
    representatives, who may not read the other representative's letter)."""
    public_only = user.role is Role.REPRESENTATIVE
    merged = aliased(Case)
    clauses = []
    for term in terms:
        own = cases_containing(term, public_only)
        clause = Case.id.in_(own)
        if not public_only:
            clause = sa.or_(clause, Case.id.in_(
                sa.select(merged.merged_into_id).where(merged.id.in_(cases_containing(term, False)))))
        if any(ch.isdigit() for ch in term):  # 0173 finds 直通〔2026〕0173号
            clause = sa.or_(clause, Case.number.contains(term, autoescape=True))
        clauses.append(clause)
    return sa.and_(*clauses)


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
    pagination: object  # Flask-SQLAlchemy's Pagination of cases
    hits: list
    terms: list


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


def _order(sort, terms):
    sort = sort or ("relevance" if terms else "newest")
    if sort not in SORTS:
        raise ValidationError(_("排序方式无效。"), field="sort")
    when = sa.func.coalesce(Case.first_submitted_at, Case.created_at)
    if sort == "oldest":
        return [when.asc(), Case.id.asc()]
    newest = [when.desc(), Case.id.desc()]
    if sort == "relevance" and terms:  # cases with every word in the title first
        in_title = sa.and_(*[sa.func.lower(Case.title).contains(t.lower(), autoescape=True) for t in terms])
        return [sa.case((in_title, 0), else_=1), *newest]
    return newest


# What a list of results shows of each case, loaded in a fixed number of queries.
LIST_LOADS = (selectinload(Case.representative),
              selectinload(Case.assignments).selectinload(Assignment.unit),
              selectinload(Case.leaders).selectinload(CaseLeader.leader))


def search_cases(user, query="", *, status=None, leader_id=None, unit_id=None, delegation_id=None, category=None,
                 date_from=None, date_to=None, overdue=None, sort=None, page=1, per_page=20):
    """The cases `user` may see that hold every word of `query` and pass the filters, one page
    of them, each with its title and a snippet highlighted. An empty query lists by filters only."""
    terms = terms_of(query)
    stmt = sa.select(Case).where(visible_cases_filter(user), *filters(
        status=status, leader_id=leader_id, unit_id=unit_id, delegation_id=delegation_id, category=category,
        date_from=date_from, date_to=date_to, overdue=overdue))
    if terms:
        stmt = stmt.where(text_clause(user, terms)).options(selectinload(Case.annotations),
                                                             selectinload(Case.replies))
    stmt = stmt.order_by(*_order(sort, terms)).options(*LIST_LOADS)
    pagination = db.paginate(stmt, page=max(1, int(page or 1)), per_page=min(MAX_PER_PAGE, max(1, int(per_page))),
                             error_out=False, count=True)
    merged = _merged_letters(pagination.items) if terms and user.role is not Role.REPRESENTATIVE else {}
    hits = [Hit(case, highlight(case.title, terms),
                snippet(case, user, terms, merged.get(case.id, ())) if terms else None)
            for case in pagination.items]
    return Results(pagination, hits, terms)


def _merged_letters(cases):
    """The letters merged into each of `cases`, by case id (one query)."""
    found = {}
    ids = [case.id for case in cases]
    if ids:
        for letter in db.session.scalars(sa.select(Case).where(Case.merged_into_id.in_(ids)).order_by(Case.id)):
            found.setdefault(letter.merged_into_id, []).append(letter)
    return found

