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

from djgc_direct.search.similar import PLACES

# What letters are about: (subject, details a letter may give). Enough variety that a word
# matches a realistic share of letters (a place or matter a few per cent, not a tenth).
MATTERS = [
    ("拖欠农民工工资", ["工程款结算滞后", "施工单位负责人失联", "春节前工资仍未发放", "劳动监察投诉后无进展"]),
    ("道路破损", ["路面坑洼积水", "雨后塌陷", "大货车碾压严重", "修补后再次开裂"]),
    ("老旧小区改造", ["外墙脱落", "管网老化", "加装电梯意见不一", "改造后垃圾未清运"]),
    ("学校周边交通", ["上下学时段拥堵", "缺少斑马线", "接送车辆乱停", "没有交通协管员"]),
    ("农村饮水安全", ["水质浑浊", "管道年久失修", "旱季断水", "水费收取不规范"]),
    ("企业用地审批", ["审批环节多", "用地指标不足", "补充材料反复", "办理时间超过承诺时限"]),
    ("养老服务", ["社区养老床位不足", "日间照料中心闲置", "高龄津贴发放迟缓", "护理人员短缺"]),
    ("医保报销", ["异地就医报销难", "慢性病门诊认定慢", "报销比例不清楚", "结算窗口排队时间长"]),
    ("污水处理", ["生活污水直排河道", "处理厂超负荷", "管网未接通", "夏季异味明显"]),
    ("违规占道经营", ["夜市占用人行道", "商户乱搭乱建", "油烟噪声扰民", "执法后反弹"]),
    ("路灯不亮", ["主干道路灯损坏", "村道没有照明", "报修多次无人处理", "夜间出行不安全"]),
    ("房屋征收补偿", ["补偿标准不统一", "安置房交付延期", "评估结果有争议", "过渡费未按时发放"]),
    ("公交线路调整", ["站点撤并后出行不便", "发车间隔过长", "末班车时间太早", "线路绕行"]),
    ("小微企业融资", ["贷款门槛高", "担保难", "贴息政策落实慢", "续贷手续繁琐"]),
    ("耕地撂荒", ["青壮年外出务工", "水利设施损毁", "土地流转不畅", "种植收益低"]),
    ("噪声扰民", ["工地夜间施工", "广场舞音量过大", "娱乐场所经营到深夜", "货运车辆鸣笛"]),
    ("物业管理纠纷", ["物业费上涨", "公共收益不公开", "维修基金使用难", "业委会成立受阻"]),
    ("河道垃圾", ["汛期漂浮物多", "沿岸倾倒建筑垃圾", "保洁频次不够", "排污口未封堵"]),
    ("教育资源不足", ["学位紧张", "大班额", "教师编制不足", "新建学校迟迟未开学"]),
    ("乡村公路养护", ["弯道缺少防护栏", "塌方未清理", "路面过窄会车困难", "养护资金不到位"]),
]


def letter(rng):
    place = rng.choice(PLACES)
    matter, details = rng.choice(MATTERS)
    title = f"关于{place}{matter}问题的反映"
    people = rng.randint(20, 3000)
    sentences = [f"{place}群众反映{matter}问题已持续较长时间,涉及群众约{people}人。"]
    for detail in rng.sample(details, rng.randint(1, len(details))):
        sentences.append(f"据了解,{detail},群众意见较大。")
    if rng.random() < 0.3:
        sentences.append(f"此前已向有关部门反映{rng.randint(2, 9)}次,至今未得到解决。")
    if rng.random() < 0.2:
        sentences.append(f"涉及金额约{rng.randint(5, 900)}万元。")
    sentences.append("恳请市委领导关注,督促有关部门尽快研究解决,并及时答复。")
    return title, "".join(sentences)


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
