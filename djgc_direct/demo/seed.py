"""Build the demo world. Idempotent: what exists already is left as it is.

陈刚 and 苏志明 are the people of the source article; every other name is invented for the demo.
"""
import sqlalchemy as sa
from flask import current_app

from djgc_direct.accounts import services as accounts
from config import ROOT
from djgc_direct.accounts.models import Role, User
from djgc_direct.assessments import services as assessments
from djgc_direct.assessments.models import RubricVersion
from djgc_direct.core.clock import today_shanghai
from djgc_direct.demo.cases import seed_demo_cases
from djgc_direct.extensions import db
from djgc_direct.organisations import services as organisations
from djgc_direct.organisations.models import Delegation, Level, Organisation, Sector

RUBRICS = ROOT / "config" / "rubrics"

# name, parent, level, sector, is_unit
ORGANISATIONS = [
    ("中共柳州市委", None, Level.CITY, Sector.GOVERNMENT, False),
    ("市财政局", "中共柳州市委", Level.CITY, Sector.GOVERNMENT, True),
    ("市人力资源和社会保障局", "中共柳州市委", Level.CITY, Sector.GOVERNMENT, True),
    ("中共柳北区委", "中共柳州市委", Level.COUNTY, Sector.GOVERNMENT, False),
    ("中共鱼峰区委", "中共柳州市委", Level.COUNTY, Sector.GOVERNMENT, False),
    ("中共鹿寨县委", "中共柳州市委", Level.COUNTY, Sector.GOVERNMENT, False),
    ("中共雒容镇委员会", "中共鹿寨县委", Level.TOWNSHIP, Sector.RURAL, False),
    ("雒容工业园区管委会", "中共雒容镇委员会", Level.TOWNSHIP, Sector.GOVERNMENT, True),
    ("五里亭街道党工委", "中共鱼峰区委", Level.TOWNSHIP, Sector.COMMUNITY, False),
    ("荣军社区党委", "五里亭街道党工委", Level.VILLAGE, Sector.COMMUNITY, False),
    ("雒容村党总支", "中共雒容镇委员会", Level.VILLAGE, Sector.RURAL, False),
]

DELEGATIONS = ["鹿寨县代表团", "鱼峰区代表团", "柳北区代表团"]

# username, role, name, organisation, delegation, title, precedence
USERS = [
    ("admin", Role.ADMIN, "系统管理员", None, None, None, None),
    ("mishuchu", Role.SECRETARIAT, "韦晓梅", "中共柳州市委", None, None, None),
    ("chengang", Role.LEADER, "陈刚", "中共柳州市委", None, "市委书记", 1),
    ("zhangjianhua", Role.LEADER, "张建华", "中共柳州市委", None, "市委副书记", 2),
    ("liuhaiyan", Role.LEADER, "刘海燕", "中共柳州市委", None, "市委常委、组织部部长", 3),
    ("wanglixin", Role.LEADER, "王立新", "中共柳州市委", None, "市委常委、秘书长", 4),
    ("suzhiming", Role.REPRESENTATIVE, "苏志明", "雒容村党总支", "鹿寨县代表团", None, None),
    ("huangliping", Role.REPRESENTATIVE, "黄丽萍", "荣军社区党委", "鱼峰区代表团", None, None),
    ("qinzhiqiang", Role.REPRESENTATIVE, "覃志强", "中共柳北区委", "柳北区代表团", None, None),
    ("caizheng", Role.UNIT_STAFF, "莫振华", "市财政局", None, None, None),
    ("renshe", Role.UNIT_STAFF, "梁春燕", "市人力资源和社会保障局", None, None, None),
    ("luorong", Role.UNIT_STAFF, "蓝伟", "雒容工业园区管委会", None, None, None),
]


def seed_demo():
    """Create what is missing of the demo world; returns counts of what was created."""
    password = current_app.config.get("DEMO_PASSWORD")
    if not password:
        raise RuntimeError("set DJGC_DEMO_PASSWORD to give the demo accounts a password")
    created = {"organisations": 0, "delegations": 0, "users": 0, "cases": 0}
    by_name = {org.name: org for org in db.session.scalars(sa.select(Organisation))}
    for name, parent, level, sector, is_unit in ORGANISATIONS:
        if name not in by_name:
            by_name[name] = organisations.create_organisation(
                name=name, parent=by_name[parent] if parent else None, level=level, sector=sector,
                is_unit=is_unit)
            created["organisations"] += 1
    existing_delegations = set(db.session.scalars(sa.select(Delegation.name)))
    for name in DELEGATIONS:
        if name not in existing_delegations:
            organisations.create_delegation(name)
            created["delegations"] += 1
    existing_users = set(db.session.scalars(sa.select(User.username)))
    for username, role, name, org, delegation, title, precedence in USERS:
        if username not in existing_users:
            accounts.create_user(username=username, role=role, name=name, password=password,
                                 organisation=org, delegation=delegation, title=title,
                                 precedence=precedence)
            created["users"] += 1
    db.session.flush()
    created["cases"] = seed_demo_cases(today_shanghai())
    created["rubrics"] = seed_demo_assessment(today_shanghai())
    return created


def seed_demo_assessment(today):
    """Import the shipped rubrics and assess this month's demo cases once, so the 考核 page has a
    run to show. Returns how many rubric versions were imported (0 when they are there already)."""
    if db.session.scalar(sa.select(RubricVersion.id).limit(1)):
        return 0
    for path in sorted(RUBRICS.glob("*.yaml")):
        assessments.import_rubric(path.read_text(encoding="utf-8"), actor=None)
    assessments.run_latest(f"{today.year}-{today.month:02d}")
    return len(list(RUBRICS.glob("*.yaml")))
