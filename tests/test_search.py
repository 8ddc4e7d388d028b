"""Search (djgc_direct.search.services) on the suite's database: Chinese words without spaces,
role scoping, hostile queries, safe highlighting, and an index that follows every write."""
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from djgc_direct.cases import services
from djgc_direct.cases.models import Annotation, Case, CaseStatus, Reply
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.extensions import db
from djgc_direct.search import services as search_services
from djgc_direct.search.bigrams import pairs, sqlite_query, sqlite_tokens
from djgc_direct.search.services import highlight, search_cases, terms_of
from tests.cases_world import case_in, lead_assignment, make_world
from tests.factories import UnitFactory, UnitStaffFactory
from tests.helpers import login


@pytest.fixture
def world():
    return make_world()


def found(user, query="", **filters):
    return [hit.case.id for hit in search_cases(user, query, per_page=100, **filters).hits]


def letter(world, title, content, representative=None, submit=True):
    case = services.create_letter(representative or world.representative, title=title, content=content,
                                  leader_ids=[world.chen.id], category="livelihood", on_behalf_of="self",
                                  submit=submit)
    db.session.commit()
    return case


def test_a_two_character_word_inside_a_long_letter_is_found(world):
    filler = "城市建设与民生服务相关情况说明。" * 1250  # 20,000 characters
    long_letter = letter(world, "关于若干民生问题的意见", filler[:9_000] + "欠薪" + filler[9_000:19_998])
    assert len(long_letter.content) == 20_000
    other = letter(world, "路灯不亮", "柳北区胜利路路灯损坏多日。")
    assert found(world.secretary, "欠薪") == [long_letter.id]
    assert found(world.secretary, "路灯") == [other.id]
    assert found(world.secretary, "灯") == [other.id]  # one character
    assert found(world.secretary, "民生服务相关") == [long_letter.id]  # through the trigram index
    hit = search_cases(world.secretary, "欠薪").hits[0]
    assert "<mark>欠薪</mark>" in hit.snippet.html and hit.snippet.source == "content"
    assert len(hit.snippet.html.striptags()) < 100


def test_every_word_must_occur_anywhere_in_the_case(world):
    case = case_in(world, CaseStatus.ANNOTATED)  # annotation: 请市财政局会同园区管委会尽快解决。
    letter(world, "另一件", "农民工工资问题。")
    assert found(world.secretary, "农民工 财政局") == [case.id]  # one word in the letter, one in the annotation
    assert found(world.secretary, "农民工　尽快解决") == [case.id]  # ideographic space separates too
    assert found(world.secretary, "农民工 不存在的词") == []


def test_a_case_is_found_once_however_many_of_its_texts_hold_the_word(world):
    case = case_in(world, CaseStatus.REPLIED)  # annotation: 请市财政局会同园区管委会尽快解决。
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(content="园区欠薪。"))
    db.session.execute(sa.update(Reply).where(Reply.case_id == case.id).values(text="园区已付清。"))
    db.session.commit()
    for sort in ("relevance", "newest", "oldest"):
        results = search_cases(world.secretary, "园区", sort=sort)
        ids = [hit.case.id for hit in results.hits]
        assert ids.count(case.id) == 1 and len(set(ids)) == len(ids) == results.pagination.total


def test_role_scoping(world):
    mine = case_in(world, CaseStatus.IN_PROGRESS)  # assigned to finance (lead) and the park
    theirs = letter(world, "雒容工业园区欠薪", "园区农民工工资被拖欠。", representative=world.other_representative)
    assert set(found(world.secretary, "农民工")) == {mine.id, theirs.id}
    assert found(world.representative, "农民工") == [mine.id]
    assert found(world.other_representative, "农民工") == [theirs.id]
    assert found(world.chen, "农民工") == [mine.id]  # forwarded to him
    assert found(world.deputy, "农民工") == []
    for staff in (world.finance_staff, world.park_staff):
        assert found(staff, "农民工") == [mine.id]
    stranger = UnitStaffFactory(organisation=UnitFactory(name="市住建局"))
    assert found(stranger, "农民工") == []
    assert found(stranger) == []


