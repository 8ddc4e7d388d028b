"""The case pages through the browser forms (test client): every role's part, hostile input,
attachments and who may see what."""
import io
import re

import pytest
import sqlalchemy as sa

from djgc_direct.cases.models import Attachment, Case, CaseStatus
from djgc_direct.extensions import db
from tests.cases_world import LUORONG_LETTER, case_in, make_world, write_letter
from tests.helpers import csrf_token, login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post_action(client, case_id, path, data, prefix, files=None):
    token = csrf_token(client, f"/cases/{case_id}")
    payload = {f"{prefix}-{key}": value for key, value in data.items()}
    payload["csrf_token"] = token
    payload[f"{prefix}-csrf_token"] = token
    if files:
        payload.update(files)
    return client.post(f"/cases/{case_id}/{path}", data=payload, content_type="multipart/form-data")


def post_assignment(client, case_id, assignment_id, path, prefix, data, files=None):
    token = csrf_token(client, f"/cases/{case_id}")
    payload = {f"{prefix}{assignment_id}-{key}": value for key, value in data.items()}
    payload[f"{prefix}{assignment_id}-csrf_token"] = token
    if files:
        payload.update(files)
    return client.post(f"/assignments/{assignment_id}/{path}", data=payload, content_type="multipart/form-data")


def reload(case_id):
    db.session.expire_all()
    return db.session.get(Case, case_id)


