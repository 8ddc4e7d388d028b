"""The work bulletin (工作简报) and the assessment report (考核结果通报), read back with python-docx and
checked against djgc_direct.metrics and the database; the 生成简报 page, the CLI and the API."""
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from docx.oxml.ns import qn
from PIL import Image

from djgc_direct.cases.models import Reply, ReplyStatus
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.documents import charts, reports
from djgc_direct.documents.models import Bulletin
from djgc_direct.extensions import db
from djgc_direct.metrics import services as metrics
from djgc_direct.metrics.periods import parse_period
from tests.helpers import csrf_token
from tests.metrics_world import make_metrics_world
from tests.test_api import caller
from tests.test_documents import (
    DOCX, OFFICE, as_user, assert_gbt9704_page, filename_star, full_text, generation_records, paragraph_texts,
    reopened,
)

NOVEMBER = "2026-11"
TODAY = date(2026, 11, 26)


@pytest.fixture
def mw(clock):
    return make_metrics_world(clock)


def issue(period=NOVEMBER, today=TODAY):
    bulletin, doc = reports.issue_bulletin(parse_period(period), actor=None, office=OFFICE, today=today)
    db.session.commit()
    return bulletin, reopened(doc)


def pictures(doc):
    """The PNG bytes of every inline picture of the document body."""
    found = []
    for blip in doc.element.body.iter(qn("a:blip")):
        part = doc.part.related_parts[blip.get(qn("r:embed"))]
        assert any(ancestor.tag == qn("wp:inline") for ancestor in blip.iterancestors())
        found.append(part.blob)
    return found


def test_the_bulletin_shows_the_metrics_of_its_period(mw):
    _bulletin, doc = issue()
    assert_gbt9704_page(doc)
    text = full_text(doc)
    period = parse_period(NOVEMBER)
    intake, annotation, handling = (metrics.total(family, period)
                                    for family in (metrics.INTAKE, metrics.ANNOTATION, metrics.HANDLING))
    overall = next(t for t in paragraph_texts(doc) if t.startswith("2026年11月，"))
    assert overall == (
        f"2026年11月，党代表直通车共收到党代表来信{intake.counts['letters']}件，"
        f"1个工作日内送呈率{intake.rates['forwarded_in_time'].value}%，已办结{intake.counts['closed']}件；"
        f"市委领导批示{annotation.counts['annotated']}件次。本期交办承办单位{handling.counts['assignments']}件次，"
        f"按时答复率{handling.rates['reply_on_time'].value}%，满意率{handling.rates['satisfaction'].value}%"
        f"{'（样本不足）' if handling.rates['satisfaction'].flagged else ''}，"
        f"逾期未答复{handling.counts['overdue_open']}件；答复报告落实资金180万元。")
    # The hand-computed month (tests/metrics_world.py): 7 letters, A, B and F closed; 1.8 million
    # yuan approved (A 1,730,000 + C 20,000 + F 50,000), G's reply still under review.
    assert (intake.counts["letters"], intake.counts["closed"]) == (7, 3)
    approved = db.session.scalar(sa.select(sa.func.sum(Reply.amount_yuan)).where(Reply.status == ReplyStatus.APPROVED))
    assert approved == handling.counts["money"] == Decimal("1800000.00")
    assert "2026年第1期" in text and "2026年11月26日" in text and "党代表直通车工作简报" in text


def test_typical_cases_are_told_from_their_facts_largest_amount_first(mw):
    _bulletin, doc = issue()
    texts = paragraph_texts(doc)
    typical = texts[texts.index("二、典型案例") + 1:texts.index("三、逾期未答复事项")]
    # A (1,730,000 yuan, satisfied), F (50,000, no verdict), B (no money, basically satisfied);
    # C was reopened and is not closed.
    assert typical == [
        "1. 鹿寨县代表团党代表苏志明反映“雒容工业园区拖欠农民工工资问题”。陈刚（市委书记）批示：“请抓紧办理。”"
        "经市财政局牵头办理，已解决，落实资金173万元。代表评价为“满意”。",
        "2. 鹿寨县代表团党代表苏志明反映“社区养老服务站”。陈刚（市委书记）批示：“请抓紧办理。”"
        "经雒容工业园区管委会牵头办理，已解决，落实资金5万元。",
        "3. 鹿寨县代表团党代表苏志明反映“乡村道路损毁”。陈刚（市委书记）批示：“请抓紧办理。”"
        "经市财政局牵头办理，已解决。代表评价为“基本满意”。",
    ]


