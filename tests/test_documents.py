"""The documents the secretariat prints — review slip, briefing pack, supervision notice — read back
from their .docx bytes with python-docx; who may download them; the audit trail; the CLI."""
import io
import re
from datetime import date, datetime
from urllib.parse import unquote

import pytest
import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn

from djgc_direct.accounts.models import User
from djgc_direct.audit.models import AuditRecord
from djgc_direct.cases import services
from djgc_direct.cases.models import Annotation, Assignment, AssignmentStatus, Case, CaseLeader, CaseStatus
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.core.errors import Conflict, ValidationError
from djgc_direct.documents import builders
from djgc_direct.documents.gbt9704 import FANGSONG, HEITI, KAITI, SONGTI, XIAOBIAOSONG, document_bytes
from djgc_direct.extensions import db
from tests.cases_world import LUORONG_LETTER, case_in, lead_assignment, make_world, write_letter
from tests.factories import AdminFactory, LeaderFactory
from tests.helpers import csrf_token, login

OFFICE = "中共柳州市委党代表直通车办公室"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CHEN_ANNOTATION = "请市财政局牵头,会同雒容工业园区管委会抓紧解决农民工工资问题。"
PAPER_ANNOTATION = "春节前务必发放到位,办理情况报我。"
FORWARD_COMMENT = "拟请陈刚书记阅示,建议交市财政局牵头办理。"
FORBIDDEN = [chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]]
FLAG, RARE_HAN = "🚩", "𠀀"


# --- reading documents back -----------------------------------------------------------------------

def reopened(doc_or_bytes):
    data = doc_or_bytes if isinstance(doc_or_bytes, bytes) else document_bytes(doc_or_bytes)
    return Document(io.BytesIO(data))


def paragraph_texts(doc):
    """The text of every paragraph, those in table cells included, in reading order; names come
    back without the joiners that keep them on one line."""
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))).replace("\u200d", "")
            for p in doc.element.body.iter(qn("w:p"))]


def full_text(doc):
    return "\n".join(paragraph_texts(doc))


def has_page_break(element):
    return any(br.get(qn("w:type")) == "page" for br in element.iter(qn("w:br")))


def east_asian_fonts(doc):
    """The East-Asian face of every run with text: its own w:eastAsia, or the Normal style's."""
    normal = doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia"))
    fonts = set()
    for run in doc.element.body.iter(qn("w:r")):
        if not "".join(t.text or "" for t in run.iter(qn("w:t"))):
            continue
        r_fonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        fonts.add(r_fonts.get(qn("w:eastAsia")) if r_fonts is not None else normal)
    return fonts


def run_font(doc, text):
    """The w:eastAsia face of the first run whose text is `text`."""
    for run in doc.element.body.iter(qn("w:r")):
        if "".join(t.text or "" for t in run.iter(qn("w:t"))) == text:
            return run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia"))
    raise AssertionError(f"no run {text!r}")


def assert_gbt9704_page(doc):
    section = doc.sections[0]
    for length, expected_mm in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
                                (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26)):
        assert length.mm == pytest.approx(expected_mm, abs=0.1)
    assert east_asian_fonts(doc) <= {FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI}
    assert FANGSONG in east_asian_fonts(doc)


# --- the world --------------------------------------------------------------------------------------

def luorong(world, clock):
    """The Luorong case: submitted at 01:30 on 26 November in Liuzhou (still the 25th in UTC),
    forwarded with a proposed handling, annotated by 陈刚 on the 27th and assigned, then a paper
    annotation of his transcribed by the secretariat, marked internal, on 1 December."""
    clock.set(datetime(2026, 11, 26, 1, 30, tzinfo=SHANGHAI))
    case = write_letter(world)
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI))
    services.register(case, world.secretary)
    services.forward(case, world.secretary, [world.chen.id], comment=FORWARD_COMMENT)
    clock.advance(days=1)
    services.annotate(case, world.chen, text=CHEN_ANNOTATION, unit_ids=[world.finance.id, world.park.id],
                      lead_unit_id=world.finance.id)
    clock.advance(days=4)
    services.annotate(case, world.secretary, leader_id=world.chen.id, text=PAPER_ANNOTATION, internal=True)
    db.session.commit()
    return case


