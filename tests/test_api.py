"""The JSON API: the Luorong case through the API alone, tokens, and every error it answers."""
import hashlib
import re

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from djgc_direct.accounts import services as account_services
from djgc_direct.accounts.models import ApiToken
from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases import services
from djgc_direct.cases.models import Case, CaseStatus
from djgc_direct.extensions import db
from tests.cases_world import LUORONG_LETTER, case_in, make_world, write_letter
from tests.factories import PASSWORD, AdminFactory
from tests.helpers import login

API = "/api/v1"


class Caller:
    """A test client that sends one user's bearer token with every request."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def _open(self, method, url, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(API + url, method=method, headers=headers, **kwargs)

    def get(self, url, **kwargs):
        return self._open("GET", url, **kwargs)

    def post(self, url, json=None, **kwargs):
        return self._open("POST", url, json=json, **kwargs)

    def delete(self, url, **kwargs):
        return self._open("DELETE", url, **kwargs)


def token_for(client, username, password=PASSWORD):
    response = client.post(f"{API}/auth/token", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def caller(client, user):
    return Caller(client, token_for(client, user.username))


def db_state():
    """Row counts of every table and each case's status and version: what a refused call must not change."""
    db.session.commit()  # end the test's own transaction, so that the counts see what requests committed
    counts = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    cases = db.session.execute(sa.select(Case.id, Case.status, Case.version).order_by(Case.id)).all()
    return counts, cases


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert error.get("field") == field, error


def letter(world, **overrides):
    return {"title": "雒容工业园区拖欠农民工工资问题", "content": LUORONG_LETTER, "leader_ids": [world.chen.id],
            "category": "labour", "on_behalf_of": "members_and_public", "submit": True, **overrides}


def assignment_of(case_json, unit):
    return next(a for a in case_json["assignments"] if a["unit"]["id"] == unit.id)


# ---- the Luorong case ----------------------------------------------------------------------