def test_overdue_list_and_unit_table_match_the_metrics(mw):
    _bulletin, doc = issue()
    period = parse_period(NOVEMBER)
    overdue_table, units_table = doc.tables
    assert [c.text for c in overdue_table.rows[0].cells] == ["序号", "编号", "来信标题", "承办单位", "办理期限", "逾期工作日"]
    # D: assigned 3 Nov to 财政局, due 6 Nov, never replied: 14 working days late on 26 Nov.
    rows = [[c.text for c in row.cells] for row in overdue_table.rows[1:]]
    assert len(rows) == metrics.total(metrics.HANDLING, period).counts["overdue_open"] == 1
    assert rows[0][2:] == ["学校周边交通拥堵", "市财政局", "2026年11月6日", "14"]
    units = {row.name: row for row in metrics.units(period) if row.has_data}
    printed = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in units_table.rows[1:]}
    assert set(printed) == set(units)
    finance = units["市财政局"]
    assert printed["市财政局"] == [str(finance.counts["assignments"]), f"{finance.rates['reply_on_time'].value}%*",
                                 f"{finance.rates['satisfaction'].value}%*", str(finance.counts["overdue"]), "175", "—"]


def test_the_bulletin_holds_a_chart_as_a_png_picture(mw):
    _bulletin, doc = issue()
    (png,) = pictures(doc)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png)).convert("L")
    low, high = image.getextrema()
    assert high - low > 100  # bars and labels on a white ground, not a blank picture
    assert len(image.getcolors(maxcolors=65536)) > 10


def test_a_missing_cjk_font_is_a_clear_error(monkeypatch):
    charts.cjk_font_path.cache_clear()
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Font CJK",))
    try:
        with pytest.raises(charts.MissingCJKFont, match="fonts-noto-cjk"):
            charts.rates_by_unit(["市财政局"], [Decimal("50.0")], [None])
    finally:
        charts.cjk_font_path.cache_clear()


def test_issue_numbers_run_per_year_without_gaps(mw):
    first, _doc = issue()
    second, doc = issue()  # the same period again: a second issue
    assert (first.issue_no, second.issue_no) == (1, 2)
    assert "2026年第2期" in full_text(doc)
    next_year, doc = issue(today=date(2027, 1, 4))
    assert (next_year.year, next_year.issue_no, next_year.period) == (2027, 1, NOVEMBER)
    assert "2027年第1期" in full_text(doc)
    assert db.session.scalar(sa.select(sa.func.count(Bulletin.id))) == 3