def as_user(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def generation_records():
    return db.session.scalars(sa.select(AuditRecord).where(AuditRecord.action == "document_generated")
                              .order_by(AuditRecord.id)).all()


def filename_star(response):
    disposition = response.headers["Content-Disposition"]
    match = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert disposition.startswith("attachment;") and match, disposition
    return unquote(match.group(1))


# --- summary ---------------------------------------------------------------------------------------

def test_a_short_letter_is_its_own_summary_with_its_lines_run_together():
    assert builders.summarize("第一行。\n  第二行。") == "第一行。第二行。"
    assert builders.summarize("Line one\nline two") == "Line one line two"


def test_a_long_letter_is_cut_at_its_last_sentence_end_within_the_limit():
    sentence = "园区拖欠农民工工资问题突出，群众反映强烈。"  # 21 characters
    summary = builders.summarize(sentence * 20)
    assert summary == sentence * 14 + "……"
    assert len(summary) <= builders.SUMMARY_MAX_CHARS + 2


def test_a_closing_quote_stays_with_its_sentence():
    text = "他说：“工资还没发。”" + "后" * 300
    assert builders.summarize(text, limit=20) == "他说：“工资还没发。”……"


def test_a_letter_without_a_usable_sentence_end_is_cut_at_the_limit():
    assert builders.summarize("短句。" + "长" * 400) == "短句。" + "长" * 297 + "……"


# --- review slip -----------------------------------------------------------------------------------

def test_review_slip_of_the_luorong_case(clock):
    world = make_world()
    case = luorong(world, clock)
    doc = reopened(builders.slip_document(case, office=OFFICE))
    assert_gbt9704_page(doc)
    text = full_text(doc)
    for fact in ["中共柳州市委党代表直通车办公室", "党代表来信呈阅单", "直通〔2026〕0001号", "苏志明", "鹿寨县代表团",
                 "陈刚（市委书记）", "劳动就业与社会保障", "党员群众反映", "雒容工业园区拖欠农民工工资问题",
                 LUORONG_LETTER, FORWARD_COMMENT, CHEN_ANNOTATION, PAPER_ANNOTATION]:
        assert fact in text, fact
    # Received on the 26th in Liuzhou, although it was still the 25th in UTC.
    assert "2026年11月26日" in text and "2026年11月25日" not in text
    texts = paragraph_texts(doc)
    signatures = [t for t in texts if t.startswith("——")]
    assert signatures == ["——陈刚（市委书记），2026年11月27日",
                          "——陈刚（市委书记），2026年12月1日（内部）（秘书处代录）"]
    assert texts.index(CHEN_ANNOTATION) < texts.index(PAPER_ANNOTATION)
    # One page: the form and the annotation box, no page break.
    assert len(doc.tables) == 2 and not has_page_break(doc.element.body)
    assert run_font(doc, "编号") == run_font(doc, "领导批示：") == HEITI
    assert run_font(doc, "直通〔2026〕0001号") == FANGSONG


def test_addressed_leaders_come_in_order_of_precedence_with_their_titles(clock):
    world = make_world()
    world.deputy.precedence, world.third_leader.precedence = 5, 3
    case = services.create_letter(world.representative, title="多位领导", content="内容。", category="economy",
                                  leader_ids=[world.deputy.id, world.third_leader.id, world.chen.id], submit=True)
    services.register(case, world.secretary)
    db.session.commit()
    text = full_text(reopened(builders.slip_document(case, office=OFFICE)))
    assert "陈刚（市委书记）、刘海燕（市委常委）、张建华（市委副书记）" in text


def test_slip_without_annotations_has_an_empty_box_that_stays_whole(clock):
    world = make_world()
    case = case_in(world, CaseStatus.FORWARDED)
    doc = reopened(builders.slip_document(case, office=OFFICE))
    box = doc.tables[1]
    assert [p.text for p in box.cell(0, 0).paragraphs] == ["领导批示："]
    row = box.rows[0]
    assert row.height.twips >= builders.ANNOTATION_BOX_LINES * 579
    assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert FORWARD_COMMENT not in full_text(doc)  # forwarded without a proposed handling


def test_proposed_handling_is_the_latest_forwarding_comment():
    world = make_world()
    case = case_in(world, CaseStatus.REGISTERED)
    services.forward(case, world.secretary, [world.chen.id], comment="拟请陈刚书记阅示。")
    services.forward(case, world.secretary, [world.deputy.id], comment="拟请张建华副书记一并阅示。")
    services.forward(case, world.secretary, [world.third_leader.id])
    db.session.commit()
    assert builders.proposed_handling([case.id]) == {case.id: "拟请张建华副书记一并阅示。"}


def test_hostile_legacy_text_still_makes_a_document_python_docx_reopens(app, clock):
    """Control characters cannot get in through the services (they are refused), but older data
    may hold them: written straight into the rows here. (PostgreSQL cannot store NUL at all.)"""
    world = make_world()
    case = luorong(world, clock)
    hostile = "".join(FORBIDDEN) + FLAG + RARE_HAN
    content = (LUORONG_LETTER + hostile) * (20_000 // len(LUORONG_LETTER + hostile) + 1)
    content = content[:20_000]
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(
        content=content, title=f"雒容{hostile}工业园区"))
    db.session.execute(sa.update(Annotation).values(text=f"批示{hostile}内容"))
    db.session.commit()
    assert len(db.session.scalar(sa.select(Case.content).where(Case.id == case.id))) == 20_000

    response = as_user(app, "mishuchu").get(f"/cases/{case.id}/slip.docx")
    assert response.status_code == 200
    doc = reopened(response.data)
    text = full_text(doc)
    assert f"雒容{FLAG}{RARE_HAN}工业园区" in text and f"批示{FLAG}{RARE_HAN}内容" in text
    assert not any(char in text for char in FORBIDDEN)
    summary = next(t for t in paragraph_texts(doc) if t.startswith("雒容工业园区基础设施"))
    assert summary.endswith("……") and len(summary) <= builders.SUMMARY_MAX_CHARS + 2

    case = db.session.get(Case, case.id)
    for built in (builders.pack_document([case], office=OFFICE, today=date(2026, 12, 22)),
                  builders.notice_document(lead_assignment(case), office=OFFICE, today=date(2026, 12, 22))):
        assert f"批示{FLAG}{RARE_HAN}内容" in full_text(reopened(built))


# --- briefing pack ---------------------------------------------------------------------------------

def three_cases(world, clock):
    """Closed (Luorong), forwarded, and assigned with both units two working days late."""
    closed = case_in(world, CaseStatus.CLOSED)
    forwarded = case_in(world, CaseStatus.FORWARDED)
    late = services.create_letter(world.other_representative, title="园区道路积水问题", content="雨季道路积水。",
                                  leader_ids=[world.deputy.id, world.chen.id], category="urban_rural", submit=True)
    for step in (lambda: services.register(late, world.secretary),
                 lambda: services.forward(late, world.secretary, [world.deputy.id]),
                 lambda: services.annotate(late, world.deputy, text="请园区管委会办理。", unit_ids=[world.park.id,
                                           world.finance.id], lead_unit_id=world.park.id)):
        step()
    db.session.commit()
    # Assigned on Thursday 26 November, due 15 working days later on Thursday 17 December.
    assert lead_assignment(late).due_date == date(2026, 12, 17)
    clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=SHANGHAI))  # Monday: Friday 18th and today are late
    return [closed, forwarded, late]


