"""Organisation tree, CSV import (all or nothing) and the admin pages."""
import io

import sqlalchemy as sa

from djgc_direct.audit.models import AuditRecord
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation, Level, Organisation, Sector
from tests.factories import AdminFactory, DelegationFactory, OrganisationFactory
from tests.helpers import csrf_token, login, post_form

GOOD_CSV = """name,parent,level,sector,is_unit
中共柳州市委,,city,government,0
市财政局,中共柳州市委,city,机关,1
中共鹿寨县委,中共柳州市委,县(区),government,false
中共雒容镇委员会,中共鹿寨县委,township,农村,否
雒容工业园区管委会,中共雒容镇委员会,乡镇(街道),机关,是
雒容村党总支,中共雒容镇委员会,village,rural,0
"""


def org_count():
    return db.session.scalar(sa.select(sa.func.count(Organisation.id)))


def write(tmp_path, text, name="orgs.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_import_builds_the_tree(runner, tmp_path):
    result = runner.invoke(args=["djgc", "org", "import", write(tmp_path, GOOD_CSV)])
    assert result.exit_code == 0, result.output
    assert "imported 6 organisations" in result.output
    park = db.session.scalar(sa.select(Organisation).where(Organisation.name == "雒容工业园区管委会"))
    assert park.is_unit and park.level is Level.TOWNSHIP and park.sector is Sector.GOVERNMENT
    assert park.parent.name == "中共雒容镇委员会" and park.parent.parent.name == "中共鹿寨县委"
    assert db.session.scalar(sa.select(AuditRecord.action)) == "organisations_imported"


def test_cli_import_with_one_bad_row_imports_nothing(runner, tmp_path):
    bad = GOOD_CSV.replace("雒容村党总支,中共雒容镇委员会,village,rural,0",
                           "雒容村党总支,中共雒容镇委员会,galaxy,rural,0")
    result = runner.invoke(args=["djgc", "org", "import", write(tmp_path, bad)])
    assert result.exit_code == 1
    assert "第7行" in result.output and "galaxy" in result.output
    assert org_count() == 0


def test_cli_import_error_cases_name_the_line(runner, tmp_path):
    cases = {
        "name,parent,level\n市委,,city\n": "第1行",  # wrong header
        "name,parent,level,sector,is_unit\n中共柳州市委,,city,government,0\n镇,不存在,township,rural,0\n": "不存在",
        "name,parent,level,sector,is_unit\n镇,,township,rural,0\n": "只有市级组织",
        "name,parent,level,sector,is_unit\n中共柳州市委,,city,government,0\n中共柳州市委,,city,government,0\n":
            "已存在",
        "name,parent,level,sector,is_unit\n中共柳州市委,,city,government,maybe\n": "maybe",
        "name,parent,level,sector,is_unit\n村,,village,rural,0\n": "第2行",
        "name,parent,level,sector,is_unit\n中共柳州市委,,city,government\n": "列数不对",
        "name,parent,level,sector,is_unit\n": "没有数据行",
        "name,parent,level,sector,is_unit\n中共柳州市委,,city,martians,0\n": "martians",
    }
    for text, expected in cases.items():
        result = runner.invoke(args=["djgc", "org", "import", write(tmp_path, text)])
        assert result.exit_code == 1, text
        assert expected in result.output, (text, result.output)
    assert org_count() == 0


def test_cli_import_rejects_non_utf8(runner, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("name,parent,level,sector,is_unit\n中共柳州市委,,city,government,0\n".encode("gbk"))
    result = runner.invoke(args=["djgc", "org", "import", str(path)])
    assert result.exit_code == 1 and "UTF-8" in result.output


def test_import_a_thousand_villages(runner, tmp_path):
    rows = ["name,parent,level,sector,is_unit", "中共柳州市委,,city,government,0",
            "中共鹿寨县委,中共柳州市委,county,government,0", "中共雒容镇委员会,中共鹿寨县委,township,rural,0"]
    rows += [f"第{i}村党支部,中共雒容镇委员会,village,rural,0" for i in range(1, 939)]
    result = runner.invoke(args=["djgc", "org", "import", write(tmp_path, "\n".join(rows) + "\n")])
    assert result.exit_code == 0, result.output
    assert org_count() == 941


def test_admin_import_page_all_or_nothing(client):
    AdminFactory(username="root")
    login(client, "root")
    token = csrf_token(client, "/admin/organisations/")
    bad = GOOD_CSV + "坏行,不存在的上级,village,rural,0\n"
    response = client.post("/admin/organisations/import", data={
        "csrf_token": token, "file": (io.BytesIO(bad.encode()), "orgs.csv")}, follow_redirects=True)
    assert "未导入任何组织" in response.get_data(as_text=True) and "第8行" in response.get_data(as_text=True)
    assert org_count() == 0
    response = client.post("/admin/organisations/import", data={
        "csrf_token": token, "file": (io.BytesIO(GOOD_CSV.encode()), "orgs.csv")}, follow_redirects=True)
    assert "已导入 6 个组织" in response.get_data(as_text=True)
    assert org_count() == 6
    response = client.post("/admin/organisations/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"x"), "orgs.exe")}, follow_redirects=True)
    assert ".csv" in response.get_data(as_text=True)


def test_admin_creates_edits_and_deactivates_an_organisation(client):
    AdminFactory(username="root")
    city = OrganisationFactory(name="中共柳州市委")
    login(client, "root")
    response = post_form(client, "/admin/organisations/new", {
        "name": "市财政局", "parent_id": city.id, "level": "city", "sector": "government", "is_unit": "y"})
    assert response.status_code == 302
    bureau = db.session.scalar(sa.select(Organisation).where(Organisation.name == "市财政局"))
    assert bureau.is_unit and bureau.parent_id == city.id
    response = post_form(client, f"/admin/organisations/{bureau.id}", {
        "name": "柳州市财政局", "parent_id": city.id, "level": "city", "sector": "government", "is_unit": "y"})
    assert response.status_code == 302
    db.session.refresh(bureau)
    assert bureau.name == "柳州市财政局" and not bureau.active  # unchecked box deactivates
    actions = db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions[-2:] == ["organisation_created", "organisation_updated"]


def test_admin_organisation_form_errors(client):
    AdminFactory(username="root")
    city = OrganisationFactory(name="中共柳州市委")
    login(client, "root")
    page = post_form(client, "/admin/organisations/new", {
        "name": "镇党委", "parent_id": 0, "level": "township", "sector": "rural"}).get_data(as_text=True)
    assert "只有市级组织可以没有上级组织" in page
    page = post_form(client, "/admin/organisations/new", {
        "name": "中共柳州市委", "parent_id": city.id, "level": "city", "sector": "rural"}).get_data(as_text=True)
    assert "已存在" in page
    page = post_form(client, f"/admin/organisations/{city.id}", {
        "name": "<script>alert(1)</script>", "parent_id": 0, "level": "city", "sector": "government",
        "active": "y"}).get_data(as_text=True)
    db.session.refresh(city)
    assert city.name == "<script>alert(1)</script>"
    listing = client.get("/admin/organisations/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listing and "&lt;script&gt;" in listing


def test_organisation_cannot_move_under_its_own_descendant(client):
    AdminFactory(username="root")
    city = OrganisationFactory(name="中共柳州市委")
    county = OrganisationFactory(name="中共鹿寨县委", parent=city, level=Level.COUNTY)
    login(client, "root")
    page = post_form(client, f"/admin/organisations/{city.id}", {
        "name": "中共柳州市委", "parent_id": county.id, "level": "city", "sector": "government",
        "active": "y"}).get_data(as_text=True)
    assert "上级组织不能是它自己或它的下级" in page
    db.session.refresh(city)
    assert city.parent_id is None


def test_delegations_cli_and_admin(client, runner):
    result = runner.invoke(args=["djgc", "delegation", "create", "鹿寨县代表团"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["djgc", "delegation", "create", "鹿寨县代表团"])
    assert result.exit_code == 1 and "已存在" in result.output
    AdminFactory(username="root")
    login(client, "root")
    assert post_form(client, "/admin/delegations/new", {"name": "鱼峰区代表团"},
                     form_url="/admin/delegations/").status_code == 302
    names = set(db.session.scalars(sa.select(Delegation.name)))
    assert names == {"鹿寨县代表团", "鱼峰区代表团"}
    delegation = DelegationFactory(name="柳北区代表团")
    post_form(client, f"/admin/delegations/{delegation.id}", {"name": "柳北区代表团"})
    db.session.refresh(delegation)
    assert delegation.active is False
