"""办理指标 pages, exports and API: every metrics route × every role, what each figure links to,
files that parse back, and a dashboard whose number of SQL statements does not grow with the data."""
import csv
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from djgc_direct.extensions import db
from tests.cases_world import write_letter
from tests.factories import AdminFactory, UnitFactory
from tests.helpers import login
from tests.metrics_world import make_metrics_world
from tests.test_api import assert_error, caller

USERS = {"representative": "suzhiming", "secretariat": "mishuchu", "leader": "chengang",
         "unit_staff": "caizheng", "admin": "root"}
P = "period=2026-11"


@pytest.fixture
def mw(clock):
    world = make_metrics_world(clock)
    AdminFactory(username="root")
    return world


def client_for(app, role):
    client = app.test_client()
    assert login(client, USERS[role]).status_code == 302
    return client


def routes(mw):
    """Every metrics route with the status each role gets (unit staff: 市财政局)."""
    finance, park = mw.base.finance.id, mw.base.park.id
    own_drill = f"/metrics/cases?family=handling&metric=overdue&scope=unit&id={finance}&{P}"
    city = (403, 200, 200)  # representative, secretariat, leader
    return {
        f"/metrics/?{P}": (*city, 302, 403),
        f"/metrics/units/{finance}?{P}": (*city, 200, 403),
        f"/metrics/units/{park}?{P}": (*city, 404, 403),
        own_drill: (*city, 200, 403),
        f"/metrics/cases?family=handling&metric=overdue&scope=unit&id={park}&{P}": (*city, 404, 403),
        f"/metrics/cases?family=intake&metric=letters&{P}": (*city, 404, 403),
        f"/metrics/export/units.csv?{P}": (*city, 200, 403),
        f"/metrics/export/trend.xlsx?unit={finance}": (*city, 200, 403),
        f"/metrics/export/trend.xlsx?unit={park}": (*city, 404, 403),
        f"/metrics/export/tree.csv?{P}": (*city, 403, 403),
        f"/metrics/export/leaders.xlsx?{P}": (*city, 403, 403),
        f"/metrics/export/delegations.csv?{P}": (*city, 403, 403),
    }


def test_every_metrics_route_by_role(app, mw):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("metrics.")}
    assert endpoints == {"metrics.index", "metrics.unit", "metrics.cases", "metrics.export"}
    table = routes(mw)
    for role_index, role in enumerate(USERS):
        client = client_for(app, role)
        for url, statuses in table.items():
            assert client.get(url).status_code == statuses[role_index], (role, url)


def test_unit_staff_land_on_their_own_unit(app, mw):
    client = client_for(app, "unit_staff")
    response = client.get(f"/metrics/?{P}")
    assert response.headers["Location"] == f"/metrics/units/{mw.base.finance.id}?{P}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "市财政局" in page and "近6个月按时答复率" in page and "雒容工业园区管委会" not in page


def test_navigation_link_for_the_roles_that_read_metrics(app, mw):
    for role in USERS:
        page = client_for(app, role).get("/").get_data(as_text=True)
        assert ('href="/metrics/"' in page) == (role in ("secretariat", "leader", "unit_staff")), role


def test_dashboard_figures_link_to_the_cases_behind_them(app, mw):
    client = client_for(app, "secretariat")
    page = client.get(f"/metrics/?{P}").get_data(as_text=True)
    for text in ("全市概况", "按层级汇总", "承办单位", "市委领导批示", "代表团来信", "71.4%", "1,800,000.00", "样本不足"):
        assert text in page, text
    assert 'class="bar-fill w-70"' in page  # 71.4 % drawn as a bar, its value written beside it
    link = re.search(r'href="(/metrics/cases\?[^"]*metric=overdue[^"]*scope=unit[^"]*)">2<', page)
    assert link, "the unit's overdue count links to its cases"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "安置房漏水" in listed and "学校周边交通拥堵" in listed and "乡村道路损毁" not in listed


def test_drill_down_by_level(app, mw):
    client = client_for(app, "secretariat")
    page = client.get(f"/metrics/?{P}&org={mw.county.id}").get_data(as_text=True)
    assert "拉堡镇党委" in page and "柳江区人社局" in page
    assert "市财政局" not in page.split("承办单位")[1].split("市委领导批示")[0]


def test_case_lists_keep_each_users_view(app, mw):
    # 张建华 reads the city's figures, but lists only the cases forwarded to him.
    deputy = app.test_client()
    login(deputy, "zhangjianhua")
    page = deputy.get(f"/metrics/cases?family=intake&metric=letters&{P}").get_data(as_text=True)
    assert "就业培训补贴" in page and "安置房漏水" not in page