def test_briefing_pack_has_a_cover_contents_figures_and_a_slip_per_case_each_after_a_page_break(clock):
    world = make_world()
    cases = three_cases(world, clock)
    ids = [case.id for case in cases]
    doc = reopened(builders.pack_document(builders.select_cases(case_ids=ids), office=OFFICE,
                                          today=date(2026, 12, 21)))
    assert_gbt9704_page(doc)
    blocks = [child for child in doc.element.body if child.tag != qn("w:sectPr")]
    block_texts = ["".join(t.text or "" for t in b.iter(qn("w:t"))).replace("\u200d", "") for b in blocks]
    slips = [i for i, text in enumerate(block_texts) if text == builders.SLIP_TITLE]
    assert len(slips) == 3
    for i in slips:
        assert block_texts[i - 1] == OFFICE and has_page_break(blocks[i - 2])
    assert has_page_break(blocks[block_texts.index("一、来信目录") - 1])  # after the cover

    cover = "".join(block_texts[:block_texts.index("一、来信目录")])
    assert "会议材料" in cover and "来信3件" in cover and "2026年12月21日" in cover and OFFICE in cover
    contents = doc.tables[0]
    assert [c.text for c in contents.rows[0].cells] == ["序号", "编号", "标题", "党代表", "办理状态"]
    assert [[c.text for c in row.cells][:2] for row in contents.rows[1:]] == [
        ["1", "直通〔2026〕0001号"], ["2", "直通〔2026〕0002号"], ["3", "直通〔2026〕0003号"]]
    assert [row.cells[4].text for row in contents.rows[1:]] == ["已办结", "已呈阅", "已交办"]

    # The figures, against the database.
    by_status = dict(db.session.execute(sa.select(Case.status, sa.func.count()).where(Case.id.in_(ids))
                                        .group_by(Case.status)).all())
    leaders = db.session.scalar(sa.select(sa.func.count(sa.distinct(CaseLeader.leader_id))).where(
        CaseLeader.case_id.in_(ids), CaseLeader.addressed.is_(True)))
    open_late = db.session.scalar(sa.select(sa.func.count()).select_from(Assignment).join(Case).where(
        Assignment.case_id.in_(ids), Assignment.due_date < date(2026, 12, 21),
        Assignment.status.in_([AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED]),
        Case.status.in_([CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS])))
    assert (leaders, open_late) == (2, 2)
    statuses = "、".join(f"{status.label}{by_status[status]}件" for status in CaseStatus if status in by_status)
    assert statuses == "已呈阅1件、已交办1件、已办结1件"
    figures = block_texts[block_texts.index("二、数据概览") + 1]
    assert figures == (f"本材料共收录来信3件，其中{statuses}。来信涉及致信市委领导{leaders}位。"
                       f"截至2026年12月21日，逾期未答复的交办事项{open_late}项。")