def test_representatives_do_not_find_internal_annotations_or_unapproved_replies(world):
    case = case_in(world, CaseStatus.FORWARDED)
    services.annotate(case, world.chen, text="内部掌握暂缓公开", internal=True,
                      unit_ids=[world.finance.id], lead_unit_id=world.finance.id)
    services.acknowledge(lead_assignment(case), world.finance_staff)
    services.submit_reply(lead_assignment(case), world.finance_staff, text="调剂安排专项资金", outcome="resolved")
    db.session.commit()
    assert found(world.secretary, "暂缓公开") == [case.id]
    assert found(world.chen, "暂缓公开") == [case.id]
    assert found(world.representative, "暂缓公开") == []
    assert found(world.secretary, "专项资金") == [case.id]
    assert found(world.representative, "专项资金") == []  # not approved yet
    services.approve_reply(case, world.secretary)
    db.session.commit()
    assert found(world.representative, "专项资金") == [case.id]
    hit = search_cases(world.representative, "专项资金").hits[0]
    assert hit.snippet.source == "reply" and "<mark>专项资金</mark>" in hit.snippet.html


def test_a_public_annotation_is_searchable_by_the_representative(world):
    case = case_in(world, CaseStatus.ANNOTATED)
    assert found(world.representative, "会同园区") == [case.id]
    assert search_cases(world.representative, "会同园区").hits[0].snippet.source == "annotation"


@pytest.mark.parametrize("query", [
    '"', '""', "*", "NEAR", "NEAR(a b)", "a OR b", "OR", "AND NOT", "%", "_", "%_%", "'", "';--",
    "\\", "^", "-", ":", "(", ")", "{}", "col:欠薪", "欠薪*", '"欠薪', "欠薪 OR 路灯", "x" * 5000,
    "\x00欠薪", "欠\u3000薪", "' OR 1=1 --", "%欠%", "\n\t", "🙂", "':*", "a' | 'b", "\\'", "!(欠薪", "欠薪:*A",
])
def test_hostile_queries_are_plain_text(world, query):
    letter(world, "路灯", "欠薪问题")
    search_cases(world.secretary, query)
    search_cases(world.representative, query)


def test_syntax_characters_are_matched_literally(world):
    plain = letter(world, "普通来信", "欠薪问题严重")
    marked = letter(world, "含符号", '他说"欠薪*问题" 100%_属实')
    assert found(world.secretary, '"欠薪*问题"') == [marked.id]
    assert found(world.secretary, "100%_") == [marked.id]
    assert found(world.secretary, "%") == [marked.id]
    assert found(world.secretary, "_") == [marked.id]
    assert found(world.secretary, "欠薪 OR 路灯") == []  # OR is a word like any other
    assert set(found(world.secretary, "欠薪")) == {plain.id, marked.id}


def test_an_empty_query_lists_by_filters(world):
    submitted = case_in(world, CaseStatus.SUBMITTED)
    assigned = case_in(world, CaseStatus.ASSIGNED)
    draft = case_in(world, CaseStatus.DRAFT)
    assert set(found(world.secretary, "")) == {submitted.id, assigned.id}
    assert set(found(world.secretary, "   ")) == {submitted.id, assigned.id}
    assert set(found(world.representative)) == {submitted.id, assigned.id, draft.id}
    assert found(world.secretary, status="submitted") == [submitted.id]
    assert found(world.secretary, unit_id=world.park.id) == [assigned.id]
    assert found(world.secretary, leader_id=world.deputy.id) == []
    assert set(found(world.secretary, leader_id=world.chen.id)) == {submitted.id, assigned.id}
    assert set(found(world.secretary, delegation_id=world.representative.delegation_id)) == {submitted.id,
                                                                                            assigned.id}
    assert found(world.secretary, category="economy") == []
    assert search_cases(world.secretary, "").hits[0].snippet is None


def test_dates_overdue_and_sort(world, clock):
    early = case_in(world, CaseStatus.SUBMITTED)
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    late = case_in(world, CaseStatus.SUBMITTED)
    assert found(world.secretary, date_from=date(2026, 12, 1)) == [late.id]
    assert found(world.secretary, date_to=date(2026, 11, 30)) == [early.id]
    assert found(world.secretary, date_from=date(2026, 11, 26), date_to=date(2026, 11, 26)) == [early.id]
    assert found(world.secretary, overdue=True) == [early.id]  # registration was due within a working day
    assert found(world.secretary, overdue=False) == [late.id]
    assert found(world.secretary) == [late.id, early.id]
    assert found(world.secretary, sort="oldest") == [early.id, late.id]


