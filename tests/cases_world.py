"""A small world for case tests and the driver that brings a case into any state through the
real services (no shortcuts), so tests start from states the product can actually reach."""
from dataclasses import dataclass

from djgc_direct.cases import services
from djgc_direct.cases.models import CaseStatus, Rating
from djgc_direct.extensions import db
from tests.factories import (
    DelegationFactory, LeaderFactory, OrganisationFactory, RepresentativeFactory, UnitFactory, UnitStaffFactory,
    UserFactory,
)

LUORONG_LETTER = (
    "雒容工业园区基础设施建设项目拖欠工程款,施工企业无力支付农民工工资,"
    "目前约有两百名农民工的工资被拖欠,春节临近,群众反映强烈,恳请市委领导关注解决。"
)


@dataclass
class World:
    representative: object
    other_representative: object
    secretary: object
    chen: object  # 陈刚, 市委书记
    deputy: object
    third_leader: object
    finance: object  # 市财政局
    park: object  # 雒容工业园区管委会
    finance_staff: object
    park_staff: object


def make_world():
    city = OrganisationFactory(name="中共柳州市委")
    finance = UnitFactory(name="市财政局", parent=city)
    park = UnitFactory(name="雒容工业园区管委会", parent=city)
    delegation = DelegationFactory(name="鹿寨县代表团")
    world = World(
        representative=RepresentativeFactory(username="suzhiming", name="苏志明", delegation=delegation),
        other_representative=RepresentativeFactory(username="huangliping", name="黄丽萍", delegation=delegation),
        secretary=UserFactory(username="mishuchu", name="韦晓梅"),
        chen=LeaderFactory(username="chengang", name="陈刚", title="市委书记", precedence=1),
        deputy=LeaderFactory(username="zhangjianhua", name="张建华", title="市委副书记", precedence=2),
        third_leader=LeaderFactory(username="liuhaiyan", name="刘海燕", title="市委常委", precedence=3),
        finance=finance,
        park=park,
        finance_staff=UnitStaffFactory(username="caizheng", name="莫振华", organisation=finance),
        park_staff=UnitStaffFactory(username="luorong", name="蓝伟", organisation=park),
    )
    return world


def write_letter(world, *, submit=True, representative=None, title="雒容工业园区拖欠农民工工资问题"):
    return services.create_letter(
        representative or world.representative, title=title, content=LUORONG_LETTER,
        leader_ids=[world.chen.id], category="labour", on_behalf_of="members_and_public", submit=submit)


def lead_assignment(case):
    return next(a for a in services.current_assignments(case) if a.is_lead)


# Each step takes the case one state further along the main road.
def _steps(world):
    return {
        CaseStatus.SUBMITTED: lambda case: case,
        CaseStatus.REGISTERED: lambda case: services.register(case, world.secretary),
        CaseStatus.FORWARDED: lambda case: services.forward(case, world.secretary, [world.chen.id]),
        CaseStatus.ANNOTATED: lambda case: services.annotate(case, world.chen, text="请市财政局会同园区管委会尽快解决。"),
        CaseStatus.ASSIGNED: lambda case: services.assign(case, world.chen, unit_ids=[world.finance.id, world.park.id],
                                                          lead_unit_id=world.finance.id),
        CaseStatus.IN_PROGRESS: lambda case: services.acknowledge(lead_assignment(case), world.finance_staff),
        CaseStatus.REPLIED: lambda case: services.submit_reply(
            lead_assignment(case), world.finance_staff, text="已从园区年初预算资金中调剂安排173万元,用于支付拖欠的农民工工资。",
            outcome="resolved", amount_yuan="1730000"),
        CaseStatus.ANSWERED: lambda case: services.approve_reply(case, world.secretary),
        CaseStatus.CLOSED: lambda case: services.give_feedback(case, world.representative, Rating.DISSATISFIED,
                                                               "工资只发了一半。"),
        CaseStatus.REOPENED: lambda case: services.reopen(case, world.representative, "仍有工资未发放。"),
    }


MAIN_ROAD = [CaseStatus.SUBMITTED, CaseStatus.REGISTERED, CaseStatus.FORWARDED, CaseStatus.ANNOTATED,
             CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REPLIED, CaseStatus.ANSWERED,
             CaseStatus.CLOSED, CaseStatus.REOPENED]

SIDE_ROADS = {
    CaseStatus.DRAFT: None,
    CaseStatus.RETURNED: lambda world, case: services.return_to_representative(case, world.secretary, "请补充欠薪人数。"),
    CaseStatus.WITHDRAWN: lambda world, case: services.withdraw(case, world.representative),
    CaseStatus.REJECTED: lambda world, case: services.reject(case, world.secretary, "不属于直通车受理范围。"),
    CaseStatus.MERGED: lambda world, case: services.merge(
        case, world.secretary, write_letter(world, representative=world.other_representative, title="同一事项").id),
}


def case_in(world, status):
    """A case of `world.representative` in `status`, reached through the services."""
    if status is CaseStatus.DRAFT:
        case = write_letter(world, submit=False)
    elif status in SIDE_ROADS:
        case = write_letter(world)
        SIDE_ROADS[status](world, case)
    else:
        case = write_letter(world)
        steps = _steps(world)
        for step in MAIN_ROAD[1:MAIN_ROAD.index(status) + 1]:
            steps[step](case)
    db.session.commit()
    assert case.status is status
    return case
