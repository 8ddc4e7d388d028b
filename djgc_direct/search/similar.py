"""Similar letters: earlier cases about the same matter, so the secretariat can merge them (并案).

Two signals, both cheap and explainable (docs/search.md):
- names: the handling units and other organisations named in the text (from the Organisation
  table, also without a suffix such as 管委会, so 雒容工业园区管委会 is found as 雒容工业园区), and
  the place names of Liuzhou listed in PLACES;
- content: the Jaccard overlap of the character bigrams of title and content.
score = NAME_WEIGHT × name overlap + (1 − NAME_WEIGHT) × content overlap; a case is similar from
MIN_SCORE up and only with some content in common (a shared place alone is not the same matter).

Candidates come from the search index (cases naming one of the same names) and the most recent
cases, so the work per call stays bounded however many cases there are. The letters found are kept
when a letter is submitted (SimilarLetter): a case's page reads them back in one query, filtered by
who is looking and by what each letter has become since; letters from before they were kept are
scored when shown, until `djgc similar-letters` has found theirs.
"""
import functools
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from djgc_direct.accounts.models import User
from djgc_direct.cases.models import Case, CaseStatus
from djgc_direct.cases.services import MERGE_TARGET_STATES, visible_cases_filter
from djgc_direct.core.clock import now_utc
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Organisation
from djgc_direct.search.models import SimilarLetter
from djgc_direct.search.services import naming_clause

NAME_WEIGHT = 0.4
MIN_SCORE = 0.25
MIN_CONTENT = 0.08
BY_NAME_CANDIDATES = 200
RECENT_CANDIDATES = 100
MAX_NAMES = 10
# Kept per letter: more than a page shows, as some will be merged away or hidden from a viewer.
KEPT = 20
# Cases worth pointing to: still being handled (and so a merge target), or closed.
CANDIDATE_STATES = MERGE_TARGET_STATES | {CaseStatus.CLOSED}
# Kept at submission: also letters returned for more facts, shown once they are resubmitted.
KEPT_STATES = CANDIDATE_STATES | {CaseStatus.RETURNED}

# Liuzhou's districts and counties, their common short names, and the parks and towns letters
# most often name. Organisation names come from the database; these are places, not bodies.
PLACES = (
    "柳州", "城中区", "鱼峰区", "柳南区", "柳北区", "柳江区", "柳城县", "鹿寨县", "融安县", "融水苗族自治县",
    "三江侗族自治县", "柳江", "柳城", "鹿寨", "融安", "融水", "三江", "柳东新区", "阳和工业新区",
    "雒容工业园区", "河西工业园区", "鹿寨经济开发区", "柳州高新区", "雒容镇", "雒容", "洛埠镇", "拉堡镇",
    "进德镇", "穿山镇", "里雍镇", "百朋镇", "成团镇", "三都镇", "沙埔镇", "长塘镇", "太阳村镇", "官塘",
    "中渡镇", "黄冕镇", "四排镇", "寨隆镇", "大埔镇", "东泉镇", "长安镇", "古宜镇", "丹洲镇",
)
ORGANISATION_SUFFIXES = ("管理委员会", "管委会", "人民政府", "办事处", "委员会")


@dataclass(frozen=True)
class Similar:
    case: Case
    score: float
    names: tuple  # the names both letters mention


def _text(title, content):
    return f"{title}\n{content}"


def _organisation_keys():
    """Each organisation's name, and the name without a suffix where three or more characters
    remain (雒容工业园区管委会 → 雒容工业园区)."""
    keys = set()
    for name in db.session.scalars(sa.select(Organisation.name)):
        keys.add(name)
        for suffix in ORGANISATION_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 3:
                keys.add(name[:-len(suffix)])
    return frozenset(keys)


@functools.lru_cache(maxsize=8)
def _names_by_first_character(organisation_keys):
    """The names to look for, by their first character: a text is searched only for the names
    starting with one of its characters (a few of the hundreds), which keeps scoring hundreds of
    candidates cheap."""
    names = {}
    for name in (*PLACES, *organisation_keys):
        names.setdefault(name[0], []).append(name)
    return names


def names_in(text, organisation_keys=None):
    """The place and organisation names in `text`, the longest only (雒容工业园区, not also 雒容)."""
    keys = _organisation_keys() if organisation_keys is None else frozenset(organisation_keys)
    by_first = _names_by_first_character(keys)
    present = {name for first in by_first.keys() & set(text) for name in by_first[first] if name in text}
    return {name for name in present if not any(name != other and name in other for other in present)}


_NOT_WORD = re.compile(r"[\W_]+")


def bigrams(text):
    chars = _NOT_WORD.sub("", text.casefold())
    return {chars[i:i + 2] for i in range(len(chars) - 1)}


def _jaccard(a, b):
    return len(a & b) / len(a | b) if a and b else 0.0


def _scored(text, names, candidates, organisation_keys):
    """(score, id, shared names) of each candidate row (id, title, content) similar enough."""
    grams = bigrams(text)
    for case_id, title, content in candidates:
        theirs_text = _text(title, content)
        content_overlap = _jaccard(grams, bigrams(theirs_text))
        if content_overlap < MIN_CONTENT:
            continue
        theirs = names_in(theirs_text, organisation_keys)
        score = NAME_WEIGHT * _jaccard(names, theirs) + (1 - NAME_WEIGHT) * content_overlap
        if score >= MIN_SCORE:
            yield round(score, 3), case_id, tuple(sorted(names & theirs))