def test_pack_selection_by_status_period_and_ids(clock):
    world = make_world()
    first = case_in(world, CaseStatus.FORWARDED)
    clock.set(datetime(2026, 12, 1, 23, 30, tzinfo=SHANGHAI))  # 15:30 UTC
    second = case_in(world, CaseStatus.REGISTERED)
    case_in(world, CaseStatus.DRAFT)
    assert builders.select_cases() == [first, second]  # never a draft
    assert builders.select_cases(status="registered") == [second]
    assert builders.select_cases(date_from=date(2026, 12, 1), date_to=date(2026, 12, 1)) == [second]
    assert builders.select_cases(date_to=date(2026, 11, 30)) == [first]
    assert builders.select_cases(case_ids=[first.id], status="forwarded") == [first]
    assert builders.select_cases(case_ids=[first.id], status="registered") == []
    with pytest.raises(ValidationError):
        builders.select_cases(status="draft")
    with pytest.raises(ValidationError):
        builders.select_cases(date_from=date(2026, 12, 2), date_to=date(2026, 12, 1))
    with pytest.raises(ValidationError):
        builders.pack_document([], office=OFFICE, today=date(2026, 12, 1))


# --- supervision notice ----------------------------------------------------------------------------

def late_over_national_day(world, clock):
    """Assigned on Monday 21 September 2026 with a deadline of Wednesday 30 September."""
    clock.set(datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI))
    case = case_in(world, CaseStatus.ANNOTATED)
    services.assign(case, world.secretary, unit_ids=[world.finance.id, world.park.id],
                    lead_unit_id=world.finance.id, due_date=date(2026, 9, 30))
    db.session.commit()
    return case