def test_a_failed_generation_leaves_no_gap(mw, monkeypatch):
    monkeypatch.setattr(reports, "bulletin", lambda *args, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        reports.issue_bulletin(parse_period(NOVEMBER), actor=None, office=OFFICE, today=TODAY)
    db.session.rollback()
    monkeypatch.undo()
    bulletin, _doc = issue()
    assert bulletin.issue_no == 1


def test_assessment_report_ranks_the_units(mw, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_MIN_CASES", 1)
    period = parse_period(NOVEMBER)
    ranking = reports.responsiveness_ranking(period)
    doc = reopened(reports.assessment_document(period, ranking, actor=None, office=OFFICE, today=TODAY))
    assert_gbt9704_page(doc)
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells] == ["名次", "单位", "交办件次", "按时答复率", "满意率", "备注"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    ranked = {row.name: row.rank for row in metrics.units(period)}
    assert [(row[0], row[1]) for row in rows] == [
        ("1", "柳江区人社局"), ("1", "雒容工业园区管委会"), ("3", "市财政局"), ("—", "拉堡镇政府")]
    assert all(int(row[0]) == ranked[row[1]] for row in rows if row[0] != "—")
    assert rows[2][3:5] == ["50.0%", "66.7%"]  # 财政局: 2 of 4 replies on time, 2 of 3 satisfied
    assert "考核结果的通报" in full_text(doc)


def test_assessment_rows_from_elsewhere_are_printed_with_their_stars():
    ranking = reports.Ranking(title="承办单位考核排名", headers=("得分",), basis="按得分排名。", rows=[
        reports.RankingRow("市财政局", (Decimal("92.5"),), 1, stars=5),
        reports.RankingRow("柳江区人社局", (None,), None, note="样本不足")])
    doc = reopened(reports.assessment_report(ranking, period_label="2026年第4季度", office=OFFICE,
                                             day=date(2027, 1, 5)))
    assert [[c.text for c in row.cells] for row in doc.tables[0].rows] == [
        ["名次", "单位", "得分", "星级", "备注"], ["1", "市财政局", "92.5", "★★★★★", ""],
        ["—", "柳江区人社局", "无数据", "", "样本不足"]]


def test_amounts_in_wan_yuan():
    assert [reports._wan(Decimal(v)) for v in ("1730000", "15000", "0", "1234", "1000000.00")] == [
        "173", "1.5", "0", "0.12", "100"]


# --- where people get them -----------------------------------------------------------------------

@pytest.mark.parametrize("username", ["suzhiming", "chengang", "caizheng", "root"])
def test_the_page_and_downloads_are_for_the_secretariat_only(app, username):
    from tests.cases_world import make_world
    from tests.factories import AdminFactory
    make_world()
    AdminFactory(username="root")
    db.session.commit()
    client = as_user(app, username)
    assert client.get("/documents/bulletin").status_code == 403
    token = csrf_token(client, "/")
    for url in ("/documents/bulletin", "/documents/assessment-report"):
        assert client.post(url, data={"period": NOVEMBER, "csrf_token": token}).status_code == 403
    assert generation_records() == []


def test_the_page_previews_and_each_download_is_one_issue_and_one_record(app, mw):
    client = as_user(app, "mishuchu")
    page = client.get(f"/documents/bulletin?period={NOVEMBER}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for fact in ("雒容工业园区拖欠农民工工资问题", "学校周边交通拥堵", "下载工作简报", "下载考核结果通报"):
        assert fact in html
    token = csrf_token(client, f"/documents/bulletin?period={NOVEMBER}")
    assert client.post("/documents/bulletin", data={"period": NOVEMBER}).status_code == 400  # no CSRF token
    names = []
    for _ in range(2):
        response = client.post("/documents/bulletin", data={"period": NOVEMBER, "csrf_token": token})
        assert response.status_code == 200 and response.mimetype == DOCX
        names.append(filename_star(response))
    assert names == ["工作简报-2026年第1期.docx", "工作简报-2026年第2期.docx"]
    response = client.post("/documents/assessment-report", data={"period": NOVEMBER, "csrf_token": token})
    assert response.status_code == 200 and filename_star(response) == "考核结果通报-2026-11.docx"
    records = generation_records()
    assert [r.after["kind"] for r in records] == ["bulletin", "bulletin", "assessment_report"]
    assert [r.after["selection"].get("issue_no") for r in records] == [1, 2, None]
    assert all(r.actor_id == mw.base.secretary.id for r in records)
    assert set(records[0].after["case_ids"]) == {mw.cases[k].id for k in ("A", "B", "D", "F")}


HOSTILE = ["2026-13", "../../etc/passwd", "<script>alert(1)</script>", "2026-11' OR '1'='1", "9" * 5000, "2026-Q5"]


@pytest.mark.parametrize("period", HOSTILE)
def test_a_hostile_period_is_refused_everywhere(app, mw, period):
    client = as_user(app, "mishuchu")
    page = client.get("/documents/bulletin", query_string={"period": period})
    assert page.status_code == 422 and "<script>alert" not in page.get_data(as_text=True)
    token = csrf_token(client, "/documents/bulletin")
    assert client.post("/documents/bulletin", data={"period": period, "csrf_token": token}).status_code == 422
    response = caller(app.test_client(), mw.base.secretary).post(f"/bulletins/{period}")
    if "/" not in period:  # a slash is another route altogether
        assert response.status_code == 422
        assert response.get_json()["error"]["code"] == "invalid"
        assert response.get_json()["error"]["field"] == "period"
    else:
        assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Bulletin.id))) == 0 and generation_records() == []