def test_the_luorong_case_through_the_api(client):
    w = make_world()
    su, secretary, chen = caller(client, w.representative), caller(client, w.secretary), caller(client, w.chen)
    finance, park = caller(client, w.finance_staff), caller(client, w.park_staff)

    assert [leader["name"] for leader in su.get("/leaders").get_json()] == ["陈刚", "张建华", "刘海燕"]
    assert {unit["name"] for unit in chen.get("/units").get_json()} == {"市财政局", "雒容工业园区管委会"}

    created = su.post("/cases", letter(w))
    assert created.status_code == 201
    case = created.get_json()
    case_id = case["id"]
    assert case["status"] == "submitted" and case["number"] is None
    assert [leader["name"] for leader in case["leaders"]] == ["陈刚"]

    case = secretary.post(f"/cases/{case_id}/register").get_json()
    assert case["status"] == "registered" and case["number"] == "直通〔2026〕0001号"
    case = secretary.post(f"/cases/{case_id}/forward",
                          {"leader_ids": [w.chen.id], "comment": "拟请陈刚书记阅示。"}).get_json()
    assert case["status"] == "forwarded"

    response = chen.post(f"/cases/{case_id}/annotations", {
        "text": "请市财政局牵头,会同雒容工业园区管委会抓紧解决农民工工资问题。",
        "unit_ids": [w.finance.id, w.park.id], "lead_unit_id": w.finance.id})
    assert response.status_code == 201
    case = response.get_json()
    assert case["status"] == "assigned"
    assert case["annotations"][0]["leader"]["name"] == "陈刚" and case["annotations"][0]["transcribed_by"] is None
    lead = assignment_of(case, w.finance)
    assert lead["lead"] is True and lead["due_date"] == "2026-12-17"  # 15 working days
    assert assignment_of(case, w.park)["lead"] is False

    # Each unit sees its own assignment only.
    park_view = park.get(f"/cases/{case_id}").get_json()
    assert [a["unit"]["name"] for a in park_view["assignments"]] == ["雒容工业园区管委会"]
    case = park.post(f"/assignments/{park_view['assignments'][0]['id']}/acknowledge").get_json()
    assert case["status"] == "assigned"  # a support unit does not move the case
    case = finance.post(f"/assignments/{lead['id']}/acknowledge").get_json()
    assert case["status"] == "in_progress"

    response = finance.post(f"/assignments/{lead['id']}/reply", {
        "text": "已从园区年初预算资金中调剂安排173万元,用于支付拖欠的农民工工资和工程款。",
        "outcome": "resolved", "amount_yuan": 1730000})
    assert response.status_code == 201
    assert response.get_json()["status"] == "replied"
    assert response.get_json()["reply"]["amount_yuan"] == "1730000.00"
    assert su.get(f"/cases/{case_id}").get_json()["reply"] is None  # not reviewed yet

    case = secretary.post(f"/cases/{case_id}/reply/approve").get_json()
    assert case["status"] == "answered"
    reply = su.get(f"/cases/{case_id}").get_json()["reply"]
    assert reply["amount_yuan"] == "1730000.00" and reply["outcome"] == "resolved" and reply["status"] == "approved"

    response = su.post(f"/cases/{case_id}/feedback", {"rating": "satisfied", "comment": "问题解决得很快。"})
    assert response.status_code == 201
    case = response.get_json()
    assert case["status"] == "closed" and case["close_reason"] == "feedback"
    assert case["feedback"][0]["rating"] == "satisfied"

    full = secretary.get(f"/cases/{case_id}").get_json()
    assert [entry["action"] for entry in full["timeline"]] == [
        "create", "submit", "register", "forward", "annotate", "assign", "acknowledge", "acknowledge", "reply",
        "approve_reply", "feedback"]
    assert full["timeline"][0]["at"] == "2026-11-26T01:00:00+00:00"  # 09:00 in Liuzhou, given in UTC
    assert full["timeline"][2]["actor"] == "韦晓梅" and full["timeline"][2]["to_status"] == "registered"
    assert full["timeline"][3]["comment"] == "拟请陈刚书记阅示。"
    # The representative follows every step but the units' and office's working notes.
    mine = su.get(f"/cases/{case_id}").get_json()["timeline"]
    assert "reply" not in [entry["action"] for entry in mine]
    assert next(entry for entry in mine if entry["action"] == "forward")["comment"] is None
    assert "progress" not in su.get(f"/cases/{case_id}").get_json()["assignments"][0]

    listed = su.get("/cases").get_json()
    assert listed["total"] == 1 and listed["items"][0]["number"] == "直通〔2026〕0001号"


def test_a_secretary_transcribes_an_internal_annotation_hidden_from_the_representative(client):
    w = make_world()
    case = case_in(w, CaseStatus.FORWARDED)
    secretary, su = caller(client, w.secretary), caller(client, w.representative)
    response = secretary.post(f"/cases/{case.id}/annotations",
                              {"text": "内部意见:先核实欠薪人数。", "internal": True, "leader_id": w.chen.id})
    assert response.status_code == 201
    annotation = response.get_json()["annotations"][0]
    assert annotation["transcribed_by"]["name"] == "韦晓梅" and annotation["leader"]["name"] == "陈刚"
    assert su.get(f"/cases/{case.id}").get_json()["annotations"] == []


def test_an_extension_is_requested_and_approved(client):
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    finance, secretary = caller(client, w.finance_staff), caller(client, w.secretary)
    lead = assignment_of(finance.get(f"/cases/{case.id}").get_json(), w.finance)
    response = finance.post(f"/assignments/{lead['id']}/extension",
                            {"due_date": "2027-01-15", "reason": "需协调园区预算调整。"})
    assert response.status_code == 201
    extension = assignment_of(response.get_json(), w.finance)["extension_requests"][0]
    assert extension["status"] == "pending"
    case_json = secretary.post(f"/extensions/{extension['id']}/approve", {"note": "同意。"}).get_json()
    assert assignment_of(case_json, w.finance)["due_date"] == "2027-01-15"
    assert_error(secretary.post(f"/extensions/{extension['id']}/refuse", {"note": "不同意。"}), 409, "conflict")