def test_supervision_notice_counts_working_days_across_national_day(clock):
    world = make_world()
    case = late_over_national_day(world, clock)
    lead = lead_assignment(case)
    # Friday 9 October: 1–7 October are off, so only the 8th and the 9th count.
    doc = reopened(builders.notice_document(lead, office=OFFICE, today=date(2026, 10, 9)))
    assert_gbt9704_page(doc)
    texts = paragraph_texts(doc)
    assert texts[2] == "市财政局："
    assert doc.paragraphs[2].paragraph_format.first_line_indent in (None, 0)
    text = "".join(texts)
    for fact in ["督办通知", "苏志明（鹿寨县代表团）", "“雒容工业园区拖欠农民工工资问题”（直通〔2026〕0001号）",
                 "已于2026年9月21日交由你单位主办办理，办理期限为2026年9月30日。",
                 "截至2026年10月9日，该件已逾期2个工作日", "陈刚（市委书记）2026年9月21日批示：“请市财政局会同园区管委会尽快解决。”",
                 # 5 working days from the 9th: Saturday the 10th is worked (调休), then 12–15 October.
                 "于5个工作日内（2026年10月15日前）办结"]:
        assert fact in text, fact
    assert texts[-2:] == [OFFICE, "2026年10月9日"]

    # Monday 12 October: the 8th, 9th, 10th (a working Saturday) and 12th.
    text = full_text(reopened(builders.notice_document(lead, office=OFFICE, today=date(2026, 10, 12),
                                                       new_limit_days=10)))
    assert "该件已逾期4个工作日" in text and "于10个工作日内（2026年10月26日前）" in text


def test_supervision_notice_shows_the_original_and_the_extended_deadline(clock):
    world = make_world()
    case = late_over_national_day(world, clock)
    lead = lead_assignment(case)
    services.acknowledge(lead, world.finance_staff)
    extension = services.request_extension(lead, world.finance_staff, date(2026, 10, 8), "需核实欠薪名单。")
    services.decide_extension(extension, world.secretary, approve=True)
    db.session.commit()
    text = full_text(reopened(builders.notice_document(lead, office=OFFICE, today=date(2026, 10, 12))))
    assert "原定办理期限为2026年9月30日，经批准延期至2026年10月8日。" in text
    assert "该件已逾期3个工作日" in text


def test_only_an_open_late_assignment_gets_a_notice(clock):
    world = make_world()
    case = late_over_national_day(world, clock)
    lead = lead_assignment(case)
    for today in (date(2026, 9, 30), date(2026, 10, 7)):  # the deadline itself, then holidays only
        assert builders.workdays_overdue(lead, today) == 0
        with pytest.raises(Conflict):
            builders.notice_document(lead, office=OFFICE, today=today)
    assert builders.workdays_overdue(lead, date(2026, 10, 8)) == 1
    for days in (0, 31, "x"):
        with pytest.raises(ValidationError):
            builders.notice_document(lead, office=OFFICE, today=date(2026, 10, 8), new_limit_days=days)
    closed = case_in(world, CaseStatus.CLOSED)
    assert all(builders.workdays_overdue(a, date(2027, 6, 1)) == 0 for a in closed.assignments)


# --- downloads and who gets them -------------------------------------------------------------------

def test_slip_download_for_the_secretariat_and_the_forwarded_leader(app, clock):
    world = make_world()
    case = luorong(world, clock)
    for username in ("mishuchu", "chengang"):
        before = len(generation_records())
        response = as_user(app, username).get(f"/cases/{case.id}/slip.docx")
        assert response.status_code == 200
        assert response.mimetype == DOCX
        assert filename_star(response) == "呈阅单-直通〔2026〕0001号.docx"
        assert f'filename="review-slip-{case.id}.docx"' in response.headers["Content-Disposition"]
        assert PAPER_ANNOTATION in full_text(reopened(response.data))  # internal annotations included
        records = generation_records()
        assert len(records) == before + 1
        assert records[-1].after == {"kind": "review_slip", "case_ids": [case.id], "selection": {"case_id": case.id}}
        assert records[-1].actor_id == db.session.scalar(sa.select(User.id).where(User.username == username))