def test_api_issues_with_post_and_reads_the_issue_unchanged_with_get(app, mw):
    secretary, leader = caller(app.test_client(), mw.base.secretary), caller(app.test_client(), mw.base.chen)
    missing = leader.get(f"/bulletins/{NOVEMBER}.docx")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    assert leader.post(f"/bulletins/{NOVEMBER}").status_code == 403  # leaders read, the secretariat issues
    issued = secretary.post(f"/bulletins/{NOVEMBER}")
    assert issued.status_code == 201 and "2026年第1期" in full_text(reopened(issued.data))
    for user in (secretary, leader):
        response = user.get(f"/bulletins/{NOVEMBER}.docx")
        assert response.status_code == 200 and response.mimetype == DOCX
        assert response.data == issued.data  # the issue as it went out; reading issues nothing
    assert db.session.scalar(sa.select(sa.func.count(Bulletin.id))) == 1
    for user in (mw.base.representative, mw.base.finance_staff):
        response = caller(app.test_client(), user).get(f"/bulletins/{NOVEMBER}.docx")
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert len(generation_records()) == 1


def test_cli_bulletin_and_assessment_report(runner, tmp_path, mw):
    out = tmp_path / "b.docx"
    result = runner.invoke(args=["djgc", "bulletin", "--period", NOVEMBER, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2026年第1期" in result.output and "2026年第1期" in full_text(reopened(out.read_bytes()))
    report = tmp_path / "a.docx"
    result = runner.invoke(args=["djgc", "assessment-report", "--period", NOVEMBER, "-o", str(report)])
    assert result.exit_code == 0, result.output
    assert "考核结果的通报" in full_text(reopened(report.read_bytes()))
    bad = runner.invoke(args=["djgc", "bulletin", "--period", "2026-13", "-o", str(tmp_path / "x.docx")])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output and not (tmp_path / "x.docx").exists()
    unwritable = runner.invoke(args=["djgc", "bulletin", "--period", NOVEMBER, "-o", str(tmp_path / "no" / "b.docx")])
    assert unwritable.exit_code == 1
    # The failed write took no number: the next issue is the second.
    assert [r.after["kind"] for r in generation_records()] == ["bulletin", "assessment_report"]
    assert db.session.scalar(sa.select(sa.func.max(Bulletin.issue_no))) == 1


def test_assessment_report_prints_the_latest_assessment_run_once_there_is_one(mw, app, monkeypatch):
    from djgc_direct.assessments import services as assessments
    from djgc_direct.demo.seed import RUBRICS

    monkeypatch.setitem(app.config, "METRICS_MIN_CASES", 1)
    period = parse_period(NOVEMBER)
    assert reports.report_ranking(period).headers == ("交办件次", "按时答复率", "满意率")  # no run yet
    assessments.import_rubric((RUBRICS / "djgc_direct_v1.yaml").read_text(encoding="utf-8"), actor=None)
    run = assessments.run_latest(NOVEMBER)
    db.session.commit()
    ranking = reports.report_ranking(period)
    assert ranking.headers == ("得分",) and "第1次评分" in ranking.basis
    by_name = {row.name: row for row in ranking.rows}
    for result in run.results:
        row = by_name[result.unit_name]
        assert (row.rank, row.stars) == (result.rank, result.stars)
        assert row.values == ((None if result.score is None else f"{result.score}"),)
    doc = reopened(reports.assessment_document(period, ranking, actor=None, office=OFFICE, today=TODAY))
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["名次", "单位", "得分", "星级", "备注"]