def test_luorong_case_through_the_pages(app):
    w = make_world()
    rep = as_user(app, "suzhiming")
    token = csrf_token(rep, "/cases/new")
    response = rep.post("/cases/new", data={
        "csrf_token": token, "title": "雒容工业园区基础设施建设债务问题", "content": LUORONG_LETTER,
        "category": "labour", "on_behalf_of": "members_and_public", "leader_ids": [str(w.chen.id)], "save_draft": "0",
        "attachments": [(io.BytesIO(PDF), "欠薪名单.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert reload(case_id).status is CaseStatus.SUBMITTED

    sec = as_user(app, "mishuchu")
    inbox = sec.get("/cases/inbox").get_data(as_text=True)
    assert "雒容工业园区基础设施建设债务问题" in inbox
    assert post_action(sec, case_id, "register", {}, "register").status_code == 302
    assert reload(case_id).number == "直通〔2026〕0001号"
    page = sec.get(f"/cases/{case_id}").get_data(as_text=True)
    checkbox = re.search(rf'<input[^>]*name="forward-leader_ids"[^>]*value="{w.chen.id}"[^>]*>', page).group(0)
    assert "checked" in checkbox  # the addressed leader is pre-selected
    assert post_action(sec, case_id, "forward", {"leader_ids": str(w.chen.id), "comment": "拟请陈刚书记阅示。"},
                       "forward").status_code == 302

    chen = as_user(app, "chengang")
    assert "雒容工业园区基础设施建设债务问题" in chen.get("/cases/to-annotate").get_data(as_text=True)
    response = post_action(chen, case_id, "annotate", {
        "text": "请市财政局牵头,会同雒容工业园区管委会抓紧解决。", "unit_ids": [str(w.finance.id), str(w.park.id)],
        "lead_unit_id": str(w.finance.id), "due_date": ""}, "annotate")
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    case = reload(case_id)
    assert case.status is CaseStatus.ASSIGNED
    lead = next(a for a in case.assignments if a.is_lead)
    support = next(a for a in case.assignments if not a.is_lead)

    park = as_user(app, "luorong")
    assert post_assignment(park, case_id, support.id, "acknowledge", "ack", {}).status_code == 302
    assert post_assignment(park, case_id, support.id, "progress", "progress",
                           {"text": "园区已核实欠薪名单。"}).status_code == 302
    finance = as_user(app, "caizheng")
    assert "雒容工业园区基础设施建设债务问题" in finance.get("/assignments/").get_data(as_text=True)
    assert post_assignment(finance, case_id, lead.id, "acknowledge", "ack", {}).status_code == 302
    response = post_assignment(finance, case_id, lead.id, "reply", "reply", {
        "text": "已在园区年初预算资金中调剂安排173万元,用于支付拖欠的农民工工资。", "outcome": "resolved",
        "amount_yuan": "1730000"}, files={f"reply{lead.id}-attachments": [(io.BytesIO(PNG), "回执.png")]})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    assert reload(case_id).status is CaseStatus.REPLIED
    # The representative does not see the reply before the secretariat approves it.
    assert "173万元" not in rep.get(f"/cases/{case_id}").get_data(as_text=True)

    assert post_action(sec, case_id, "reply/approve", {}, "approve").status_code == 302
    page = rep.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "173万元" in page and "1,730,000.00" in page and "请市财政局牵头" in page
    assert "拟请陈刚书记阅示" not in page  # the office's note is internal
    assert post_action(rep, case_id, "feedback", {"rating": "satisfied", "comment": "解决得很快。"},
                       "feedback").status_code == 302
    case = reload(case_id)
    assert case.status is CaseStatus.CLOSED
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 2


def test_every_role_can_open_its_pages_in_every_state(app):
    w = make_world()
    clients = {name: as_user(app, name) for name in ("suzhiming", "mishuchu", "chengang", "caizheng")}
    for status in CaseStatus:
        case = case_in(w, status)
        for name, client in clients.items():
            response = client.get(f"/cases/{case.id}")
            assert response.status_code in (200, 404), (status, name)
        assert clients["suzhiming"].get(f"/cases/{case.id}").status_code == 200
    for name, client in clients.items():
        assert client.get("/cases/").status_code == 200
        assert client.get("/").status_code == 200


def test_representative_gets_404_for_another_case_and_its_attachments(app):
    w = make_world()
    other = as_user(app, "huangliping")
    rep = as_user(app, "suzhiming")
    token = csrf_token(rep, "/cases/new")
    response = rep.post("/cases/new", data={
        "csrf_token": token, "title": "有附件", "content": "内容", "category": "labour", "on_behalf_of": "self",
        "leader_ids": [str(w.chen.id)], "save_draft": "0", "attachments": [(io.BytesIO(PDF), "a.pdf")]},
        content_type="multipart/form-data")
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    attachment_id = db.session.scalar(sa.select(Attachment.id))
    assert rep.get(f"/attachments/{attachment_id}").status_code == 200
    assert other.get(f"/cases/{case_id}").status_code == 404
    assert other.get(f"/attachments/{attachment_id}").status_code == 404
    assert as_user(app, "caizheng").get(f"/attachments/{attachment_id}").status_code == 404


def test_script_tags_are_shown_escaped(app):
    w = make_world()
    case = write_letter(w, title="<script>alert('x')</script>")
    db.session.commit()
    page = as_user(app, "mishuchu").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("filename,content,message", [
    ("virus.pdf", b"MZ\x90\x00 this is an exe", "不是 PDF"),
    ("../../etc/passwd.pdf", b"root:x:0:0", "不是 PDF"),
    ("empty.pdf", b"", "空文件"),
])
def test_bad_attachments_are_refused_and_nothing_is_stored(app, filename, content, message):
    w = make_world()
    rep = as_user(app, "suzhiming")
    token = csrf_token(rep, "/cases/new")
    response = rep.post("/cases/new", data={
        "csrf_token": token, "title": "附件测试", "content": "内容", "category": "labour", "on_behalf_of": "self",
        "leader_ids": [str(w.chen.id)], "save_draft": "0", "attachments": [(io.BytesIO(content), filename)]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_oversized_attachment_is_refused(app):
    w = make_world()
    rep = as_user(app, "suzhiming")
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    token = csrf_token(rep, "/cases/new")
    response = rep.post("/cases/new", data={
        "csrf_token": token, "title": "大附件", "content": "内容", "category": "labour", "on_behalf_of": "self",
        "leader_ids": [str(w.chen.id)], "save_draft": "0",
        "attachments": [(io.BytesIO(PDF + b"0" * limit), "big.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 422 and "超过" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_path_traversal_name_is_stored_safely(app):
    w = make_world()
    rep = as_user(app, "suzhiming")
    token = csrf_token(rep, "/cases/new")
    rep.post("/cases/new", data={
        "csrf_token": token, "title": "文件名", "content": "内容", "category": "labour", "on_behalf_of": "self",
        "leader_ids": [str(w.chen.id)], "save_draft": "0",
        "attachments": [(io.BytesIO(PDF), "..\\..\\windows\\名单\x07.exe")]}, content_type="multipart/form-data")
    attachment = db.session.scalar(sa.select(Attachment))
    name = attachment.display_name
    assert name.endswith("名单.pdf") and "/" not in name and "\\" not in name and ".." not in name
    assert "\x07" not in name
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)


def test_hostile_letter_fields_show_clear_errors(app):
    w = make_world()
    rep = as_user(app, "suzhiming")
    cases = [
        ({"title": ""}, "该字段是必填字段"),
        ({"content": "控制\x00字符"}, "控制字符"),
        ({"leader_ids": ["999999"]}, "999999"),
        ({"category": "astrology"}, "不是有效的选择"),
    ]
    for override, message in cases:
        token = csrf_token(rep, "/cases/new")
        data = {"csrf_token": token, "title": "标题", "content": "内容", "category": "labour", "on_behalf_of": "self",
                "leader_ids": [str(w.chen.id)], "save_draft": "0", **override}
        response = rep.post("/cases/new", data=data)
        assert response.status_code == 422, override
        assert message in response.get_data(as_text=True), (override, message)
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_illegal_action_through_a_form_is_refused_with_a_message(app):
    w = make_world()
    case = case_in(w, CaseStatus.REGISTERED)
    sec = as_user(app, "mishuchu")
    response = post_action(sec, case.id, "register", {}, "register")
    assert response.status_code == 409
    assert "不能执行“登记”" in response.get_data(as_text=True)
    assert reload(case.id).number == "直通〔2026〕0001号"


def test_other_roles_cannot_post_secretariat_actions(app):
    w = make_world()
    case = case_in(w, CaseStatus.SUBMITTED)
    rep = as_user(app, "suzhiming")
    response = post_action(rep, case.id, "register", {}, "register")
    assert response.status_code == 403
    assert reload(case.id).status is CaseStatus.SUBMITTED


def test_reopen_is_offered_only_after_a_dissatisfied_verdict(app):
    w = make_world()
    satisfied = case_in(w, CaseStatus.ANSWERED)
    from djgc_direct.cases import services
    services.give_feedback(satisfied, w.representative, "satisfied")
    dissatisfied = case_in(w, CaseStatus.CLOSED)  # closed with 不满意 on the way
    db.session.commit()
    rep = as_user(app, "suzhiming")
    assert "申请重办" not in rep.get(f"/cases/{satisfied.id}").get_data(as_text=True)
    assert "申请重办" in rep.get(f"/cases/{dissatisfied.id}").get_data(as_text=True)


def test_unit_staff_see_their_own_assignment_and_the_lead_sees_its_support_units(app):
    w = make_world()
    from djgc_direct.cases import services
    from djgc_direct.organisations.models import Organisation
    other_unit = Organisation(name="市人力资源和社会保障局", level=w.finance.level, sector=w.finance.sector,
                              is_unit=True, active=True)
    db.session.add(other_unit)
    case = case_in(w, CaseStatus.ANNOTATED)
    services.assign(case, w.secretary, unit_ids=[w.finance.id, w.park.id], lead_unit_id=w.finance.id)
    db.session.commit()
    lead_view = {a.unit_id for a in services.visible_assignments(case, w.finance_staff)}
    support_view = {a.unit_id for a in services.visible_assignments(case, w.park_staff)}
    assert lead_view == {w.finance.id, w.park.id} and support_view == {w.park.id}
    page = as_user(app, "luorong").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "雒容工业园区管委会" in page and "<td>市财政局</td>" not in page


def test_case_page_links_to_the_slip_and_to_a_supervision_notice_when_overdue(app, clock):
    from datetime import datetime

    from djgc_direct.core.clock import SHANGHAI
    w = make_world()
    case = case_in(w, CaseStatus.IN_PROGRESS)
    lead_id = next(a.id for a in case.assignments if a.is_lead)
    sec = as_user(app, "mishuchu")
    page = sec.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/slip.docx" in page and "supervision-notice" not in page
    clock.set(datetime(2026, 12, 21, 9, tzinfo=SHANGHAI))  # the reply was due 2026-12-17
    sec = as_user(app, "mishuchu")  # the old session expired meanwhile
    page = sec.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/assignments/{lead_id}/supervision-notice.docx" in page
    assert sec.get(f"/assignments/{lead_id}/supervision-notice.docx").status_code == 200
    rep_page = as_user(app, "suzhiming").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "slip.docx" not in rep_page


def test_inbox_shows_how_long_each_letter_has_waited(app, clock):
    from datetime import datetime

    from djgc_direct.core.clock import SHANGHAI
    w = make_world()
    clock.set(datetime(2026, 11, 20, 9, tzinfo=SHANGHAI))  # Friday
    write_letter(w, title="等待中的来信")
    db.session.commit()
    clock.set(datetime(2026, 11, 26, 9, tzinfo=SHANGHAI))  # the next Thursday: 4 working days later
    page = as_user(app, "mishuchu").get("/cases/inbox").get_data(as_text=True)
    assert "等待中的来信" in page and "已等待 4 个工作日" in page