@pytest.mark.parametrize("username, status", [
    ("suzhiming", 403), ("caizheng", 403), ("luorong", 403), ("root", 403),
    ("zhangjianhua", 404),  # a leader the case was not forwarded to
])
def test_slip_is_refused_to_everyone_else(app, clock, username, status):
    world = make_world()
    AdminFactory(username="root")
    case = luorong(world, clock)
    client = as_user(app, username)
    assert client.get(f"/cases/{case.id}/slip.docx").status_code == status
    assert client.get(f"/cases/{case.id + 1000}/slip.docx").status_code in (403, 404)
    assert generation_records() == []


def test_slip_of_a_draft_is_not_found(app):
    world = make_world()
    case = case_in(world, CaseStatus.DRAFT)
    assert as_user(app, "mishuchu").get(f"/cases/{case.id}/slip.docx").status_code == 404


@pytest.mark.parametrize("username", ["suzhiming", "chengang", "caizheng", "root"])
def test_pack_page_is_for_the_secretariat_only(app, username):
    make_world()
    AdminFactory(username="root")
    client = as_user(app, username)
    assert client.get("/documents/pack").status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/documents/pack", data={"csrf_token": token, "case_ids": "1"}).status_code == 403


def test_pack_page_previews_the_selection_and_downloads_the_ticked_cases(app, clock):
    world = make_world()
    cases = three_cases(world, clock)
    client = as_user(app, "mishuchu")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/documents/pack"' in home and "会议材料" in home

    page = client.get("/documents/pack?status=forwarded")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "直通〔2026〕0002号" in html and "直通〔2026〕0001号" not in html
    assert f'name="case_ids" value="{cases[1].id}" id="case-{cases[1].id}" checked' in html
    assert f'href="/cases/{cases[1].id}/slip.docx"' in html

    html = client.get("/documents/pack").get_data(as_text=True)
    assert all(number in html for number in ("0001号", "0002号", "0003号"))
    assert "2 项(截至 2026-12-21)" in html  # the overdue assignments of the preview

    token = csrf_token(client, "/documents/pack")
    response = client.post("/documents/pack", data={
        "csrf_token": token, "status": "", "date_from": "2026-11-01", "date_to": "",
        "case_ids": [str(cases[0].id), str(cases[2].id)]})
    assert response.status_code == 200 and response.mimetype == DOCX
    assert filename_star(response) == "会议材料-2026-12-21.docx"
    doc = reopened(response.data)
    assert full_text(doc).count(builders.SLIP_TITLE) == 2
    records = generation_records()
    assert len(records) == 1
    assert records[0].after == {"kind": "briefing_pack", "case_ids": [cases[0].id, cases[2].id], "selection": {
        "status": None, "from": "2026-11-01", "to": None, "case_ids": [cases[0].id, cases[2].id]}}


def test_pack_download_needs_a_ticked_case_a_valid_period_and_csrf(app):
    world = make_world()
    case = case_in(world, CaseStatus.FORWARDED)
    client = as_user(app, "mishuchu")
    token = csrf_token(client, "/documents/pack")
    response = client.post("/documents/pack", data={"csrf_token": token, "status": "forwarded"})
    assert response.status_code == 422 and "请至少勾选一件来信" in response.get_data(as_text=True)
    response = client.post("/documents/pack", data={"csrf_token": token, "date_from": "2026-12-02",
                                                    "date_to": "2026-12-01", "case_ids": str(case.id)})
    assert response.status_code == 422 and "起始日期不能晚于截止日期" in response.get_data(as_text=True)
    page = client.get("/documents/pack?date_from=2026-12-02&date_to=2026-12-01").get_data(as_text=True)
    assert "起始日期不能晚于截止日期" in page
    response = client.post("/documents/pack", data={"csrf_token": token, "status": "replied",
                                                    "case_ids": str(case.id)})
    assert response.status_code == 422 and "没有符合条件的来信" in response.get_data(as_text=True)
    assert client.post("/documents/pack", data={"case_ids": str(case.id)}).status_code == 400
    assert generation_records() == []


