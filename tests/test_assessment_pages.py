"""考核 pages, exports, admin rubric pages and the API: every route × every role, what each
role sees, the assessor's form, rubric import through the page, files that parse back."""
import csv
import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from djgc_direct.assessments import services
from djgc_direct.assessments.models import AssessmentRun, ManualScore, RubricVersion
from djgc_direct.extensions import db
from tests.cases_world import make_world
from tests.factories import AdminFactory
from tests.helpers import csrf_token, login
from tests.test_api import assert_error, caller

RUBRICS = Path(__file__).resolve().parent.parent / "config" / "rubrics"
USERS = {"representative": "suzhiming", "secretariat": "mishuchu", "leader": "chengang",
         "unit_staff": "caizheng", "admin": "root"}
ROLES = tuple(USERS)


@pytest.fixture
def world(clock):
    w = make_world()
    AdminFactory(username="root")
    version = services.import_rubric((RUBRICS / "learning_innovation_v1.yaml").read_text(encoding="utf-8"), None)
    # Three of six items (63 of 100 points): 市财政局 full marks, 100.0; 园区 45 of 63, 71.4.
    for unit, given in ((w.finance, (28, 20, 15)), (w.park, (20, 10, 15))):
        for key, points in zip(("leadership", "study_system", "study_tasks"), given):
            services.set_manual_score(version, "2026-10", unit, key, points, "按细则评分。", "会议记录", w.secretary)
    w.run = services.run_latest("2026-10", "learning_innovation", w.secretary)
    w.version = version
    db.session.commit()
    return w


def client_for(app, role):
    client = app.test_client()
    assert login(client, USERS[role]).status_code == 302
    return client


def statuses(representative, secretariat, leader, unit_staff, admin):
    return dict(zip(ROLES, (representative, secretariat, leader, unit_staff, admin)))


READ = statuses(403, 200, 200, 200, 403)
SECRETARIAT_ONLY = statuses(403, 200, 403, 403, 403)
ADMIN_ONLY = statuses(403, 403, 403, 403, 200)
Q = "period=2026-10&rubric=learning_innovation"


def get_routes(w):
    return {
        "assessments.index": (f"/assessments/?{Q}", READ),
        "assessments.show_run": (f"/assessments/runs/{w.run.id}", READ),
        "assessments.manual": (f"/assessments/manual?{Q}", SECRETARIAT_ONLY),
        "assessments.export": (f"/assessments/runs/{w.run.id}/export.csv", READ),
        "assessments.rubrics": ("/admin/rubrics/", ADMIN_ONLY),
        "assessments.rubric": (f"/admin/rubrics/{w.version.id}", ADMIN_ONLY),
    }


POSTS = {"assessments.run_now": ("/assessments/run", SECRETARIAT_ONLY),
         "assessments.import_rubric": ("/admin/rubrics/import", ADMIN_ONLY)}


def test_every_assessment_route_by_role(app, world):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("assessments.")}
    assert endpoints == set(get_routes(world)) | set(POSTS) | {"assessments.manual"}
    for role in ROLES:
        client = client_for(app, role)
        for endpoint, (url, expected) in get_routes(world).items():
            status = client.get(url).status_code
            assert status == expected[role], (role, endpoint, status)
        token = csrf_token(client, "/")
        for endpoint, (url, expected) in POSTS.items():
            status = client.post(url, data={"csrf_token": token, "period": "2026-Q4"}).status_code
            # Allowed: past the role check (a redirect with the reason flashed); refused: 403.
            assert (status == 403) == (expected[role] == 403), (role, endpoint, status)
    assert db.session.scalar(sa.select(sa.func.count(AssessmentRun.id))) == 1  # the refused ones ran nothing


def test_the_results_page_for_the_secretariat_and_for_unit_staff(app, world):
    page = client_for(app, "secretariat").get(f"/assessments/?{Q}").get_data(as_text=True)
    assert "学习创新工程考核细则" in page and "表彰名单" in page and "警示名单" in page
    assert "★★★★★ 5 星" in page and "★★☆☆☆ 2 星" in page and "立即考核 2026-10" in page
    own = client_for(app, "unit_staff").get(f"/assessments/?{Q}").get_data(as_text=True)
    assert "市财政局" in own and "雒容工业园区管委会" not in own and "立即考核" not in own
    assert "按层级汇总" not in own