def test_listing_filters_by_status_and_pages(client):
    w = make_world()
    for _ in range(3):
        write_letter(w)
    services.register(write_letter(w), w.secretary)
    db.session.commit()
    secretary = caller(client, w.secretary)
    page = secretary.get("/cases", query_string={"status": "submitted", "per_page": 2, "page": 2}).get_json()
    assert page["total"] == 3 and page["page"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["status"] == "submitted"
    assert caller(client, w.other_representative).get("/cases").get_json()["total"] == 0


def test_script_in_a_title_comes_back_as_plain_json(client):
    w = make_world()
    title = "<script>alert('x')</script>"
    response = caller(client, w.representative).post("/cases", letter(w, title=title))
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.get_json()["title"] == title


# ---- tokens and 401 ------------------------------------------------------------------------

def test_a_token_is_stored_only_as_its_hash_and_audited(client):
    w = make_world()
    response = client.post(f"{API}/auth/token",
                           json={"username": "suzhiming", "password": PASSWORD, "name": "报表脚本"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "报表脚本" and body["expires_at"] == "2026-12-26T01:00:00+00:00"
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.user_id == w.representative.id
    assert stored.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert db.session.scalar(sa.select(AuditRecord.action).where(AuditRecord.object_type == "api_tokens")) \
        == "api_token_issued"
    assert stored.last_used_at is None
    assert Caller(client, body["token"]).get("/cases").status_code == 200
    db.session.refresh(stored)
    assert stored.last_used_at is not None


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"},
                                     {"Authorization": "Bearer"}])
def test_no_or_a_bad_token_is_401(client, headers):
    make_world()
    before = db_state()
    for method, url in [("GET", "/cases"), ("POST", "/cases"), ("DELETE", "/auth/token")]:
        response = client.open(API + url, method=method, headers=headers, json={})
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert db_state() == before


def test_a_revoked_token_is_401(client):
    w = make_world()
    su = caller(client, w.representative)
    assert su.delete("/auth/token").status_code == 204
    assert_error(su.get("/cases"), 401, "unauthorized")
    assert_error(su.delete("/auth/token"), 401, "unauthorized")
    assert db.session.scalar(sa.select(AuditRecord.action).where(AuditRecord.action == "api_token_revoked"))


def test_a_token_expires(client, clock):
    w = make_world()
    su = caller(client, w.representative)
    clock.advance(days=29)
    assert su.get("/cases").status_code == 200
    clock.advance(days=2)
    assert_error(su.get("/cases"), 401, "unauthorized")


def test_a_password_reset_or_deactivation_ends_the_tokens(client, clock):
    w = make_world()
    admin = AdminFactory(username="root")
    su, secretary = caller(client, w.representative), caller(client, w.secretary)
    clock.advance(minutes=1)
    account_services.reset_password(w.representative, "New-pass-2027", actor=admin)
    account_services.update_user(w.secretary, {"active": False}, actor=admin)
    db.session.commit()
    assert_error(su.get("/cases"), 401, "unauthorized")
    assert_error(secretary.get("/cases"), 401, "unauthorized")
    # A new token, with the new password, works.
    assert Caller(client, token_for(client, "suzhiming", "New-pass-2027")).get("/cases").status_code == 200


def test_the_session_cookie_does_not_open_the_api(client):
    w = make_world()
    login(client, "suzhiming")
    assert client.get("/").status_code == 200  # logged in for the pages
    before = db_state()
    assert_error(client.get(f"{API}/cases"), 401, "unauthorized")
    # No CSRF token needed by the API, so the cookie alone must not act: a cross-site form could send it.
    assert_error(client.post(f"{API}/cases", json=letter(w)), 401, "unauthorized")
    assert_error(client.post(f"{API}/cases", data={"title": "x"}), 401, "unauthorized")
    assert db_state() == before


def test_wrong_passwords_are_refused_and_lock_the_account(client, app):
    make_world()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post(f"{API}/auth/token", json={"username": "suzhiming", "password": "wrong-password-1"})
        assert_error(response, 401, "unauthorized")
    locked = client.post(f"{API}/auth/token", json={"username": "suzhiming", "password": PASSWORD})
    assert_error(locked, 401, "unauthorized")
    assert "锁定" in locked.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    assert db.session.scalar(sa.select(AuditRecord.action).where(AuditRecord.action == "login_locked"))


# ---- 403, 404, 409 -------------------------------------------------------------------------

def test_a_role_that_may_not_act_is_403(client):
    w = make_world()
    case = case_in(w, CaseStatus.SUBMITTED)
    su, secretary = caller(client, w.representative), caller(client, w.secretary)
    before = db_state()
    assert_error(su.post(f"/cases/{case.id}/register"), 403, "forbidden")
    assert_error(secretary.post("/cases", letter(w)), 403, "forbidden")
    assert db_state() == before


def test_another_representatives_case_is_404(client):
    w = make_world()
    case = case_in(w, CaseStatus.SUBMITTED)
    other = caller(client, w.other_representative)
    before = db_state()
    assert_error(other.get(f"/cases/{case.id}"), 404, "not_found")
    assert_error(other.post(f"/cases/{case.id}/withdraw"), 404, "not_found")
    assert_error(other.get("/cases/999999"), 404, "not_found")
    assert db_state() == before


def test_an_illegal_transition_is_409(client):
    w = make_world()
    case = case_in(w, CaseStatus.REGISTERED)
    secretary, su = caller(client, w.secretary), caller(client, w.representative)
    before = db_state()
    assert_error(secretary.post(f"/cases/{case.id}/register"), 409, "conflict")
    assert_error(su.post(f"/cases/{case.id}/withdraw"), 409, "conflict")
    assert db_state() == before


def test_a_concurrent_change_of_the_case_is_409(client, monkeypatch):
    w = make_world()
    case = case_in(w, CaseStatus.SUBMITTED)
    real_register = services.register

    def register_after_someone_else(case, secretary):
        # Another request changes the case between our reading it and our writing it.
        db.session.execute(sa.text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id})
        return real_register(case, secretary)

    monkeypatch.setattr(services, "register", register_after_someone_else)
    secretary = caller(client, w.secretary)
    before = db_state()
    assert_error(secretary.post(f"/cases/{case.id}/register"), 409, "conflict")
    assert db_state() == before


