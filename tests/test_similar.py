"""Similar letters: the same matter from different representatives is recognised, unrelated
letters are not, and each role sees only what DESIGN §4 lets it."""
import re

import pytest
import sqlalchemy as sa

from djgc_direct.cases import services
from djgc_direct.cases.models import Case, CaseStatus
from djgc_direct.extensions import db
from djgc_direct.search import similar
from djgc_direct.search.models import SimilarLetter
from djgc_direct.search.similar import names_in, similar_cases, similar_matter_in_hand
from tests.conftest import DEFAULT_NOW
from tests.cases_world import case_in, make_world
from tests.helpers import login

SAME_MATTER = ("我所在的雒容工业园区,有建筑工地拖欠农民工工资已有半年,施工方说是园区欠了工程款,"
               "工人们年关难过,请市委协调解决欠薪问题。")
ROAD = "雒容工业园区内主干道路面破损严重,大货车通行困难,雨天积水,请有关部门尽快修缮。"
STREET_LIGHT = "柳北区胜利路一带路灯损坏多日,夜间出行不便,存在安全隐患,请尽快维修。"
CANTEEN = "某小学食堂卫生条件差,家长反映强烈,恳请市委领导关注解决。"


@pytest.fixture
def world():
    return make_world()


def letter(world, title, content, representative):
    case = services.create_letter(representative, title=title, content=content, leader_ids=[world.chen.id],
                                  category="labour", on_behalf_of="self", submit=True)
    db.session.commit()
    return case


def test_names_come_from_places_and_organisations(world):
    assert names_in("雒容工业园区管委会拖欠工资,市财政局未拨款,柳北区也有") == {"雒容工业园区管委会", "市财政局", "柳北区"}
    assert names_in("雒容工业园区欠薪") == {"雒容工业园区"}  # not also 雒容
    assert names_in("没有地名的来信") == set()


def test_two_letters_about_luorong_wages_are_similar(world):
    first = case_in(world, CaseStatus.ASSIGNED)  # 苏志明's letter
    unrelated = [letter(world, "园区道路破损", ROAD, world.representative),
                 letter(world, "路灯损坏", STREET_LIGHT, world.representative),
                 letter(world, "学校食堂", CANTEEN, world.representative)]
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)

    found = similar_cases(second, world.secretary)
    assert [s.case.id for s in found] == [first.id]
    assert found[0].names == ("雒容工业园区",) and 0 < found[0].score <= 1
    # Only earlier cases, never the case itself; the unrelated ones are not similar to anything.
    assert similar_cases(first, world.secretary) == []
    for case in unrelated:
        assert similar_cases(case, world.secretary) == []
    assert [s.case.id for s in similar_cases(SAME_MATTER, world.secretary)] == [second.id, first.id]


def test_a_letter_naming_several_places(world):
    """Candidates are looked up for every name at once (on SQLite one flat UNION: SQLite refuses a
    UNION of UNIONs, which the demo's case page once hit)."""
    road = letter(world, "园区道路破损", ROAD, world.representative)
    light = letter(world, "路灯损坏", STREET_LIGHT, world.representative)
    both = "雒容工业园区和柳北区胜利路一带路灯损坏多日,主干道路面破损严重,夜间出行不便,请尽快维修。"
    assert names_in(both) == {"雒容工业园区", "柳北区"}
    found = similar_cases(both, world.secretary)
    assert {s.case.id for s in found} == {light.id, road.id} or {s.case.id for s in found} == {light.id}
    assert all(s.names for s in found)


def test_merged_away_letters_are_not_offered(world):
    first = case_in(world, CaseStatus.REGISTERED)
    merged = letter(world, "雒容工业园区欠薪", SAME_MATTER, world.other_representative)
    target = case_in(world, CaseStatus.REGISTERED)
    services.merge(merged, world.secretary, target.id)
    db.session.commit()
    third = letter(world, "雒容工业园区欠薪问题", SAME_MATTER, world.other_representative)
    ids = [s.case.id for s in similar_cases(third, world.secretary)]
    assert merged.id not in ids and third.id not in ids
    assert {first.id, target.id} <= set(ids)


def test_scope_follows_the_user(world):
    case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    assert similar_cases(second, world.other_representative) == []  # cannot see the first letter
    assert similar_cases(second, world.deputy) == []
    assert similar_matter_in_hand(second)
    own_first = letter(world, "路灯损坏", STREET_LIGHT, world.representative)
    assert not similar_matter_in_hand(own_first)


def test_secretariat_page_lists_similar_letters_with_merge(app, world):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    client = app.test_client()
    login(client, "mishuchu")
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert "相似来信" in page and f"/cases/{first.id}" in page and first.title in page
    assert f'name="merge-into_case_id" value="{first.id}"' in page
    assert f'action="/cases/{second.id}/merge"' in page
    token = re.search(r'name="merge-csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/cases/{second.id}/merge",
                           data={"merge-csrf_token": token, "merge-into_case_id": first.id})
    assert response.status_code == 302
    db.session.refresh(second)
    assert second.status is CaseStatus.MERGED and second.merged_into_id == first.id


def test_representative_page_says_only_that_the_matter_is_in_hand(app, world):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    client = app.test_client()
    login(client, "huangliping")
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert "已有相似事项正在办理" in page
    assert first.title not in page and f"/cases/{first.id}" not in page and (first.number or "") not in page
    client = app.test_client()
    login(client, "suzhiming")
    assert "已有相似事项正在办理" not in client.get(f"/cases/{first.id}").get_data(as_text=True)