def test_relevance_puts_title_hits_first(world):
    in_title = letter(world, "路灯损坏", "夜间出行不便。")
    in_body = letter(world, "出行问题", "路灯损坏,夜间出行不便。")
    assert found(world.secretary, "路灯") == [in_title.id, in_body.id]
    assert found(world.secretary, "路灯", sort="newest") == [in_body.id, in_title.id]


def test_relevance_ranks_the_newest_matches_only_and_pages_through_them(world, monkeypatch):
    """Ranked in the database: title hits first, across pages, among the newest MAX_RESULTS
    matches only (an older title hit beyond them is not shown); a page past the last shows no
    case but still the count."""
    monkeypatch.setattr(search_services, "MAX_RESULTS", 3)
    too_old = letter(world, "路灯损坏", "夜间出行不便。")
    body = [letter(world, f"第{i}件", "路灯损坏。") for i in range(2)]
    title = letter(world, "路灯不亮", "夜间出行不便。")
    first = search_cases(world.secretary, "路灯", per_page=2)
    assert [hit.case.id for hit in first.hits] == [title.id, body[1].id]
    assert first.pagination.total == 3 and first.more
    second = search_cases(world.secretary, "路灯", per_page=2, page=2)
    assert [hit.case.id for hit in second.hits] == [body[0].id]
    assert too_old.id not in found(world.secretary, "路灯")
    past = search_cases(world.secretary, "路灯", per_page=2, page=5)
    assert past.hits == [] and past.pagination.total == 3 and past.more
    assert search_cases(world.secretary, "无此事", page=3).pagination.total == 0


def test_highlight_escapes_everything_but_the_marks(world):
    case = letter(world, "<b>标题</b>", "<script>alert('欠薪')</script> & 欠薪")
    hit = search_cases(world.secretary, "欠薪").hits[0]
    assert hit.case.id == case.id
    html = str(hit.snippet.html)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert html.count("<mark>欠薪</mark>") == 2
    assert str(hit.title) == "&lt;b&gt;标题&lt;/b&gt;"
    assert str(highlight("<i>x</i>", ["<i>"])) == "<mark>&lt;i&gt;</mark>x&lt;/i&gt;"
    assert str(highlight("a<b", ["<"])) == "a<mark>&lt;</mark>b"


def test_search_page_escapes_and_marks(app, world):
    letter(world, "<script>alert(1)</script>", "<script>alert('欠薪')</script>")
    client = app.test_client()
    login(client, "mishuchu")
    page = client.get("/search?q=欠薪")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<script>alert" not in text
    assert "<mark>欠薪</mark>" in text
    assert world.representative.name in text


def test_search_page_filters_by_role(app, world):
    case = case_in(world, CaseStatus.ASSIGNED)
    letter(world, "路灯", "路灯损坏", representative=world.other_representative)
    secretary, representative = app.test_client(), app.test_client()
    login(secretary, "mishuchu")
    login(representative, "suzhiming")
    page = secretary.get(f"/search?unit_id={world.park.id}&overdue=no&sort=oldest").get_data(as_text=True)
    assert f"/cases/{case.id}\"" in page and "共找到 1 件" in page
    assert 'name="unit_id"' in page
    page = representative.get("/search?q=路灯").get_data(as_text=True)
    assert 'name="unit_id"' not in page and "共找到 0 件" in page
    assert "共找到 1 件" in representative.get("/search?q=农民工").get_data(as_text=True)
    bad = secretary.get("/search?unit_id=abc&date_from=yesterday&status=nonsense")
    assert bad.status_code == 200 and "共找到" not in bad.get_data(as_text=True)


def test_the_filters_list_the_active_leaders_units_and_delegations_in_order(world):
    """Read in one statement, each list keeps its own order: leaders by precedence, units and
    delegations by name; inactive ones are left out."""
    from djgc_direct.search.services import filter_choices
    from tests.factories import DelegationFactory, LeaderFactory

    LeaderFactory(name="退出领导", precedence=0, active=False)
    LeaderFactory(name="新任领导", precedence=0)  # the newest, first in precedence
    UnitFactory(name="一个撤销的单位", active=False)
    DelegationFactory(name="城中区代表团")
    DelegationFactory(name="已撤销代表团", active=False)
    db.session.commit()
    choices = filter_choices()
    assert [name for _id, name in choices["leader_id"]] == ["新任领导", "陈刚", "张建华", "刘海燕"]
    assert choices["unit_id"] == [(world.finance.id, "市财政局"), (world.park.id, "雒容工业园区管委会")]
    names = [name for _id, name in choices["delegation_id"]]
    assert names == sorted(names) and "城中区代表团" in names and "已撤销代表团" not in names