def _candidates(scope, names, states=CANDIDATE_STATES):
    """Rows (id, title, content) of the most recent cases in `states` and of those naming `names`;
    only the few that score are loaded as cases."""
    base = sa.select(Case.id, Case.title, Case.content).where(
        scope, Case.status.in_(states), Case.merged_into_id.is_(None)).order_by(Case.id.desc())
    found = {row.id: row for row in db.session.execute(base.limit(RECENT_CANDIDATES))}
    if names:
        naming = naming_clause(sorted(names)[:MAX_NAMES])
        for row in db.session.execute(base.where(naming).limit(BY_NAME_CANDIDATES)):
            found.setdefault(row.id, row)
    return found.values()


def _best(text, scope, limit, states=CANDIDATE_STATES):
    """(score, id, shared names) of the `limit` best candidates in `scope` and `states` for `text`."""
    keys = _organisation_keys()
    names = names_in(text, keys)
    return sorted(_scored(text, names, _candidates(scope, names, states), keys),
                  key=lambda scored: (-scored[0], -scored[1]))[:limit]


def _scored_now(case_or_text, scope, limit):
    if isinstance(case_or_text, Case):
        # Earlier letters: the later one is merged into them.
        text, scope = _text(case_or_text.title, case_or_text.content), sa.and_(scope, Case.id < case_or_text.id)
    else:
        text = str(case_or_text)
    best = _best(text, scope, limit)
    cases = {case.id: case for case in db.session.scalars(
        sa.select(Case).where(Case.id.in_([case_id for _, case_id, _ in best]))
        .options(selectinload(Case.representative)))} if best else {}
    return [Similar(cases[case_id], score, shared) for score, case_id, shared in best]


def _kept(case, scope, limit):
    rows = db.session.execute(_kept_statement(scope, limit), {"case_id": case.id})
    return [Similar(similar, score, tuple(names)) for similar, score, names in rows]


@functools.lru_cache(maxsize=1024)
def _kept_statement(scope, limit):
    """The kept similar letters of a case in `scope` (the same clause object for the same viewer),
    built once: building it cost more than running it."""
    return (sa.select(Case, SimilarLetter.score, SimilarLetter.names)
            .join(SimilarLetter, SimilarLetter.similar_case_id == Case.id)
            .where(SimilarLetter.case_id == sa.bindparam("case_id"), scope, Case.status.in_(CANDIDATE_STATES),
                   Case.merged_into_id.is_(None))
            .order_by(SimilarLetter.score.desc(), Case.id.desc()).limit(limit)
            .options(defer(Case.content), joinedload(Case.representative, innerjoin=True).load_only(User.name)))


def _similar(case_or_text, scope, limit):
    if isinstance(case_or_text, Case) and case_or_text.similar_found_at is not None:
        return _kept(case_or_text, scope, limit)
    return _scored_now(case_or_text, scope, limit)


def keep_similar_letters(case, earlier_only=False):
    """Find the letters about the same matter as `case` and keep them, replacing any found before
    (written at once, in the caller's transaction). At submission every other letter in hand is
    an earlier one, whatever its id; for a letter submitted before they were kept
    (`earlier_only`), those created before it stand in for those submitted before it. Letters
    returned for more facts are kept too: once resubmitted they are shown."""
    scope = Case.id < case.id if earlier_only else Case.id != case.id
    best = _best(_text(case.title, case.content), scope, KEPT, KEPT_STATES)
    db.session.execute(sa.delete(SimilarLetter).where(SimilarLetter.case_id == case.id))
    if best:
        db.session.execute(sa.insert(SimilarLetter), [
            {"case_id": case.id, "similar_case_id": case_id, "score": score, "names": list(shared)}
            for score, case_id, shared in best])
    # Not through the ORM: that would count as a change of the case (its version), and a secretary
    # acting on a letter while `djgc similar-letters` runs would be told someone else had changed it.
    found_at = now_utc()
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(similar_found_at=found_at)
                       .execution_options(synchronize_session=False))
    set_committed_value(case, "similar_found_at", found_at)


def letters_without_similar(limit, after_id=0):
    """Up to `limit` letters with an id above `after_id` whose similar letters were never kept,
    oldest first (drafts have none yet; merged letters' pages show none)."""
    return db.session.scalars(sa.select(Case).where(
        Case.id > after_id, Case.similar_found_at.is_(None), Case.status.not_in([CaseStatus.DRAFT, CaseStatus.MERGED]))
        .order_by(Case.id).limit(limit)).all()


def similar_cases(case_or_text, user, limit=5):
    """Earlier cases `user` may see about the same matter as `case_or_text` (a case or a text),
    best first, excluding the case itself and letters merged away."""
    return _similar(case_or_text, visible_cases_filter(user), limit)


def similar_matter_in_hand(case):
    """Whether another representative's letter about the same matter is being handled. This is
    all a representative is told (DESIGN §4: they never read other representatives' cases)."""
    return bool(_similar(case, _others_in_hand(case.representative_id), 1))


@functools.lru_cache(maxsize=1024)
def _others_in_hand(representative_id):
    """Cases of other representatives being handled (one clause object per representative)."""
    return sa.and_(Case.representative_id != representative_id, Case.status.in_(MERGE_TARGET_STATES))
