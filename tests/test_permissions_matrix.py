"""Every HTML route × every role, allowed or denied as DESIGN §4 says. Built from the URL map:
a new route without an entry here fails the suite."""
import pytest
import sqlalchemy as sa

from djgc_direct.cases import services
from djgc_direct.cases.models import Attachment, CaseStatus
from djgc_direct.extensions import db
from tests.cases_world import case_in, lead_assignment, make_world
from tests.factories import AdminFactory
from tests.helpers import csrf_token, login

REP, SEC, LEADER, UNIT, ADMIN = "representative", "secretariat", "leader", "unit_staff", "admin"
EVERYONE = {REP, SEC, LEADER, UNIT, ADMIN}
CASE_ROLES = {REP, SEC, LEADER, UNIT}
USERNAMES = {REP: "suzhiming", SEC: "mishuchu", LEADER: "chengang", UNIT: "caizheng", ADMIN: "root"}

# GET pages: who may open them.
PAGES = {
    "main.home": EVERYONE, "accounts.change_password": EVERYONE,
    "users_admin.index": {ADMIN}, "users_admin.create": {ADMIN}, "users_admin.edit": {ADMIN},
    "organisations.index": {ADMIN}, "organisations.create": {ADMIN}, "organisations.edit": {ADMIN},
    "organisations.delegations": {ADMIN}, "organisations.edit_delegation": {ADMIN},
    "main.audit_log": {ADMIN}, "deadlines.index": {ADMIN}, "deadlines.settings": {ADMIN},
    "cases.index": CASE_ROLES, "cases.show": CASE_ROLES, "cases.download": CASE_ROLES,
    "cases.inbox": {SEC}, "cases.to_annotate": {LEADER}, "cases.annotated_by_me": {LEADER},
    "cases.new_letter": {REP}, "cases.edit_letter": {REP}, "cases.assignments": {UNIT},
    "search.index": CASE_ROLES,
}

# POST actions on a case: the state the case must be in for the action to be legal, and who may take it.
CASE_ACTIONS = {
    "cases.submit": (CaseStatus.RETURNED, {REP}), "cases.withdraw": (CaseStatus.SUBMITTED, {REP}),
    "cases.register": (CaseStatus.SUBMITTED, {SEC}), "cases.return": (CaseStatus.SUBMITTED, {SEC}),
    "cases.reject": (CaseStatus.SUBMITTED, {SEC}), "cases.forward": (CaseStatus.REGISTERED, {SEC}),
    "cases.delegate": (CaseStatus.FORWARDED, {LEADER}), "cases.annotate": (CaseStatus.FORWARDED, {LEADER, SEC}),
    "cases.assign": (CaseStatus.ANNOTATED, {LEADER, SEC}), "cases.merge": (CaseStatus.SUBMITTED, {SEC}),
    "cases.link": (CaseStatus.REGISTERED, {SEC}), "cases.unlink": (CaseStatus.REGISTERED, {SEC}),
    "cases.approve_reply": (CaseStatus.REPLIED, {SEC}), "cases.send_back_reply": (CaseStatus.REPLIED, {SEC}),
    "cases.feedback": (CaseStatus.ANSWERED, {REP}), "cases.reopen": (CaseStatus.CLOSED, {REP, SEC}),
}
ASSIGNMENT_ACTIONS = {
    "cases.assignment_acknowledge": {UNIT}, "cases.assignment_progress": {UNIT},
    "cases.assignment_request_extension": {UNIT}, "cases.assignment_reply": {UNIT},
}
# Other POST routes: only the role check is asserted here; their behaviour is tested elsewhere.
OTHER_POSTS = {
    "accounts.logout": EVERYONE, "organisations.import_csv": {ADMIN}, "organisations.create_delegation": {ADMIN},
    "deadlines.add_override": {ADMIN}, "deadlines.remove_override": {ADMIN}, "deadlines.settings": {ADMIN},
    "cases.decide_extension": {SEC},
}
PUBLIC = {"static", "accounts.login", "main.set_language", "main.healthz"}
# The JSON API has its own matrix (tests/test_api_permissions.py); documents, notifications,
# metrics (tests/test_metrics_pages.py) and assessments (tests/test_assessment_pages.py) test theirs.
ELSEWHERE = ("documents.", "notifications.", "metrics.", "assessments.")