def test_the_index_follows_edits(world):
    case = case_in(world, CaseStatus.RETURNED)
    assert found(world.representative, "农民工") == [case.id]
    services.update_letter(case, world.representative, title="路灯问题", content="胜利路路灯损坏。",
                           leader_ids=[world.chen.id], category="livelihood", on_behalf_of="self")
    db.session.commit()
    assert found(world.representative, "农民工") == []
    assert found(world.representative, "路灯损坏") == [case.id]
    assert found(world.representative, "路灯") == [case.id]


def test_the_index_follows_merges(world):
    letter_a = letter(world, "园区欠薪", "雒容工业园区独有表述甲乙丙。")
    target = case_in(world, CaseStatus.REGISTERED)
    services.merge(letter_a, world.secretary, target.id)
    db.session.commit()
    # The merged letter's words find the case that now handles it, for the staff.
    assert set(found(world.secretary, "甲乙丙")) == {letter_a.id, target.id}
    hit = next(h for h in search_cases(world.secretary, "甲乙丙").hits if h.case.id == target.id)
    assert hit.snippet.source == "merged_letter"
    assert found(world.secretary, "甲乙丙", status="merged") == [letter_a.id]


def test_merged_letters_do_not_leak_to_the_other_representative(world):
    theirs = letter(world, "园区欠薪", "独有表述甲乙丙。", representative=world.other_representative)
    mine = case_in(world, CaseStatus.REGISTERED)
    services.merge(theirs, world.secretary, mine.id)
    db.session.commit()
    assert found(world.representative, "甲乙丙") == []
    # The other representative finds their own letter; its page leads to the case handling it.
    assert found(world.other_representative, "甲乙丙") == [theirs.id]


def test_the_index_follows_deletes(world):
    case = letter(world, "路灯", "路灯损坏多日")
    assert found(world.secretary, "损坏多日") == [case.id]
    db.session.execute(sa.delete(Case).where(Case.id == case.id))
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(sa.text("SELECT count(*) FROM search_index")) == 0


def test_search_finds_numbers(world):
    case = case_in(world, CaseStatus.REGISTERED)
    assert found(world.secretary, case.number[-6:-1]) == [case.id]
    assert found(world.secretary, case.number) == [case.id]
    assert found(world.secretary, case.number[-1:]) == []  # 号: the number is searched by its digits
    assert found(world.secretary, "直通") == []  # in every number, in no letter


def test_the_index_is_asked_for_each_words_rarest_bigram(monkeypatch):
    """PostgreSQL asks the index for each word's rarest bigram by its statistics; a bigram not
    among the most common is rarer than any that is."""
    monkeypatch.setattr(search_services, "_bigram_frequencies",
                        lambda: {"雒容": 0.06, "容工": 0.02, "工业": 0.07, "拖欠": 0.05})
    assert search_services._words_query(["雒容工业", "拖欠"], rarest_only=True) == "('容工') & ('拖欠')"
    assert search_services._words_query(["雒容工业", "拖欠"]) == "('雒容' & '容工' & '工业') & ('拖欠')"
    monkeypatch.setattr(search_services, "_bigram_frequencies", lambda: {"雒容": 0.06, "工业": 0.01})
    assert search_services.term_query("雒容工业", rarest_only=True) == "'容工'"
    assert search_services.term_query("灯", rarest_only=True) == "'灯':*"
    assert search_services.term_query("0173号", rarest_only=True) == "'01'"  # a number: its digits only


def test_words_common_alone_but_rare_together_are_found_exactly(world, monkeypatch):
    """The rarest bigrams leave too many documents (here more than two): every bigram is asked
    next, before the search goes slice by slice; what is found is exact either way."""
    monkeypatch.setattr(search_services, "SLICE_FROM", 2)
    monkeypatch.setattr(search_services, "_bigram_frequencies", lambda: {"雒容": 0.5, "工业": 0.5})
    decoys = [letter(world, f"第{i}件", f"容工之事{i}") for i in range(3)]
    named = letter(world, "雒容工业", "园区的事")
    assert found(world.secretary, "雒容工业") == [named.id]
    assert found(world.secretary, "容工") == [named.id] + [c.id for c in reversed(decoys)]


