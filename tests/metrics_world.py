"""November 2026 in a small city, built through the real services with the clock moved day by
day, for hand-computed metrics. Every expected figure in tests/test_metrics.py is worked out
from the story below (working days in November 2026: Mon–Fri, no holidays).

Units: 市财政局 and 雒容工业园区管委会 under 中共柳州市委 (city); 柳江区人社局 under 柳江区委 (county);
拉堡镇政府 under 拉堡镇党委 under 柳江区委 (township).

A  2 Nov submitted, forwarded the same day; 陈刚 annotates 3 Nov and assigns 财政局 (lead, due 24 Nov)
   and 园区 (support); both acknowledge 4 Nov; reply 10 Nov (5 working days) with 1,730,000 元;
   approved; 满意.
B  2 Nov submitted, forwarded 4 Nov (late); annotated 10 Nov (late, due 9 Nov), 财政局 due 12 Nov;
   acknowledged 12 Nov (late, due 11 Nov); extension to 20 Nov approved; reply 19 Nov (on time
   after the extension, 7 working days); approved; 基本满意.
C  2 Nov, forwarded the same day; 3 Nov 财政局 due 5 Nov, acknowledged 3 Nov; reply 9 Nov (late,
   4 working days) with 20,000 元; approved; 不满意; reopened 10 Nov; round 2 assigned to 财政局
   11 Nov (due 2 Dec), never acknowledged.
D  2 Nov, forwarded the same day; 3 Nov 财政局 due 6 Nov, acknowledged 4 Nov; never replied.
E  3 Nov by 黄丽萍, forwarded to 陈刚 and merged into D the same day (counted nowhere).
F  2 Nov submitted, returned, resubmitted 4 Nov, forwarded 5 Nov (on time: due 5 Nov); 陈刚
   annotates 5 Nov, 园区 leads; acknowledged 5 Nov; reply 6 Nov (1 working day) with 50,000 元;
   approved; no verdict: closed as "no feedback" by the sweep of 26 Nov.
G  16 Nov by 黄丽萍 to 张建华, forwarded the same day; annotated 17 Nov: 柳江区人社局 leads (due 8 Dec),
   拉堡镇政府 supports; the lead acknowledges 18 Nov and replies 20 Nov (3 working days) with
   10,000 元, not yet reviewed; the support unit never acknowledges.
H  20 Nov submitted, still not registered (due 23 Nov).
and a draft that never counts. The reminder sweep runs on 26 Nov, "today".
"""
from dataclasses import dataclass
from datetime import datetime

from djgc_direct.cases import services
from djgc_direct.cases.models import Rating
from djgc_direct.core.clock import SHANGHAI
from djgc_direct.deadlines import reminders
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Level
from tests.cases_world import lead_assignment, make_world, write_letter
from tests.conftest import DEFAULT_NOW
from tests.factories import OrganisationFactory, UnitFactory, UnitStaffFactory

REPLY = "已办理完毕,情况如下。"


@dataclass
class MetricsWorld:
    base: object
    city: object
    county: object
    township: object
    county_unit: object
    township_unit: object
    county_staff: object
    township_staff: object
    cases: dict


