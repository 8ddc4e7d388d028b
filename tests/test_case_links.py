"""关联: the secretariat links related letters, each handled on its own; every page lists the links
its viewer may see, and a link can be undone."""
import re

import pytest
import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases import services
from djgc_direct.cases.models import CaseLink, CaseStatus
from djgc_direct.core.errors import PermissionDenied, ValidationError
from djgc_direct.extensions import db
from tests.cases_world import case_in, make_world, write_letter
from tests.helpers import login
from tests.test_api import assert_error, caller
from tests.test_similar import SAME_MATTER


@pytest.fixture
def world():
    return make_world()


def other_letter(world, status=None):
    """A letter on the same matter from another representative (submitted), or 苏志明's own case."""
    if status:
        return case_in(world, status)
    case = write_letter(world, representative=world.other_representative, title="关于雒容工业园区欠薪的紧急反映")
    db.session.commit()
    return case


def test_a_link_shows_on_both_cases_and_is_audited(world):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = other_letter(world)
    services.link(second, world.secretary, first.id)
    db.session.commit()
    assert services.linked_cases(second, world.secretary) == [first]
    assert services.linked_cases(first, world.secretary) == [second]
    assert second.status is CaseStatus.SUBMITTED and first.status is CaseStatus.ASSIGNED  # both go on alone
    audit = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.action == "link")).one()
    assert audit.object_id == second.id and audit.after["linked_case_id"] == first.id

    services.unlink(first, world.secretary, second.id)  # from either side
    db.session.commit()
    assert services.linked_cases(second, world.secretary) == []
    assert db.session.scalar(sa.select(sa.func.count(CaseLink.id))) == 0


@pytest.mark.parametrize("problem", ["itself", "draft", "missing", "twice", "not linked"])
def test_bad_links_are_refused_with_a_reason(world, problem):
    case = other_letter(world)
    first = case_in(world, CaseStatus.REGISTERED)
    if problem == "twice":
        services.link(case, world.secretary, first.id)
        db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))
    target = {"itself": case.id, "draft": write_letter(world, submit=False).id, "missing": 999_999,
              "twice": first.id, "not linked": first.id}[problem]
    with pytest.raises(ValidationError) as refused:
        if problem == "not linked":
            services.unlink(case, world.secretary, target)
        else:
            services.link(case, world.secretary, target)
    assert refused.value.field == "linked_case_id" and refused.value.message
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == before


def test_only_the_secretariat_links(world):
    case = case_in(world, CaseStatus.ASSIGNED)
    other = other_letter(world)
    for user in (world.representative, world.chen, world.finance_staff):
        with pytest.raises(PermissionDenied):
            services.link(case, user, other.id)
        db.session.rollback()


def test_each_viewer_sees_only_the_links_to_cases_they_may_read(world):
    own = case_in(world, CaseStatus.ASSIGNED)  # 苏志明's
    others = other_letter(world)  # 黄丽萍's
    services.link(others, world.secretary, own.id)
    db.session.commit()
    assert services.linked_cases(own, world.representative) == []  # never another representative's letter
    assert services.linked_cases(others, world.other_representative) == []
    assert services.linked_cases(own, world.secretary) == [others]


def test_secretariat_links_from_the_similar_letters_and_undoes_it(app, world):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = write_letter(world, representative=world.other_representative, title="关于雒容工业园区欠薪的紧急反映")
    second.content = SAME_MATTER
    db.session.commit()
    client = app.test_client()
    login(client, "mishuchu")
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert f'action="/cases/{second.id}/link"' in page and f'name="link-linked_case_id" value="{first.id}"' in page
    token = re.search(r'name="link-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/cases/{second.id}/link", data={"link-csrf_token": token, "link-linked_case_id": first.id})
    assert response.status_code == 302

    for case, other in ((second, first), (first, second)):
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        section = page[page.index('id="linked-title"'):]
        assert f"/cases/{other.id}" in section and other.title in section
    page = client.get(f"/cases/{second.id}").get_data(as_text=True)
    assert "已关联" in page  # the similar letter is no longer offered for linking
    assert "关联来信" in page[page.index('id="timeline-title"'):]  # the action in the case's history

    token = re.search(r'name="unlink-csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/cases/{second.id}/unlink",
                           data={"unlink-csrf_token": token, "unlink-linked_case_id": first.id})
    assert response.status_code == 302
    assert 'id="linked-title"' not in client.get(f"/cases/{second.id}").get_data(as_text=True)


def test_a_refused_link_from_the_form_says_why(app, world):
    case = other_letter(world)
    client = app.test_client()
    login(client, "mishuchu")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    token = re.search(r'name="link-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(f"/cases/{case.id}/link", data={"link-csrf_token": token, "link-linked_case_id": case.id})
    assert response.status_code == 422
    assert "只能关联另一件已提交的来信" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CaseLink.id))) == 0


def test_the_representative_page_does_not_show_links_to_other_letters(app, world):
    own = case_in(world, CaseStatus.ASSIGNED)
    others = other_letter(world)
    services.link(others, world.secretary, own.id)
    db.session.commit()
    client = app.test_client()
    login(client, "suzhiming")
    page = client.get(f"/cases/{own.id}").get_data(as_text=True)
    assert 'id="linked-title"' not in page and f"/cases/{others.id}" not in page


def test_links_through_the_api(client, world):
    first = case_in(world, CaseStatus.ASSIGNED)
    second = other_letter(world)
    secretary = caller(client, world.secretary)
    response = secretary.post(f"/cases/{second.id}/links", json={"linked_case_id": first.id})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["linked_case_ids"] == [first.id]
    assert secretary.get(f"/cases/{first.id}").get_json()["linked_case_ids"] == [second.id]
    assert_error(secretary.post(f"/cases/{second.id}/links", json={"linked_case_id": first.id}),
                 422, "invalid", "linked_case_id")
    assert_error(secretary.post(f"/cases/{second.id}/links", json={"linked_case_id": "x"}), 422, "invalid",
                 "linked_case_id")
    response = secretary.delete(f"/cases/{second.id}/links/{first.id}")
    assert response.status_code == 200 and response.get_json()["linked_case_ids"] == []
    assert_error(secretary.delete(f"/cases/{second.id}/links/{first.id}"), 422, "invalid", "linked_case_id")