def test_bigram_frequencies_come_from_postgresql_statistics(world, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's statistics of the search documents")
    for i in range(5):
        letter(world, f"路灯{i}", "胜利路路灯损坏。")
    db.session.execute(sa.text("ANALYZE search_documents"))
    monkeypatch.setitem(search_services._frequencies, "read_at", None)
    frequencies = search_services._bigram_frequencies()
    assert frequencies["路灯"] == pytest.approx(1.0)


@pytest.mark.parametrize("slice_from", [search_services.SLICE_FROM, 1])
def test_a_longer_word_is_the_text_itself_not_just_its_pieces(world, monkeypatch, slice_from):
    """Every piece (bigram) of 雒容工业 is in this case, but not the word; also when the words are
    taken for common ones (PostgreSQL then asks the index for one bigram and rechecks the rest)."""
    monkeypatch.setattr(search_services, "SLICE_FROM", slice_from)
    case = letter(world, "雒容问题", "容工之事,工业园区")
    assert found(world.secretary, "雒容") == [case.id]
    assert found(world.secretary, "雒容工业") == []
    assert found(world.secretary, "工业园区") == [case.id]
    assert found(world.secretary, "区") == [case.id]  # the last character of the letter
    assert found(world.secretary, "雒容 工业园区") == [case.id]
    assert found(world.secretary, "雒容 工业园") == [case.id]
    assert found(world.secretary, "工业园区 雒容工") == []
    assert found(world.representative, "容工 工业园区") == [case.id]


def test_the_index_follows_every_write_to_annotations_and_replies(world):
    case = case_in(world, CaseStatus.ANNOTATED)
    annotation = case.annotations[0]
    db.session.execute(sa.update(Annotation).where(Annotation.id == annotation.id).values(text="改为督办甲乙"))
    db.session.commit()
    assert found(world.secretary, "督办甲乙") == [case.id]
    assert found(world.secretary, "财政局") == []
    db.session.execute(sa.delete(Annotation).where(Annotation.id == annotation.id))
    db.session.commit()
    assert found(world.secretary, "督办甲乙") == []
    replied = case_in(world, CaseStatus.REPLIED)
    reply = replied.replies[0]
    db.session.execute(sa.update(Reply).where(Reply.id == reply.id).values(text="答复改写丙丁"))
    db.session.commit()
    assert found(world.secretary, "丙丁") == [replied.id]


def test_a_search_returns_the_newest_matches_up_to_its_limit(world, monkeypatch):
    monkeypatch.setattr(search_services, "MAX_RESULTS", 3)
    monkeypatch.setattr(search_services, "FIRST_SLICE", 2)  # on PostgreSQL: slices of two, then eight ids
    monkeypatch.setattr(search_services, "SLICE_FROM", 1)  # even for words few documents hold
    cases = [letter(world, f"第{i}件", "路灯损坏") for i in range(6)]
    letter(world, "无关", "别的事情")
    newest = search_cases(world.secretary, "路灯", per_page=2)
    assert [hit.case.id for hit in newest.hits] == [cases[5].id, cases[4].id]
    assert newest.more and newest.pagination.total == 3 and newest.pagination.has_next
    last = search_cases(world.secretary, "路灯", per_page=2, page=2)
    assert [hit.case.id for hit in last.hits] == [cases[3].id] and not last.pagination.has_next
    assert found(world.secretary, "路灯", sort="oldest") == [c.id for c in cases[:3]]
    assert found(world.secretary, "别的") == [cases[-1].id + 1]
    assert not search_cases(world.secretary, "别的").more


def test_words_few_letters_hold_return_the_newest_or_oldest_up_to_the_limit(world, monkeypatch):
    """Words read at once through the index (PostgreSQL: fewer documents than SLICE_FROM) still
    give the newest matches up to the limit, or with sort="oldest" the oldest."""
    monkeypatch.setattr(search_services, "MAX_RESULTS", 3)
    cases = [letter(world, f"第{i}件", "路灯损坏多日") for i in range(6)]
    newest = search_cases(world.secretary, "损坏多日 路灯", sort="newest")
    assert [hit.case.id for hit in newest.hits] == [c.id for c in reversed(cases[3:])] and newest.more
    assert found(world.secretary, "损坏多日 路灯", sort="oldest") == [c.id for c in cases[:3]]


def test_a_rare_two_character_word_is_found_in_the_oldest_slice(world, monkeypatch):
    """On PostgreSQL a two-character word is always looked up slice by slice (no count first):
    one the newest slices lack is still found further back, and only where it is."""
    monkeypatch.setattr(search_services, "FIRST_SLICE", 2)
    old = letter(world, "桥梁", "桥梁开裂")
    newer = [letter(world, f"第{i}件", "路灯损坏") for i in range(9)]
    assert found(world.secretary, "开裂") == [old.id]
    assert found(world.secretary, "损坏") == [c.id for c in reversed(newer)]
    assert found(world.secretary, "无此") == []


def test_the_list_keyword_box_matches_as_search_does(app, world, monkeypatch):
    """The case lists' keyword box: the newest matches within the list's own cases, with the
    search page's hint when there are more than it shows."""
    monkeypatch.setattr(search_services, "MAX_RESULTS", 3)
    monkeypatch.setattr(search_services, "FIRST_SLICE", 2)
    waiting = letter(world, "路灯", "路灯损坏,请登记")  # stays in the inbox, the oldest match
    registered = [letter(world, f"第{i}件", "路灯损坏") for i in range(5)]
    for case in registered:
        services.register(case, world.secretary)
    db.session.commit()
    client = app.test_client()
    login(client, "mishuchu")
    everything = client.get("/cases/?q=路灯").get_data(as_text=True)
    assert "以下是最新的 3 件" in everything
    assert [f"/cases/{c.id}\"" in everything for c in registered] == [False, False, True, True, True]
    inbox = client.get("/cases/inbox?q=路灯").get_data(as_text=True)
    assert f"/cases/{waiting.id}\"" in inbox and "以下是最新的" not in inbox and "共 1 件" in inbox
    assert "共 0 件" in client.get("/cases/inbox?q=桥梁").get_data(as_text=True)


def test_terms_of():
    assert terms_of("  欠薪  路灯 欠薪 ") == ["欠薪", "路灯"]
    assert terms_of("a\x00b") == ["a", "b"]
    assert len(terms_of("字" * 1000)[0]) == 100
    assert len(terms_of(" ".join(str(i) for i in range(50)))) == 8


def test_pagination(world):
    for i in range(5):
        letter(world, f"路灯{i}", "路灯损坏")
    results = search_cases(world.secretary, "路灯", page=2, per_page=2)
    assert results.pagination.total == 5 and len(results.hits) == 2 and results.pagination.page == 2
    assert search_cases(world.secretary, "路灯", page=99, per_page=2).hits == []


def test_search_api(client, world):
    from tests.test_api import caller
    case = letter(world, "<b>路灯</b>", "<script>x</script>胜利路路灯损坏")
    letter(world, "别的", "路灯", representative=world.other_representative)
    response = caller(client, world.representative).get("/search?q=路灯&sort=newest&per_page=5")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and body["per_page"] == 5
    item = body["items"][0]
    assert item["id"] == case.id and item["title_html"] == "&lt;b&gt;<mark>路灯</mark>&lt;/b&gt;"
    assert item["representative"] == {"id": world.representative.id, "name": world.representative.name}
    assert (item["status"], item["category"], item["number"]) == (case.status.value, case.category.value, case.number)
    assert item["snippet"] == {"source": "content", "html": "&lt;script&gt;x&lt;/script&gt;胜利路<mark>路灯</mark>损坏"}
    assert caller(client, world.secretary).get("/search?q=%22*NEAR%25").status_code == 200
    assert caller(client, world.secretary).get("/search?sort=best").status_code == 422


def test_bigram_tokens():
    assert sqlite_tokens("道路 A") == "9053g8def 8defg 61g"  # a character before a space or the end is alone
    assert sqlite_tokens("AB") == sqlite_tokens("ab") == "61g62 62g"
    assert sqlite_query("道路") == '"9053g8def"'
    assert sqlite_query("道") == '"9053g" *'
    assert sqlite_query('"*') == '"22g2a"'  # only hex tokens reach FTS5
    assert pairs("工业园区工业") == ["工业", "业园", "园区", "区工"]


def test_the_sqlite_index_stays_consistent(world):
    """After the writes the triggers handle, the index holds what one built afresh from the
    current rows holds: a contentless table is deleted from by giving the old tokens again, and a
    mismatch would leave stale entries behind silently (FTS5's integrity-check cannot see it)."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 index")
    case = case_in(world, CaseStatus.REPLIED)
    services.update_letter(letter(world, "草稿", "路灯", submit=False), world.representative, title="路灯问题",
                           content="胜利路路灯损坏。", leader_ids=[world.chen.id], category="livelihood",
                           on_behalf_of="self")
    db.session.execute(sa.update(Reply).where(Reply.case_id == case.id).values(text="改写"))
    db.session.execute(sa.delete(Annotation).where(Annotation.case_id == case.id))
    db.session.execute(sa.delete(Case).where(Case.status == CaseStatus.DRAFT))
    # A case keeps its annotation (rewritten) and reply, and gets another case's annotation: its
    # row holds them in the order of their ids.
    whole, other = case_in(world, CaseStatus.REPLIED), case_in(world, CaseStatus.ANNOTATED)
    db.session.execute(sa.update(Annotation).where(Annotation.case_id == whole.id).values(text="批示改写"))
    db.session.execute(sa.update(Annotation).where(Annotation.case_id == other.id).values(case_id=whole.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Annotation).where(Annotation.case_id == whole.id)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reply).where(Reply.case_id == whole.id))
    # Merged letters are held under the case handling them too, and follow it.
    target = case_in(world, CaseStatus.REGISTERED)
    merged, moved = letter(world, "并入一", "雒容园区欠薪"), letter(world, "并入二", "柳东新区欠薪")
    for each in (merged, moved):
        services.merge(each, world.secretary, target.id)
    db.session.execute(sa.update(Case).where(Case.id == merged.id).values(content="雒容园区欠薪已核实"))
    db.session.execute(sa.update(Case).where(Case.id == moved.id).values(merged_into_id=case.id))
    db.session.commit()
    # A case's row: its title and letter, annotations, replies and the letters merged into it,
    # each on a line of its own, in the order of their ids (written here in Python, not in SQL).
    def case_text(case):
        annotations = sorted(db.session.scalars(sa.select(Annotation).where(Annotation.case_id == case.id)),
                             key=lambda row: row.id)
        replies = sorted(db.session.scalars(sa.select(Reply).where(Reply.case_id == case.id)), key=lambda row: row.id)
        merged = sorted(db.session.scalars(sa.select(Case).where(Case.merged_into_id == case.id)), key=lambda row: row.id)
        return "\n".join([case.title, case.content, *[row.text for row in annotations], *[row.text for row in replies],
                          *[f"{row.title}\n{row.content}" for row in merged]])

    for statement in ("CREATE VIRTUAL TABLE temp.fresh USING fts5(body, content='')",
                      "CREATE VIRTUAL TABLE temp.kept_terms USING fts5vocab(main, search_index, 'instance')",
                      "CREATE VIRTUAL TABLE temp.fresh_terms USING fts5vocab(temp, fresh, 'instance')"):
        db.session.execute(sa.text(statement))
    db.session.execute(sa.text("INSERT INTO temp.fresh (rowid, body) VALUES (:id, :body)"),
                       [{"id": case.id, "body": sqlite_tokens(case_text(case))} for case in db.session.scalars(sa.select(Case))])
    # Every term at every place of every row (the rowid: the case it is found for).
    kept = db.session.execute(sa.text("SELECT term, doc, col, offset FROM temp.kept_terms")).all()
    assert len(kept) > 20
    assert set(kept) == set(db.session.execute(sa.text("SELECT term, doc, col, offset FROM temp.fresh_terms")).all())
    db.session.rollback()


def test_a_bulk_load_builds_the_documents_at_the_end(world):
    from djgc_direct.search.bulk import bulk_load

    with bulk_load():
        early = letter(world, "批量导入", "雒容工业园区路灯损坏。")
        if db.engine.dialect.name == "postgresql":
            assert found(world.secretary, "路灯") == []  # its document is not written yet
    later = letter(world, "导入之后", "雒容工业园区路灯修好了。")  # the triggers are on again
    assert set(found(world.secretary, "路灯")) == {early.id, later.id}
    assert found(world.secretary, "损坏") == [early.id]