def test_supervision_notice_download(app, clock):
    world = make_world()
    case = late_over_national_day(world, clock)
    lead = lead_assignment(case)
    support = next(a for a in case.assignments if not a.is_lead)
    clock.set(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI))
    client = as_user(app, "mishuchu")

    response = client.get(f"/assignments/{support.id}/supervision-notice.docx?days=3")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert filename_star(response) == "督办通知-雒容工业园区管委会-直通〔2026〕0001号.docx"
    text = full_text(reopened(response.data))
    assert "雒容工业园区管委会：" in text and "你单位协办办理" in text
    assert "于3个工作日内（2026年10月13日前）" in text
    response = client.get(f"/assignments/{lead.id}/supervision-notice.docx")
    assert "于5个工作日内（2026年10月15日前）" in full_text(reopened(response.data))
    assert [r.after for r in generation_records()] == [
        {"kind": "supervision_notice", "case_ids": [case.id],
         "selection": {"assignment_id": support.id, "unit_id": world.park.id, "days": 3}},
        {"kind": "supervision_notice", "case_ids": [case.id],
         "selection": {"assignment_id": lead.id, "unit_id": world.finance.id, "days": 5}}]

    for days in ("0", "31", "abc", "-1", "²", "5.5"):
        response = client.get(f"/assignments/{lead.id}/supervision-notice.docx?days={days}")
        assert response.status_code == 422, days
        assert "1 至 30 个工作日" in response.get_data(as_text=True)
    assert client.get("/assignments/999999/supervision-notice.docx").status_code == 404
    clock.set(datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))
    response = client.get(f"/assignments/{lead.id}/supervision-notice.docx")
    assert response.status_code == 409 and "不需要督办" in response.get_data(as_text=True)
    assert len(generation_records()) == 2

    for username in ("caizheng", "chengang", "suzhiming"):
        assert as_user(app, username).get(f"/assignments/{lead.id}/supervision-notice.docx").status_code == 403


# --- command line ----------------------------------------------------------------------------------