def test_bad_requests_are_refused(app, mw):
    client = client_for(app, "secretariat")
    assert client.get("/metrics/?period=2026-13").status_code == 422
    assert client.get(f"/metrics/cases?family=handling&metric=nonsense&{P}").status_code == 422
    assert client.get(f"/metrics/cases?family=intake&metric=letters&scope=unit&id=1&{P}").status_code == 422
    assert client.get(f"/metrics/export/units.pdf?{P}").status_code == 404
    assert client.get("/metrics/export/units.csv?period=x").status_code == 422


def test_csv_export_parses_back(app, mw):
    response = client_for(app, "secretariat").get(f"/metrics/export/units.csv?{P}")
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert header[:4] == ["名称", "交办件次", "按时签收率", "按时答复率"] and header[-1] == "样本不足的指标"
    finance = dict(zip(header, body["市财政局"]))
    assert finance["交办件次"] == "5" and finance["按时签收率"] == "60.0" and finance["按时答复率"] == "50.0"
    assert finance["答复报告金额(元)"] == "1750000.00" and "按时答复率" in finance["样本不足的指标"]
    assert dict(zip(header, body["拉堡镇政府"]))["按时答复率"] == ""  # no data


def test_xlsx_export_parses_back(app, mw):
    client = client_for(app, "secretariat")
    response = client.get(f"/metrics/export/leaders.xlsx?{P}")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("领导", "呈阅件次", "按时批示率")
    chen = next(row for row in rows if row[0] == "陈刚")
    assert chen[1] == 5 and float(chen[2]) == 80.0 and float(chen[3]) == 1.4
    trend = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/metrics/export/trend.xlsx?unit={mw.base.finance.id}").data)).active
    assert [row[0] for row in trend.iter_rows(min_row=2, values_only=True)][-1] == "2026年11月"


def test_formula_like_names_are_defused_in_exports(app, mw):
    UnitFactory(name="=HYPERLINK(1)", parent=mw.city)
    data = client_for(app, "secretariat").get(f"/metrics/export/units.csv?{P}").data.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in data


def _select_count(client, url):
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_dashboard_statements_do_not_grow_with_units_and_cases(app, mw, clock):
    client = client_for(app, "secretariat")
    unit_staff = client_for(app, "unit_staff")
    few = _select_count(client, f"/metrics/?{P}"), _select_count(unit_staff, f"/metrics/units/{mw.base.finance.id}?{P}")
    for i in range(5):
        UnitFactory(name=f"新增承办单位{i}", parent=mw.county)
    for i in range(5):
        write_letter(mw.base, title=f"再来一封{i}")
    db.session.commit()
    many = _select_count(client, f"/metrics/?{P}"), _select_count(unit_staff, f"/metrics/units/{mw.base.finance.id}?{P}")
    assert many == few and few[0] > 0


# ---- the API ----------------------------------------------------------------------------------

def test_api_metrics(app, mw):
    api = caller(app.test_client(), mw.base.secretary)
    body = api.get(f"/metrics?{P}&group=unit").get_json()
    assert body["period"] == {"code": "2026-11", "label": "2026年11月", "start": "2026-11-01", "end": "2026-11-30"}
    assert body["min_cases"] == 5
    finance = next(row for row in body["rows"] if row["name"] == "市财政局")
    assert finance["counts"]["money"] == "1750000.00" and finance["counts"]["overdue"] == 2
    assert finance["rates"]["reply_on_time"] == {"value": 50.0, "numerator": 2, "denominator": 4, "flagged": True}
    level = api.get(f"/metrics?{P}&group=level").get_json()["rows"]
    county = next(row for row in level if row["id"] == mw.county.id)
    assert (county["level"], county["parent_id"], county["counts"]["assignments"]) == ("county", mw.city.id, 2)
    leaders = api.get("/metrics?from=2026-11-01&to=2026-11-30&group=leader").get_json()["rows"]
    assert next(row for row in leaders if row["name"] == "陈刚")["rates"]["annotate_on_time"]["value"] == 80.0
    delegation = api.get(f"/metrics?{P}&group=delegation").get_json()["rows"][0]
    assert delegation["counts"]["letters"] == 7
    empty = api.get("/metrics?period=2026-09").get_json()["rows"]
    assert all(rate["value"] is None for row in empty for rate in row["rates"].values())


def test_api_metrics_refusals(app, mw):
    api = caller(app.test_client(), mw.base.secretary)
    assert_error(api.get("/metrics?period=2026-13"), 422, "invalid", "period")
    assert_error(api.get("/metrics?group=sector"), 422, "invalid", "group")
    assert_error(api.get("/metrics?from=2026-11-30&to=2026-11-01"), 422, "invalid", "period")
    unit = caller(app.test_client(), mw.base.finance_staff)
    rows = unit.get(f"/metrics?{P}&group=unit").get_json()["rows"]
    assert [row["name"] for row in rows] == ["市财政局"]
    assert_error(unit.get(f"/metrics?{P}&group=level"), 403, "forbidden")
    assert_error(caller(app.test_client(), mw.base.representative).get("/metrics"), 403, "forbidden")
