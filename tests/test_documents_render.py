"""The documents open and render in LibreOffice: each is converted to PDF, then its pages are
counted (pdfinfo) and its text read (pdftotext).

`make test` installs LibreOffice Writer and poppler-utils (Makefile SYSTEM_PACKAGES), so a missing
tool fails these tests rather than skipping them.
"""
import re
import shutil
import subprocess
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from djgc_direct.cases.models import Case
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.documents import builders
from djgc_direct.documents.gbt9704 import document_bytes
from djgc_direct.extensions import db
from tests.cases_world import lead_assignment, make_world
from tests.test_documents import (
    CHEN_ANNOTATION, FLAG, FORBIDDEN, OFFICE, PAPER_ANNOTATION, RARE_HAN, late_over_national_day, luorong, three_cases,
)

pytestmark = pytest.mark.slow


def to_pdf(tmp_path, documents):
    """Convert {name: Document} to PDFs in one LibreOffice run with its own throwaway profile."""
    for tool in ("soffice", "pdfinfo", "pdftotext"):
        assert shutil.which(tool), f"{tool} is missing: `make system-deps` installs LibreOffice and poppler-utils"
    paths = []
    for name, doc in documents.items():
        path = tmp_path / f"{name}.docx"
        path.write_bytes(document_bytes(doc))
        paths.append(str(path))
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *paths], check=True, capture_output=True, timeout=180)
    return {name: tmp_path / f"{name}.pdf" for name in documents}


def pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


def pdf_text(pdf, page=None):
    """The text of the PDF (or of one page), without the spaces LibreOffice sets between Chinese
    and Latin letters, line ends, and the joiners that hold names together."""
    span = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(["pdftotext", *span, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"[\s\u200d]", "", text)


def test_libreoffice_renders_the_slip_the_pack_and_the_notice(tmp_path, clock):
    world = make_world()
    slip_case = luorong(world, clock)
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI))
    pack_cases = three_cases(world, clock)  # numbers 0002 to 0004
    notice_case = late_over_national_day(world, clock)
    pdfs = to_pdf(tmp_path, {
        "slip": builders.slip_document(slip_case, office=OFFICE),
        "pack": builders.pack_document(builders.select_cases(case_ids=[case.id for case in pack_cases]),
                                       office=OFFICE, today=date(2026, 12, 21)),
        "notice": builders.notice_document(lead_assignment(notice_case), office=OFFICE, today=date(2026, 10, 9)),
    })

    assert pages(pdfs["slip"]) == 1
    text = pdf_text(pdfs["slip"])
    for fact in (OFFICE, "党代表来信呈阅单", "直通〔2026〕0001号", "苏志明", "鹿寨县代表团", "陈刚（市委书记）",
                 "2026年11月26日", CHEN_ANNOTATION, PAPER_ANNOTATION, "（秘书处代录）", "—1—"):
        assert fact in text, fact

    # Cover, contents and figures, then one page per slip.
    assert pages(pdfs["pack"]) == 5
    assert "会议材料" in pdf_text(pdfs["pack"], 1) and "来信3件" in pdf_text(pdfs["pack"], 1)
    assert "一、来信目录" in pdf_text(pdfs["pack"], 2) and "逾期未答复的交办事项2项" in pdf_text(pdfs["pack"], 2)
    for page, number in ((3, "0002号"), (4, "0003号"), (5, "0004号")):
        assert f"党代表来信呈阅单编号直通〔2026〕{number}" in pdf_text(pdfs["pack"], page)

    assert pages(pdfs["notice"]) == 1
    text = pdf_text(pdfs["notice"])
    for fact in ("督办通知", "市财政局：", "该件已逾期2个工作日", "2026年10月15日前", "特此通知。"):
        assert fact in text, fact
    assert text.endswith(f"{OFFICE}2026年10月9日—1—")


def test_a_slip_at_its_fullest_stays_on_one_page_whatever_the_text(tmp_path, clock):
    """A letter long enough for the whole 300-character summary, a proposed handling and two
    annotations — and legacy text full of control characters, emoji and rare characters."""
    world = make_world()
    case = luorong(world, clock)
    hostile = "".join(FORBIDDEN) + FLAG + RARE_HAN
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(
        content=("园区欠薪，" + hostile) * 1000, title=f"雒容{hostile}工业园区"))
    db.session.commit()
    pdfs = to_pdf(tmp_path, {"slip": builders.slip_document(db.session.get(Case, case.id), office=OFFICE)})
    assert pages(pdfs["slip"]) == 1
    text = pdf_text(pdfs["slip"])
    assert f"雒容{FLAG}{RARE_HAN}工业园区" in text and f"园区欠薪，{FLAG}{RARE_HAN}" in text
    assert "……" in text and PAPER_ANNOTATION in text and "（秘书处代录）" in text



def test_libreoffice_renders_the_bulletin_and_the_assessment_report(tmp_path, clock):
    from djgc_direct.documents import reports
    from djgc_direct.metrics.periods import parse_period
    from tests.metrics_world import make_metrics_world

    make_metrics_world(clock)
    period = parse_period("2026-11")
    _issue, bulletin = reports.issue_bulletin(period, actor=None, office=OFFICE, today=date(2026, 11, 26))
    report = reports.assessment_document(period, reports.responsiveness_ranking(period), actor=None, office=OFFICE,
                                         today=date(2026, 11, 26))
    pdfs = to_pdf(tmp_path, {"bulletin": bulletin, "report": report})

    text = pdf_text(pdfs["bulletin"])
    for fact in ("党代表直通车工作简报", "2026年第1期", "一、总体情况", "落实资金173万元", "三、逾期未答复事项",
                 "学校周边交通拥堵", "四、各承办单位办理情况", "—1—"):
        assert fact in text, fact
    assert pages(pdfs["bulletin"]) >= 2
    text = pdf_text(pdfs["report"])
    for fact in (OFFICE, "考核结果的通报", "名次", "市财政局", "样本不足", "2026年11月26日"):
        assert fact in text, fact