def html_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint not in PUBLIC and not rule.endpoint.startswith(ELSEWHERE)
            and not rule.rule.startswith("/api/")]


def test_every_html_route_has_an_expected_entry(app):
    known = set(PAGES) | set(CASE_ACTIONS) | set(ASSIGNMENT_ACTIONS) | set(OTHER_POSTS)
    missing = {rule.endpoint for rule in html_rules(app)} - known
    assert not missing, f"add these endpoints to the permission matrix: {sorted(missing)}"


@pytest.fixture
def world():
    w = make_world()
    AdminFactory(username="root")
    return w


def clients(app):
    result = {}
    for role, username in USERNAMES.items():
        client = app.test_client()
        assert login(client, username).status_code == 302
        result[role] = client
    return result


def test_pages_by_role(app, world):
    case = case_in(world, CaseStatus.IN_PROGRESS)
    returned = case_in(world, CaseStatus.RETURNED)
    rep_client = app.test_client()
    login(rep_client, "suzhiming")
    services.report_progress(lead_assignment(case), world.finance_staff, "进展")
    db.session.commit()
    from djgc_direct.cases.attachments import store
    attachment = store(case, world.representative, b"%PDF-1.4 test", "a.pdf")
    db.session.commit()
    args = {"case_id": case.id, "user_id": world.secretary.id, "org_id": world.finance.id,
            "delegation_id": world.representative.delegation_id, "attachment_id": attachment.id}
    special = {"cases.edit_letter": {"case_id": returned.id}}
    by_role = clients(app)
    for rule in html_rules(app):
        if rule.endpoint not in PAGES:
            continue
        values = {name: special.get(rule.endpoint, args).get(name, args.get(name)) for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1]
        for role, client in by_role.items():
            status = client.get(url).status_code
            if role in PAGES[rule.endpoint]:
                assert status == 200, (rule.endpoint, role, status)
            else:
                assert status in (403, 404), (rule.endpoint, role, status)


@pytest.mark.parametrize("endpoint", sorted(CASE_ACTIONS))
def test_case_actions_by_role(app, world, endpoint):
    state, allowed = CASE_ACTIONS[endpoint]
    by_role = clients(app)
    for role, client in by_role.items():
        case = case_in(world, state)
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        url = rule.build({"case_id": case.id}, append_unknown=False)[1]
        token = csrf_token(by_role[role], "/")
        status = client.post(url, data={"csrf_token": token}).status_code
        if role in allowed:
            # Past the role check: the empty form is refused for its content, not for the role.
            assert status not in (403, 404), (endpoint, role, status)
        else:
            assert status in (403, 404), (endpoint, role, status)


@pytest.mark.parametrize("endpoint", sorted(ASSIGNMENT_ACTIONS))
def test_assignment_actions_by_role(app, world, endpoint):
    case = case_in(world, CaseStatus.ASSIGNED)
    assignment = lead_assignment(case)
    by_role = clients(app)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = rule.build({"assignment_id": assignment.id}, append_unknown=False)[1]
    for role, client in by_role.items():
        status = client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code
        if role in ASSIGNMENT_ACTIONS[endpoint]:
            assert status not in (403, 404), (endpoint, role, status)
        else:
            assert status in (403, 404), (endpoint, role, status)
    # Staff of another unit cannot act on this unit's assignment.
    park = app.test_client()
    login(park, "luorong")
    assert park.post(url, data={"csrf_token": csrf_token(park, "/")}).status_code == 404


def test_other_posts_by_role(app, world):
    by_role = clients(app)
    args = {"delegation_id": world.representative.delegation_id, "day": "2026-12-26",
            "extension_id": 1, "decision": "approve"}
    for endpoint, allowed in OTHER_POSTS.items():
        if endpoint == "accounts.logout":
            continue  # logging out is everyone's; tested in test_auth
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        url = rule.build({name: args[name] for name in rule.arguments}, append_unknown=False)[1]
        for role, client in by_role.items():
            status = client.post(url, data={"csrf_token": csrf_token(client, "/")}).status_code
            if role in allowed:
                assert status != 403, (endpoint, role, status)
            else:
                assert status == 403, (endpoint, role, status)
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0  # no import went through