# ---- 422 -----------------------------------------------------------------------------------

def _invalid(field, url, body=None, *, state=None, user="representative", method="POST", **options):
    return {"field": field, "url": url, "body": body, "state": state, "user": user, "method": method,
            "options": options}


ASSIGN = "/cases/{case}/assignments"
REPLY = "/assignments/{lead}/reply"

INVALID = {
    "empty title": _invalid("title", "/cases", lambda w: letter(w, title="   ")),
    "50,001 characters": _invalid("content", "/cases", lambda w: letter(w, content="欠" * 50_001)),
    "control character": _invalid("title", "/cases", lambda w: letter(w, title="欠薪\x07问题")),
    "unknown leader": _invalid("leader_ids", "/cases", lambda w: letter(w, leader_ids=[999_999])),
    "leader ids as text": _invalid("leader_ids", "/cases", lambda w: letter(w, leader_ids="1")),
    "title as a number": _invalid("title", "/cases", lambda w: letter(w, title=123)),
    "submit as a list": _invalid("submit", "/cases", lambda w: letter(w, submit=[])),
    "unknown field": _invalid("urgent", "/cases", lambda w: letter(w, urgent=True)),
    "missing content": _invalid("content", "/cases", lambda w: {"title": "欠薪", "leader_ids": [w.chen.id]}),
    "array body": _invalid(None, "/cases", lambda w: [letter(w)]),
    "form body": _invalid(None, "/cases", data={"title": "欠薪", "content": "x"}),
    "broken JSON": _invalid(None, "/cases", data='{"title": ', content_type="application/json"),
    "page size too big": _invalid("per_page", "/cases?per_page=1000", method="GET"),
    "unknown status": _invalid("status", "/cases?status=lost", method="GET"),
    "unknown unit": _invalid("unit_ids", ASSIGN, lambda w: {"unit_ids": [999_999], "lead_unit_id": 999_999},
                             state=CaseStatus.ANNOTATED, user="secretary"),
    "bad date": _invalid("due_date", ASSIGN, lambda w: {"unit_ids": [w.finance.id], "lead_unit_id": w.finance.id,
                                                        "due_date": "2026-13-45"},
                         state=CaseStatus.ANNOTATED, user="secretary"),
    "date in the past": _invalid("due_date", ASSIGN, lambda w: {"unit_ids": [w.finance.id],
                                                                "lead_unit_id": w.finance.id,
                                                                "due_date": "2026-11-01"},
                                 state=CaseStatus.ANNOTATED, user="secretary"),
    "empty reason": _invalid("reason", "/cases/{case}/reject", lambda w: {"reason": ""},
                             state=CaseStatus.SUBMITTED, user="secretary"),
    "bad rating": _invalid("rating", "/cases/{case}/feedback", lambda w: {"rating": "great"},
                           state=CaseStatus.ANSWERED),
    "dissatisfied without a comment": _invalid("comment", "/cases/{case}/feedback",
                                               lambda w: {"rating": "dissatisfied"}, state=CaseStatus.ANSWERED),
    "negative amount": _invalid("amount_yuan", REPLY, lambda w: {"text": "已解决。", "outcome": "resolved",
                                                                 "amount_yuan": "-5"},
                                state=CaseStatus.IN_PROGRESS, user="finance_staff"),
    "amount in words": _invalid("amount_yuan", REPLY, lambda w: {"text": "已解决。", "outcome": "resolved",
                                                                 "amount_yuan": "很多"},
                                state=CaseStatus.IN_PROGRESS, user="finance_staff"),
}