def make_metrics_world(clock):
    w = make_world()
    city = w.finance.parent
    county = OrganisationFactory(name="柳江区委", level=Level.COUNTY, parent=city)
    county_unit = UnitFactory(name="柳江区人社局", level=Level.COUNTY, parent=county)
    township = OrganisationFactory(name="拉堡镇党委", level=Level.TOWNSHIP, parent=county)
    township_unit = UnitFactory(name="拉堡镇政府", level=Level.TOWNSHIP, parent=township)
    county_staff = UnitStaffFactory(username="liujiang", name="覃明", organisation=county_unit)
    township_staff = UnitStaffFactory(username="labao", name="韦芳", organisation=township_unit)
    sec, chen, rep = w.secretary, w.chen, w.representative

    def on(day, hour=9):
        clock.set(datetime(2026, 11, day, hour, tzinfo=SHANGHAI))

    def letter(day, representative=None, title="雒容工业园区拖欠农民工工资问题"):
        on(day)
        return write_letter(w, representative=representative, title=title)

    def forward(case, day, hour=10, leader=None):
        on(day, hour)
        services.register(case, sec)
        services.forward(case, sec, [(leader or chen).id])

    def annotate(case, day, lead, support=(), due=None, leader=None, hour=9):
        on(day, hour)
        services.annotate(case, leader or chen, text="请抓紧办理。", unit_ids=[lead.id, *[u.id for u in support]],
                          lead_unit_id=lead.id, due_date=due)

    def reply(case, day, staff, amount=None):
        on(day)
        services.submit_reply(lead_assignment(case), staff, text=REPLY, outcome="resolved", amount_yuan=amount)

    def approve(case, day, hour=10):
        on(day, hour)
        services.approve_reply(case, sec)

    cases = {}
    a = cases["A"] = letter(2)
    forward(a, 2)
    annotate(a, 3, w.finance, support=[w.park])
    on(4)
    services.acknowledge(lead_assignment(a), w.finance_staff)
    services.acknowledge(next(x for x in a.assignments if not x.is_lead), w.park_staff)
    reply(a, 10, w.finance_staff, "1730000")
    approve(a, 10)
    on(11)
    services.give_feedback(a, rep, Rating.SATISFIED)
    db.session.commit()

    b = cases["B"] = letter(2, title="乡村道路损毁")
    forward(b, 4)
    annotate(b, 10, w.finance, due="2026-11-12")
    on(12)
    services.acknowledge(lead_assignment(b), w.finance_staff)
    extension = services.request_extension(lead_assignment(b), w.finance_staff, "2026-11-20", "需协调预算。")
    services.decide_extension(extension, sec, True)
    reply(b, 19, w.finance_staff)
    approve(b, 19)
    on(20)
    services.give_feedback(b, rep, Rating.BASICALLY_SATISFIED)
    db.session.commit()

    c = cases["C"] = letter(2, title="安置房漏水")
    forward(c, 2)
    annotate(c, 3, w.finance, due="2026-11-05")
    on(3, 10)
    services.acknowledge(lead_assignment(c), w.finance_staff)
    reply(c, 9, w.finance_staff, "20000")
    approve(c, 9)
    on(10)
    services.give_feedback(c, rep, Rating.DISSATISFIED, "仍未修好。")
    services.reopen(c, rep, "仍未修好。")
    on(11)
    services.assign(c, sec, unit_ids=[w.finance.id], lead_unit_id=w.finance.id)
    db.session.commit()

    d = cases["D"] = letter(2, title="学校周边交通拥堵")
    forward(d, 2)
    annotate(d, 3, w.finance, due="2026-11-06")
    on(4)
    services.acknowledge(lead_assignment(d), w.finance_staff)
    db.session.commit()

    e = cases["E"] = letter(3, representative=w.other_representative, title="同一园区欠薪")
    forward(e, 3)
    on(3, 11)
    services.merge(e, sec, d.id)
    db.session.commit()

    f = cases["F"] = letter(2, title="社区养老服务站")
    on(2, 10)
    services.return_to_representative(f, sec, "请补充地址。")
    on(4)
    services.submit_letter(f, rep)
    forward(f, 5, hour=9)
    annotate(f, 5, w.park, hour=10)
    on(5, 11)
    services.acknowledge(lead_assignment(f), w.park_staff)
    reply(f, 6, w.park_staff, "50000")
    approve(f, 6)
    db.session.commit()

    g = cases["G"] = letter(16, representative=w.other_representative, title="就业培训补贴")
    forward(g, 16, leader=w.deputy)
    annotate(g, 17, county_unit, support=[township_unit], leader=w.deputy)
    on(18)
    services.acknowledge(lead_assignment(g), county_staff)
    reply(g, 20, county_staff, "10000")
    db.session.commit()

    cases["H"] = letter(20, title="菜市场环境卫生")
    on(21)
    write_letter(w, submit=False, title="草稿")
    db.session.commit()

    clock.set(DEFAULT_NOW)
    reminders.sweep()
    db.session.commit()
    return MetricsWorld(w, city, county, township, county_unit, township_unit, county_staff, township_staff, cases)