def test_navigation_link(app, world):
    for role in ROLES:
        page = client_for(app, role).get("/").get_data(as_text=True)
        assert ('href="/assessments/"' in page) == (role in ("secretariat", "leader", "unit_staff")), role
        assert ('href="/admin/rubrics/"' in page) == (role == "admin"), role


def test_the_assessor_scores_and_re_runs(app, world):
    client = client_for(app, "secretariat")
    url = f"/assessments/manual?{Q}&unit={world.finance.id}"
    token = csrf_token(client, url)
    items = {"progress": "12", "leadership": "28", "study_system": "20", "study_tasks": "15", "study_effect": "18",
             "funding": "5"}
    for key, points in items.items():
        response = client.post(url, data={"csrf_token": token, "indicator": key, "points": points,
                                          "note": "按细则评分。", "evidence": "台账"})
        assert response.status_code == 302, key
    refused = client.post(url, data={"csrf_token": token, "indicator": "funding", "points": "6", "note": "多给"})
    assert refused.status_code == 422 and "得分应在 0 到 5 之间" in refused.get_data(as_text=True)
    response = client.post("/assessments/run", data={"csrf_token": token, "period": "2026-10",
                                                     "rubric": "learning_innovation"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "98.0" in page and "★★★★★ 5 星" in page and "第 2 次" in page
    runs = services.runs_for("2026-10", "learning_innovation")
    assert [run.run_number for run in runs] == [2, 1]
    assert client.get(f"/assessments/runs/{runs[1].id}").status_code == 200  # the old one stays readable


def test_exports_parse_back(app, world):
    client = client_for(app, "leader")
    rows = list(csv.reader(io.StringIO(
        client.get(f"/assessments/runs/{world.run.id}/export.csv").get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["排名", "承办单位", "得分", "星级", "上月星级"]
    assert rows[0][5] == "学习创新工程开展情况(12)"
    assert {row[1] for row in rows[1:]} == {"市财政局", "雒容工业园区管委会"}
    sheet = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/assessments/runs/{world.run.id}/export.xlsx").get_data())).active
    assert sheet.cell(1, 2).value == "承办单位" and sheet.max_row == 3
    own = client_for(app, "unit_staff").get(f"/assessments/runs/{world.run.id}/export.csv")
    assert [row[1] for row in csv.reader(io.StringIO(own.get_data().decode("utf-8-sig")))][1:] == ["市财政局"]


def test_admin_imports_a_rubric_through_the_page(app, world):
    client = client_for(app, "admin")
    token = csrf_token(client, "/admin/rubrics/")

    def upload(text):
        return client.post("/admin/rubrics/import", data={"csrf_token": token,
                                                          "file": (io.BytesIO(text.encode()), "r.yaml")},
                           content_type="multipart/form-data", follow_redirects=True)

    text = (RUBRICS / "djgc_direct_v1.yaml").read_text(encoding="utf-8")
    page = upload(text.replace("total: 100", "total: 99")).get_data(as_text=True)
    assert "导入失败" in page and "与总分 99 不符" in page and "第 6 行" in page
    page = upload(text).get_data(as_text=True)
    assert "已导入 djgc_direct 第 1 版" in page and "答复质量" in page
    assert "已有第 1 版" in upload(text).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(RubricVersion.id))) == 2


def test_api_assessment(app, world):
    client = app.test_client()
    response = caller(client, world.secretary).get(f"/assessments/2026-10?rubric=learning_innovation")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["rubric"] == {"name": "learning_innovation", "version": 1, "title": "学习创新工程考核细则",
                              "total": "100.00"}
    assert body["run_number"] == 1 and body["trigger"] == "manual"
    assert {r["unit_name"]: (r["score"], r["rank"], r["stars"]) for r in body["results"]} == {
        "市财政局": ("100.0", 1, 5), "雒容工业园区管委会": ("71.4", 2, 2)}
    own = caller(client, world.finance_staff).get(f"/assessments/2026-10?rubric=learning_innovation").get_json()
    assert [r["unit_name"] for r in own["results"]] == ["市财政局"] and own["rollup"] == []
    assert_error(caller(client, world.secretary).get(f"/assessments/2026-Q4"), 422, "invalid", "period")
    assert_error(caller(client, world.secretary).get(f"/assessments/2026-09?rubric=learning_innovation"),
                 404, "not_found")
    assert db.session.scalar(sa.select(sa.func.count(ManualScore.id))) == 6
