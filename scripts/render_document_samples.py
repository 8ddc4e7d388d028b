"""Render the first page of each document the secretariat prints into docs/images/ — slip.png,
pack.png, supervision-notice.png, bulletin.png, assessment-report.png — from a throwaway database filled through the real services.

    .venv/bin/python scripts/render_document_samples.py            (or: make docs-images)
    .venv/bin/python scripts/render_document_samples.py --keep DIR (also keep the .docx and .pdf)

Needs LibreOffice (soffice) and poppler-utils (pdftoppm), which `make system-deps` installs.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import current_app  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from djgc_direct import create_app  # noqa: E402
from djgc_direct.accounts import services as accounts  # noqa: E402
from djgc_direct.accounts.models import Role  # noqa: E402
from djgc_direct.cases import services as cases  # noqa: E402
from djgc_direct.core.clock import SHANGHAI, FixedClock, today_shanghai  # noqa: E402
from djgc_direct.documents import builders, reports  # noqa: E402
from djgc_direct.documents.gbt9704 import document_bytes  # noqa: E402
from djgc_direct.extensions import db  # noqa: E402
from djgc_direct.metrics.periods import parse_period  # noqa: E402
from djgc_direct.organisations import services as organisations  # noqa: E402
from djgc_direct.organisations.models import Level, Sector  # noqa: E402

# The day the letters arrive, and the day the documents are printed: the Luorong assignment
# (due 15 working days after 26 November, on 17 December) is then 3 working days overdue.
ARRIVAL = datetime(2026, 11, 26, 9, 0, tzinfo=SHANGHAI)
PRINTED = datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI)
RESOLUTION = 80  # dots per inch of the PNG pages

LUORONG_LETTER = (
    "尊敬的陈刚书记：\n"
    "我是鹿寨县代表团党代表苏志明。雒容工业园区近年基础设施建设推进较快，但部分道路、管网工程款至今未能结清，"
    "施工企业资金链紧张，拖欠农民工工资问题突出。据了解，涉及农民工两百余人，临近年底，群众反映强烈。\n"
    "建议：一、由市财政局会同园区管委会摸清欠款底数；二、在园区年初预算资金中统筹调剂，优先保障农民工工资；"
    "三、建立园区工程款支付监管机制，防止新的拖欠；四、对已经完工验收的项目尽快完成结算审计，按合同约定分期支付，"
    "并向施工企业和农民工公开支付进度；五、对恶意拖欠的企业依法纳入失信名单，形成震慑；"
    "六、将此事纳入年度重点督办事项，定期通报办理进展，确保问题不反弹。\n"
    "以上意见，恳请市委领导阅示。"
)


def build_samples():
    """The three documents, as .docx bytes, from a small world built through the services."""
    city = organisations.create_organisation(name="中共柳州市委", parent=None, level=Level.CITY,
                                             sector=Sector.GOVERNMENT)
    finance = organisations.create_organisation(name="市财政局", parent=city, level=Level.CITY,
                                                sector=Sector.GOVERNMENT, is_unit=True)
    park = organisations.create_organisation(name="雒容工业园区管委会", parent=city, level=Level.CITY,
                                             sector=Sector.GOVERNMENT, is_unit=True)
    for name in ("鹿寨县代表团", "鱼峰区代表团"):
        organisations.create_delegation(name)

    def person(username, role, name, **details):
        return accounts.create_user(username=username, role=role, name=name, password="samples-only-2026",
                                    **details)

    su = person("suzhiming", Role.REPRESENTATIVE, "苏志明", delegation="鹿寨县代表团")
    huang = person("huangliping", Role.REPRESENTATIVE, "黄丽萍", delegation="鱼峰区代表团")
    secretary = person("mishuchu", Role.SECRETARIAT, "韦晓梅")
    chen = person("chengang", Role.LEADER, "陈刚", title="市委书记", precedence=1)
    zhang = person("zhangjianhua", Role.LEADER, "张建华", title="市委副书记", precedence=2)
    finance_staff = person("caizheng", Role.UNIT_STAFF, "莫振华", organisation=finance)

    luorong = cases.create_letter(
        su, title="关于雒容工业园区基础设施建设债务和拖欠农民工工资问题的反映", content=LUORONG_LETTER,
        leader_ids=[chen.id, zhang.id], category="labour", on_behalf_of="members_and_public", submit=True)
    cases.register(luorong, secretary)
    cases.forward(luorong, secretary, [chen.id, zhang.id], comment="拟请陈刚书记、张建华副书记阅示，建议交市财政局牵头办理。")
    cases.annotate(luorong, chen, text="请市财政局牵头，会同雒容工业园区管委会抓紧核实，确保农民工工资春节前足额发放。",
                   unit_ids=[finance.id, park.id], lead_unit_id=finance.id)
    cases.annotate(luorong, secretary, leader_id=zhang.id, text="同意陈刚书记意见，请财政局一周内报送核实情况。")

    lift = cases.create_letter(huang, title="荣军社区老旧小区加装电梯资金补助问题",
                               content="荣军社区多栋老旧住宅楼居民年龄偏大，希望加快加装电梯补助审批。",
                               leader_ids=[zhang.id], category="livelihood", submit=True)
    cases.register(lift, secretary)
    cases.forward(lift, secretary, [zhang.id])
    roads = cases.create_letter(su, title="雒容镇村级道路硬化项目进度缓慢问题",
                                content="雒容镇部分村级道路硬化项目停工多月，群众出行困难，建议督促施工单位尽快复工。",
                                leader_ids=[chen.id], category="urban_rural", submit=True)
    cases.register(roads, secretary)
    db.session.flush()

    current_app.extensions["djgc_clock"].set(PRINTED)
    office = current_app.config["DOCUMENT_OFFICE_NAME"]
    today = today_shanghai()
    lead = next(a for a in luorong.assignments if a.is_lead)
    documents = {
        "slip": builders.slip_document(luorong, office=office),
        "pack": builders.pack_document(builders.select_cases(), office=office, today=today),
        "supervision-notice": builders.notice_document(lead, office=office, today=today),
    }
    # The Luorong reply: 173万元 re-allocated, approved, and found satisfactory.
    current_app.extensions["djgc_clock"].set(ARRIVAL.replace(day=30))
    cases.acknowledge(lead, finance_staff)
    cases.submit_reply(lead, finance_staff, text="已从园区年初预算资金中调剂安排173万元，用于支付拖欠的农民工工资。",
                       outcome="resolved", amount_yuan="1730000")
    cases.approve_reply(luorong, secretary)
    cases.give_feedback(luorong, su, "satisfied")
    current_app.extensions["djgc_clock"].set(PRINTED)
    november = parse_period("2026-11")
    _issue, bulletin = reports.issue_bulletin(november, actor=None, office=office, today=today)
    documents["bulletin"] = bulletin
    documents["assessment-report"] = reports.assessment_document(
        november, reports.responsiveness_ranking(november), actor=None, office=office, today=today)
    return documents


def render_first_page(docx_path, out_png, workdir):
    """Convert `docx_path` with LibreOffice (own throwaway profile) and rasterise its first page."""
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(workdir), str(docx_path)], check=True, capture_output=True, timeout=180)
    pdf = workdir / (docx_path.stem + ".pdf")
    stem = workdir / docx_path.stem
    subprocess.run(["pdftoppm", "-r", str(RESOLUTION), "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(stem)], check=True, timeout=60)
    shutil.copyfile(stem.with_suffix(".png"), out_png)
    return pdf


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images", help="where the PNGs go")
    parser.add_argument("--keep", type=Path, help="also copy the .docx and .pdf files here")
    args = parser.parse_args()
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: run `make system-deps` (LibreOffice Writer and poppler-utils)")

    with tempfile.TemporaryDirectory(prefix="djgc-samples-") as tmp:
        workdir = Path(tmp)
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'samples.sqlite3'}",
                         CLOCK=FixedClock(ARRIVAL))
        with app.app_context():
            upgrade()
            documents = build_samples()
            db.session.rollback()
        args.out.mkdir(parents=True, exist_ok=True)
        for name, doc in documents.items():
            docx_path = workdir / f"{name}.docx"
            docx_path.write_bytes(document_bytes(doc))
            pdf = render_first_page(docx_path, args.out / f"{name}.png", workdir)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(docx_path, args.keep)
                shutil.copy(pdf, args.keep)
            print(f"wrote {args.out / (name + '.png')}")


if __name__ == "__main__":
    main()
