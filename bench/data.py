"""Bulk generators for benchmark databases: realistic rows written with set-based inserts."""
import random
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from djgc_direct.accounts.models import Role, User
from djgc_direct.cases.models import (
    Assignment, AssignmentStatus, Case, CaseStatus, Category, OnBehalfOf,
)
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Delegation, Level, Organisation, Sector

PLACES = ["雒容工业园区", "柳北区", "鱼峰区", "柳南区", "城中区", "柳江区", "鹿寨县", "融安县", "三江侗族自治县", "柳城县"]
MATTERS = ["拖欠农民工工资", "道路破损", "老旧小区改造", "学校周边交通", "农村饮水安全", "企业用地审批",
           "养老服务", "医保报销", "污水处理", "违规占道经营"]


def letter(rng):
    place, matter = rng.choice(PLACES), rng.choice(MATTERS)
    title = f"关于{place}{matter}问题的反映"
    content = (f"{place}群众反映{matter}问题已持续较长时间,涉及群众较多,"
               f"恳请市委领导关注,督促有关部门尽快研究解决。") * rng.randint(2, 6)
    return title, content


def base_world(unit_count=100):
    """One city, `unit_count` handling units with one staff member each, a delegation, a
    representative, a secretary and a leader. Returns (representative, secretary, leader, units)."""
    city = Organisation(name="中共柳州市委", level=Level.CITY, sector=Sector.GOVERNMENT, is_unit=False, active=True)
    db.session.add(city)
    db.session.flush()
    db.session.execute(sa.insert(Organisation), [
        {"name": f"承办单位{i:03d}", "parent_id": city.id, "level": Level.CITY, "sector": Sector.GOVERNMENT,
         "is_unit": True, "active": True} for i in range(unit_count)])
    units = db.session.scalars(sa.select(Organisation.id).where(Organisation.is_unit.is_(True))).all()
    delegation = Delegation(name="基准代表团", active=True)
    db.session.add(delegation)
    db.session.flush()
    common = {"password_hash": "!", "active": True, "failed_logins": 0}
    db.session.execute(sa.insert(User), [
        {"username": "bench_rep", "name": "基准代表", "role": Role.REPRESENTATIVE, "delegation_id": delegation.id,
         **common},
        {"username": "bench_sec", "name": "基准秘书", "role": Role.SECRETARIAT, **common},
        {"username": "bench_leader", "name": "基准领导", "role": Role.LEADER, "title": "市委常委", "precedence": 1,
         **common},
    ] + [{"username": f"bench_unit{i}", "name": f"单位人员{i}", "role": Role.UNIT_STAFF, "organisation_id": unit,
          "email": f"unit{i}@example.invalid", **common} for i, unit in enumerate(units)])
    users = {u.username: u.id for u in db.session.scalars(sa.select(User))}
    return users["bench_rep"], users["bench_sec"], users["bench_leader"], units


def open_assignments(count, today, seed=7, batch=20_000, late_share=0.1):
    """`count` cases in handling, each with one lead assignment. As in a working office, most
    reply deadlines lie ahead (up to four weeks) and `late_share` of them have passed (by up to
    two weeks); nine in ten assignments are acknowledged, the rest are due for acknowledgement
    within a few days either side of today."""
    rng = random.Random(seed)
    rep, sec, _leader, units = base_world()
    now = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc)
    for start in range(0, count, batch):
        size = min(batch, count - start)
        rows = []
        for i in range(start, start + size):
            title, content = letter(rng)
            rows.append({"representative_id": rep, "title": title, "content": content, "category": Category.OTHER,
                         "on_behalf_of": OnBehalfOf.SELF, "status": CaseStatus.IN_PROGRESS,
                         "created_at": now, "submitted_at": now, "first_submitted_at": now, "reopen_count": 0,
                         "version": 1, "number_year": 2026, "number_seq": i + 1,
                         "number": f"直通〔2026〕{i + 1:06d}号"})
        ids = db.session.scalars(sa.insert(Case).returning(Case.id), rows).all()
        assignments = []
        for case_id in ids:
            late = rng.random() < late_share
            due = today - timedelta(days=rng.randint(1, 14)) if late else today + timedelta(days=rng.randint(0, 28))
            acknowledged = rng.random() < 0.9
            assignments.append({
                "case_id": case_id, "unit_id": rng.choice(units), "is_lead": True, "round": 1,
                "status": AssignmentStatus.ACKNOWLEDGED if acknowledged else AssignmentStatus.ASSIGNED,
                "assigned_at": now, "assigned_by_id": sec,
                "acknowledge_due": today + timedelta(days=rng.randint(-3, 2)),
                "due_date": due, "original_due_date": due, "deadline_version": 1})
        db.session.execute(sa.insert(Assignment), assignments)
    db.session.commit()