def test_cli_pack_and_slip(runner, tmp_path, clock):
    world = make_world()
    cases = three_cases(world, clock)
    output = tmp_path / "pack.docx"
    result = runner.invoke(args=["djgc", "pack", "--status", "forwarded", "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert f"wrote 1 case to {output}" in result.output
    assert full_text(reopened(output.read_bytes())).count(builders.SLIP_TITLE) == 1

    result = runner.invoke(args=["djgc", "pack", "--case", str(cases[0].id), "--case", str(cases[2].id),
                                 "--case", "999999", "--from", "2026-11-26", "--to", "2026-11-26",
                                 "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "wrote 2 cases" in result.output
    assert "left out (no such case, a draft, or not matching): 999999" in result.output

    slip = tmp_path / "slip.docx"
    result = runner.invoke(args=["djgc", "slip", str(cases[0].id), "-o", str(slip)])
    assert result.exit_code == 0, result.output
    assert "直通〔2026〕0001号" in result.output
    assert "直通〔2026〕0001号" in full_text(reopened(slip.read_bytes()))

    records = generation_records()
    assert [(r.actor_id, r.after["kind"], r.after["case_ids"]) for r in records] == [
        (None, "briefing_pack", [cases[1].id]),
        (None, "briefing_pack", [cases[0].id, cases[2].id]),
        (None, "review_slip", [cases[0].id])]
    assert records[1].after["selection"] == {"status": None, "from": "2026-11-26", "to": "2026-11-26",
                                             "case_ids": [cases[0].id, cases[2].id, 999999]}


@pytest.mark.parametrize("args, message", [
    (["pack", "--status", "pondering"], "Invalid value for '--status'"),
    (["pack", "--status", "draft"], "Invalid value for '--status'"),
    (["pack", "--from", "2026-13-01"], "is not a date in the form YYYY-MM-DD"),
    (["pack", "--from", "2026-12-02", "--to", "2026-12-01"], "起始日期不能晚于截止日期"),
    (["pack", "--status", "replied"], "没有符合条件的来信"),
    (["slip", "999999"], "no case with id 999999"),
])
def test_cli_errors_are_clear_and_write_nothing(runner, tmp_path, args, message):
    world = make_world()
    case_in(world, CaseStatus.FORWARDED)
    output = tmp_path / "out.docx"
    result = runner.invoke(args=["djgc", *args, "-o", str(output)])
    assert result.exit_code != 0 and message in result.output, result.output
    assert not output.exists() and generation_records() == []


def test_cli_reports_an_unwritable_output(runner, tmp_path):
    world = make_world()
    case = case_in(world, CaseStatus.FORWARDED)
    result = runner.invoke(args=["djgc", "slip", str(case.id), "-o", str(tmp_path / "missing" / "slip.docx")])
    assert result.exit_code == 1 and "cannot write" in result.output
    assert generation_records() == []


def test_a_second_leader_forwarded_later_may_print_the_slip(app):
    world = make_world()
    case = case_in(world, CaseStatus.FORWARDED)
    late_leader = LeaderFactory(username="wanglixin", name="王立新", title="市委常委、秘书长", precedence=4)
    client = as_user(app, "wanglixin")
    assert client.get(f"/cases/{case.id}/slip.docx").status_code == 404
    services.forward(db.session.get(Case, case.id), world.secretary, [late_leader.id])
    db.session.commit()
    assert client.get(f"/cases/{case.id}/slip.docx").status_code == 200


# Every documents route × every role (the HTML matrix in test_permissions_matrix leaves these here).
DOCUMENT_ROUTES = {
    "documents.case_slip": {"mishuchu": 200, "chengang": 200, "zhangjianhua": 404, "suzhiming": 403,
                            "caizheng": 403, "root": 403},
    "documents.pack": {"mishuchu": 200, "chengang": 403, "zhangjianhua": 403, "suzhiming": 403,
                       "caizheng": 403, "root": 403},
    "documents.supervision_notice": {"mishuchu": 200, "chengang": 403, "zhangjianhua": 403, "suzhiming": 403,
                                     "caizheng": 403, "root": 403},
    "documents.bulletin": {"mishuchu": 200, "chengang": 403, "zhangjianhua": 403, "suzhiming": 403,
                           "caizheng": 403, "root": 403},
    # The downloads are POSTs (tests/test_bulletins.py posts them as every role): a GET of the
    # bulletin's URL is the page, of the report's nothing.
    "documents.bulletin_download": {"mishuchu": 200, "chengang": 403, "zhangjianhua": 403, "suzhiming": 403,
                                    "caizheng": 403, "root": 403},
    "documents.assessment_report": dict.fromkeys(["mishuchu", "chengang", "zhangjianhua", "suzhiming", "caizheng",
                                                  "root"], 405),
}


def test_every_documents_route_by_role(app, clock):
    world = make_world()
    AdminFactory(username="root")
    case = late_over_national_day(world, clock)
    clock.set(datetime(2026, 10, 9, 9, 0, tzinfo=SHANGHAI))
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("documents.")}
    assert set(rules) == set(DOCUMENT_ROUTES)
    args = {"case_id": case.id, "assignment_id": lead_assignment(case).id}
    for endpoint, expected in DOCUMENT_ROUTES.items():
        url = rules[endpoint].build({name: args[name] for name in rules[endpoint].arguments},
                                    append_unknown=False)[1]
        for username, status in expected.items():
            assert as_user(app, username).get(url).status_code == status, (endpoint, username)
    assert len(generation_records()) == 3  # the slip for the secretariat and for 陈刚, and the notice
