"""Who may call what: every /api/v1 route of the URL map × every role, against DESIGN §4.

A route without an entry in EXPECTED fails `test_every_api_route_has_expectations`, so a new
endpoint cannot ship without someone deciding who may use it.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from djgc_direct.assessments import services as assessments
from djgc_direct.cases import services
from djgc_direct.cases.models import Case, CaseStatus
from djgc_direct.extensions import db
from tests.cases_world import case_in, lead_assignment, make_world, write_letter
from tests.factories import PASSWORD, AdminFactory
from tests.test_api import API, caller, db_state

ROLES = ("representative", "secretariat", "leader", "unit_staff", "admin")
ALLOWED = {200, 201, 204}


def expect(representative, secretariat, leader, unit_staff, admin):
    return dict(zip(ROLES, (representative, secretariat, leader, unit_staff, admin)))


def everyone(status):
    return dict.fromkeys(ROLES, status)


# Setups: each builds what a call needs and returns the values for the URL's placeholders.
def nothing(world):
    return {}


def case_at(status):
    def setup(world):
        case = case_in(world, status)
        lead = next((a for a in services.current_assignments(case) if a.is_lead), None)
        return {"case": case.id, "lead": lead and lead.id}
    return setup


def pending_extension(world):
    case = case_in(world, CaseStatus.IN_PROGRESS)
    extension = services.request_extension(lead_assignment(case), world.finance_staff, "2027-01-15", "需协调预算。")
    db.session.commit()
    return {"extension": extension.id}


def issued_bulletin(world):
    from djgc_direct.core.clock import today_shanghai
    from djgc_direct.documents.reports import issue_bulletin
    from djgc_direct.metrics.periods import parse_period

    case_in(world, CaseStatus.CLOSED)
    issue_bulletin(parse_period("2026-11"), actor=None, office="党代表直通车办公室", today=today_shanghai())
    db.session.commit()
    return {}


def two_letters(world):
    case = case_in(world, CaseStatus.SUBMITTED)
    other = write_letter(world, representative=world.other_representative, title="同一事项")
    db.session.commit()
    return {"case": case.id, "other": other.id}


def linked_letters(world):
    ids = two_letters(world)
    services.link(db.session.get(Case, ids["case"]), world.secretary, ids["other"])
    db.session.commit()
    return ids


def assessed(world):
    rubric = (Path(__file__).resolve().parent.parent / "config" / "rubrics" / "djgc_direct_v1.yaml")
    assessments.import_rubric(rubric.read_text(encoding="utf-8"), None)
    assessments.run_latest("2026-10")
    db.session.commit()
    return {}


@dataclass(frozen=True)
class Call:
    setup: Callable
    url: str  # under /api/v1, with placeholders filled from the setup
    expected: dict
    body: Callable = None  # (world, caller's user, placeholders) -> JSON body


def unit_only(status):
    """Only the staff of the assigned unit; to everyone else the assignment does not exist."""
    return expect(404, 404, 404, status, 404)


EXPECTED = {
    ("POST", "/auth/token"): Call(nothing, "/auth/token", everyone(201),
                                  lambda w, user, ids: {"username": user.username, "password": PASSWORD}),
    ("DELETE", "/auth/token"): Call(nothing, "/auth/token", everyone(204)),
    ("GET", "/openapi.json"): Call(nothing, "/openapi.json", everyone(200)),
    ("GET", "/leaders"): Call(nothing, "/leaders", everyone(200)),
    ("GET", "/units"): Call(nothing, "/units", everyone(200)),
    # Unit staff read their own unit's figures (group=unit, the default); tests/test_metrics_pages.py
    # covers the other groups.
    ("GET", "/metrics"): Call(case_at(CaseStatus.CLOSED), "/metrics?period=2026-11", expect(403, 200, 200, 200, 403)),
    # Reading the latest issue changes nothing; POST issues a new one (tests/test_bulletins.py).
    ("GET", "/bulletins/<period>.docx"): Call(issued_bulletin, "/bulletins/2026-11.docx",
                                              expect(403, 200, 200, 403, 403)),
    ("POST", "/bulletins/<period>"): Call(case_at(CaseStatus.CLOSED), "/bulletins/2026-11",
                                          expect(403, 201, 403, 403, 403)),
    # Unit staff read their own unit's result; tests/test_assessment_pages.py checks what each sees.
    ("GET", "/assessments/<period>"): Call(assessed, "/assessments/2026-10", expect(403, 200, 200, 200, 403)),
    ("GET", "/cases"): Call(case_at(CaseStatus.IN_PROGRESS), "/cases", everyone(200)),
    ("POST", "/cases"): Call(nothing, "/cases", expect(201, 403, 403, 403, 403),
                             lambda w, user, ids: {"title": "欠薪", "content": "农民工工资被拖欠。",
                                                   "leader_ids": [w.chen.id]}),
    ("GET", "/cases/<int:case_id>"): Call(case_at(CaseStatus.IN_PROGRESS), "/cases/{case}",
                                          expect(200, 200, 200, 200, 404)),
    ("GET", "/cases/<int:case_id>/slip.docx"): Call(case_at(CaseStatus.IN_PROGRESS), "/cases/{case}/slip.docx",
                                                    expect(403, 200, 200, 403, 403)),
    ("POST", "/cases/<int:case_id>/submit"): Call(case_at(CaseStatus.DRAFT), "/cases/{case}/submit",
                                                  expect(200, 404, 404, 404, 404)),
    ("POST", "/cases/<int:case_id>/withdraw"): Call(case_at(CaseStatus.SUBMITTED), "/cases/{case}/withdraw",
                                                    expect(200, 404, 404, 404, 404)),
    ("POST", "/cases/<int:case_id>/register"): Call(case_at(CaseStatus.SUBMITTED), "/cases/{case}/register",
                                                    expect(403, 200, 404, 404, 404)),
    ("POST", "/cases/<int:case_id>/return"): Call(case_at(CaseStatus.SUBMITTED), "/cases/{case}/return",
                                                  expect(403, 200, 404, 404, 404),
                                                  lambda w, user, ids: {"reason": "请补充欠薪人数。"}),
    ("POST", "/cases/<int:case_id>/reject"): Call(case_at(CaseStatus.SUBMITTED), "/cases/{case}/reject",
                                                  expect(403, 200, 404, 404, 404),
                                                  lambda w, user, ids: {"reason": "不属于受理范围。"}),
    ("POST", "/cases/<int:case_id>/forward"): Call(case_at(CaseStatus.REGISTERED), "/cases/{case}/forward",
                                                   expect(403, 200, 404, 404, 404),
                                                   lambda w, user, ids: {"leader_ids": [w.chen.id]}),
    ("POST", "/cases/<int:case_id>/annotations"): Call(
        case_at(CaseStatus.FORWARDED), "/cases/{case}/annotations", expect(403, 201, 201, 404, 404),
        lambda w, user, ids: {"text": "请尽快解决。", "leader_id": w.chen.id}),
    ("POST", "/cases/<int:case_id>/delegate"): Call(case_at(CaseStatus.FORWARDED), "/cases/{case}/delegate",
                                                    expect(403, 403, 200, 404, 404),
                                                    lambda w, user, ids: {"to_leader_id": w.deputy.id}),
    ("POST", "/cases/<int:case_id>/assignments"): Call(
        case_at(CaseStatus.ANNOTATED), "/cases/{case}/assignments", expect(403, 201, 201, 404, 404),
        lambda w, user, ids: {"unit_ids": [w.finance.id], "lead_unit_id": w.finance.id}),
    ("POST", "/assignments/<int:assignment_id>/acknowledge"): Call(
        case_at(CaseStatus.ASSIGNED), "/assignments/{lead}/acknowledge", unit_only(200)),
    ("POST", "/assignments/<int:assignment_id>/progress"): Call(
        case_at(CaseStatus.IN_PROGRESS), "/assignments/{lead}/progress", unit_only(201),
        lambda w, user, ids: {"text": "已核实欠薪名单。"}),
    ("POST", "/assignments/<int:assignment_id>/extension"): Call(
        case_at(CaseStatus.IN_PROGRESS), "/assignments/{lead}/extension", unit_only(201),
        lambda w, user, ids: {"due_date": "2027-01-15", "reason": "需协调预算。"}),
    ("POST", "/assignments/<int:assignment_id>/reply"): Call(
        case_at(CaseStatus.IN_PROGRESS), "/assignments/{lead}/reply", unit_only(201),
        lambda w, user, ids: {"text": "已解决。", "outcome": "resolved"}),
    ("POST", "/extensions/<int:extension_id>/approve"): Call(
        pending_extension, "/extensions/{extension}/approve", expect(404, 200, 404, 404, 404)),
    ("POST", "/extensions/<int:extension_id>/refuse"): Call(
        pending_extension, "/extensions/{extension}/refuse", expect(404, 200, 404, 404, 404),
        lambda w, user, ids: {"note": "期限内可以办结。"}),
    ("POST", "/cases/<int:case_id>/reply/approve"): Call(
        case_at(CaseStatus.REPLIED), "/cases/{case}/reply/approve", expect(403, 200, 403, 403, 404)),
    ("POST", "/cases/<int:case_id>/reply/send-back"): Call(
        case_at(CaseStatus.REPLIED), "/cases/{case}/reply/send-back", expect(403, 200, 403, 403, 404),
        lambda w, user, ids: {"reason": "请补充资金拨付凭证。"}),
    ("POST", "/cases/<int:case_id>/feedback"): Call(
        case_at(CaseStatus.ANSWERED), "/cases/{case}/feedback", expect(201, 404, 404, 404, 404),
        lambda w, user, ids: {"rating": "satisfied"}),
    ("POST", "/cases/<int:case_id>/reopen"): Call(
        case_at(CaseStatus.CLOSED), "/cases/{case}/reopen", expect(200, 200, 403, 403, 404),
        lambda w, user, ids: {"reason": "仍有工资未发放。"}),
    ("GET", "/search"): Call(case_at(CaseStatus.IN_PROGRESS), "/search?q=农民工", everyone(200)),
    ("GET", "/cases/<int:case_id>/similar"): Call(case_at(CaseStatus.IN_PROGRESS), "/cases/{case}/similar",
                                                  expect(403, 200, 403, 403, 404)),
    ("POST", "/cases/<int:case_id>/merge"): Call(
        two_letters, "/cases/{case}/merge", expect(403, 200, 404, 404, 404),
        lambda w, user, ids: {"into_case_id": ids["other"]}),
    ("POST", "/cases/<int:case_id>/links"): Call(
        two_letters, "/cases/{case}/links", expect(403, 200, 404, 404, 404),
        lambda w, user, ids: {"linked_case_id": ids["other"]}),
    ("DELETE", "/cases/<int:case_id>/links/<int:linked_case_id>"): Call(
        linked_letters, "/cases/{case}/links/{other}", expect(403, 200, 404, 404, 404)),
}


def test_every_api_route_has_expectations(app):
    routes = {(method, rule.rule.removeprefix(API))
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(EXPECTED)
    for call in EXPECTED.values():
        assert set(call.expected) == set(ROLES)


def _user(world, role):
    return {"representative": world.representative, "secretariat": world.secretary, "leader": world.chen,
            "unit_staff": world.finance_staff}.get(role) or AdminFactory(username="root")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda route: f"{route[0]} {route[1]}")
def test_permission_matrix(client, route, role):
    method, _rule = route
    call = EXPECTED[route]
    world = make_world()
    ids = call.setup(world)
    user = _user(world, role)
    who = caller(client, user)
    body = call.body(world, user, ids) if call.body else None
    before = db_state()
    response = who._open(method, call.url.format(**ids), json=body)
    expected = call.expected[role]
    assert response.status_code == expected, response.get_data(as_text=True)
    if expected not in ALLOWED:
        assert db_state() == before