@pytest.mark.parametrize("name", INVALID)
def test_invalid_data_is_422_and_changes_nothing(client, name):
    spec = INVALID[name]
    w = make_world()
    url = spec["url"]
    if spec["state"] is not None:
        case = case_in(w, spec["state"])
        lead = next((a for a in case.assignments if a.is_lead), None)
        url = url.format(case=case.id, lead=lead and lead.id)
    who = caller(client, getattr(w, spec["user"]))
    options = dict(spec["options"])
    if spec["body"] is not None:
        options["json"] = spec["body"](w)
    before = db_state()
    assert_error(who._open(spec["method"], url, **options), 422, "invalid", spec["field"])
    assert db_state() == before


# ---- the OpenAPI document ------------------------------------------------------------------

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _openapi_path(rule):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_the_openapi_document_is_valid_and_lists_every_api_route(app, client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"] == "3.0.3"
    assert "no attachments" in document["info"]["description"]
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item
                  if method in HTTP_METHODS}
    routes = {(_openapi_path(rule.rule), method)
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")
              for method in rule.methods - {"HEAD", "OPTIONS"}
              if rule.endpoint != "api-docs.openapi_json"}  # the document does not describe itself
    assert routes and documented == routes
    assert document["paths"][f"{API}/auth/token"]["post"]["security"] == []
    assert document["security"] == [{"bearerAuth": []}]


def test_no_documentation_ui_is_served(app):
    # Their pages would load scripts from a CDN, which government intranets cannot reach.
    documentation = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api-docs.")}
    assert documentation == {"api-docs.openapi_json"}


def test_pages_keep_their_html_error_pages(client):
    AdminFactory(username="root")
    login(client, "root")
    response = client.get("/admin/users/999999")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert_error(client.get(f"{API}/no-such-thing"), 404, "not_found")


def test_review_slip_through_the_api_is_a_real_document(client):
    import io

    from docx import Document

    from djgc_direct.audit.models import AuditRecord
    from djgc_direct.cases.models import CaseStatus
    from tests.cases_world import case_in, make_world

    world = make_world()
    case = case_in(world, CaseStatus.IN_PROGRESS)
    bearer = {"Authorization": f"Bearer {token_for(client, 'chengang')}"}
    response = client.get(f"{API}/cases/{case.id}/slip.docx", headers=bearer)
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    tables = " ".join(cell.text for table in Document(io.BytesIO(response.data)).tables
                      for row in table.rows for cell in row.cells)
    assert case.number in tables and "苏志明" in tables and "党代表来信呈阅单" in text
    assert db.session.scalar(sa.select(AuditRecord.action).order_by(AuditRecord.id.desc())) == "document_generated"
    refused = client.get(f"{API}/cases/{case.id}/slip.docx",
                         headers={"Authorization": f"Bearer {token_for(client, 'suzhiming')}"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