def test_similar_api(client, world):
    from tests.test_api import caller
    first = case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    response = caller(client, world.secretary).get(f"/cases/{second.id}/similar")
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert item["id"] == first.id and item["names"] == ["雒容工业园区"] and 0 < item["score"] <= 1
    assert caller(client, world.other_representative).get(f"/cases/{second.id}/similar").status_code == 403


def kept(case):
    return [(row.similar_case_id, row.names) for row in db.session.scalars(
        sa.select(SimilarLetter).where(SimilarLetter.case_id == case.id).order_by(SimilarLetter.score.desc()))]


def never_scored(monkeypatch):
    """Make scoring candidates fail: what is shown then can only come from what was kept."""
    def refuse(*args):
        raise AssertionError("similar letters scored again")
    monkeypatch.setattr(similar, "_candidates", refuse)


def test_similar_letters_are_kept_at_submission_and_read_back(app, world, monkeypatch):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    assert kept(second) == [(first.id, ["雒容工业园区"])] and kept(first) == []
    assert second.similar_found_at == DEFAULT_NOW
    never_scored(monkeypatch)
    assert [(s.case.id, s.names) for s in similar_cases(second, world.secretary)] == [(first.id, ("雒容工业园区",))]
    assert similar_matter_in_hand(second)
    client = app.test_client()
    login(client, "mishuchu")
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert "相似来信" in page and f'name="merge-into_case_id" value="{first.id}"' in page


def test_what_a_kept_letter_became_decides_whether_it_is_shown(world, monkeypatch):
    first = case_in(world, CaseStatus.REGISTERED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    target = case_in(world, CaseStatus.REGISTERED)
    never_scored(monkeypatch)
    assert [s.case.id for s in similar_cases(second, world.secretary)] == [first.id]
    services.merge(first, world.secretary, target.id)  # merged away: no longer a letter to merge into
    db.session.commit()
    assert kept(second) == [(first.id, ["雒容工业园区"])]
    assert similar_cases(second, world.secretary) == [] and not similar_matter_in_hand(second)


def test_a_letter_drafted_before_others_finds_them_when_submitted(world):
    draft = services.create_letter(world.other_representative, title="关于雒容工业园区欠薪的紧急反映",
                                   content=SAME_MATTER, leader_ids=[world.chen.id], category="labour",
                                   on_behalf_of="self")
    first = letter(world, "雒容工业园区拖欠农民工工资", SAME_MATTER, world.representative)
    assert draft.id < first.id and draft.similar_found_at is None
    services.submit_letter(draft, world.other_representative)
    db.session.commit()
    assert [s.case.id for s in similar_cases(draft, world.secretary)] == [first.id]


def test_a_resubmitted_letter_has_its_similar_letters_found_again(world):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    services.return_to_representative(second, world.secretary, "请写明具体工地")
    services.update_letter(second, world.other_representative, title="路灯损坏", content=STREET_LIGHT,
                           leader_ids=[world.chen.id], category="labour", on_behalf_of="self")
    services.submit_letter(second, world.other_representative)
    db.session.commit()
    assert first.id != second.id and kept(second) == [] and similar_cases(second, world.secretary) == []


def test_letters_from_before_are_scored_when_shown_until_the_command_keeps_theirs(app, world, runner, monkeypatch):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    letter(world, "路灯损坏", STREET_LIGHT, world.representative)
    draft = case_in(world, CaseStatus.DRAFT)
    db.session.execute(sa.delete(SimilarLetter))  # as after the upgrade that began keeping them
    db.session.execute(sa.update(Case).values(similar_found_at=None))
    db.session.commit()
    db.session.expire_all()
    assert [s.case.id for s in similar_cases(second, world.secretary)] == [first.id]

    versions = dict(db.session.execute(sa.select(Case.id, Case.version)).all())
    result = runner.invoke(args=["djgc", "similar-letters", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "similar letters kept for 3 letters"  # not the draft
    db.session.expire_all()
    # Derived data, not a change of the letter: nobody acting on one meanwhile is told it changed.
    assert dict(db.session.execute(sa.select(Case.id, Case.version)).all()) == versions
    assert kept(second) == [(first.id, ["雒容工业园区"])] and kept(first) == []
    assert db.session.get(Case, draft.id).similar_found_at is None
    never_scored(monkeypatch)
    assert [s.case.id for s in similar_cases(second, world.secretary)] == [first.id]
    assert runner.invoke(args=["djgc", "similar-letters"]).output == "similar letters kept for 0 letters\n"
    assert runner.invoke(args=["djgc", "similar-letters", "--batch", "0"]).exit_code == 2


def test_a_letter_returned_for_more_facts_is_shown_once_resubmitted(world):
    returned = letter(world, "雒容工业园区拖欠农民工工资", SAME_MATTER, world.representative)
    services.return_to_representative(returned, world.secretary, "请写明具体工地")
    db.session.commit()
    second = letter(world, "关于雒容工业园区欠薪的紧急反映", SAME_MATTER, world.other_representative)
    assert kept(second) == [(returned.id, ["雒容工业园区"])]
    assert similar_cases(second, world.secretary) == []  # returned: not in hand now
    services.submit_letter(returned, world.representative)
    db.session.commit()
    assert [s.case.id for s in similar_cases(second, world.secretary)] == [returned.id]
