"""Demo cases: the Luorong case finished as the article tells it, and a few cases in every other
state, each driven through the real services on back-dated working days."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from djgc_direct.accounts.models import User
from djgc_direct.cases import services
from djgc_direct.cases.models import Case, Rating
from djgc_direct.core.clock import SHANGHAI, clock_set_to
from djgc_direct.extensions import db
from djgc_direct.organisations.models import Organisation

LUORONG_TITLE = "关于雒容工业园区基础设施建设债务和拖欠农民工工资问题的反映"
LUORONG_LETTER = """尊敬的陈刚书记:
我是鹿寨县代表团党代表苏志明。雒容工业园区近年基础设施建设推进较快,但部分道路、管网工程款至今未能结清,\
施工企业资金链紧张,拖欠农民工工资问题突出。据了解,涉及农民工两百余人,临近年底,群众反映强烈,有的已多次上访。
建议:一、由市财政局会同园区管委会摸清欠款底数;二、在园区年初预算资金中统筹调剂,优先保障农民工工资;\
三、建立园区工程款支付监管机制,防止新的拖欠。
以上意见,恳请市委领导阅示。"""
LUORONG_ANNOTATION = "请市财政局牵头,会同雒容工业园区管委会抓紧核实,统筹园区预算资金,确保农民工工资春节前足额发放。"
LUORONG_REPLY = ("经市财政局会同雒容工业园区管委会核实,园区基础设施建设项目共拖欠工程款及农民工工资。经研究,"
                 "已在今年年初预算园区资金中调剂安排173万元,用于支付拖欠的农民工工资、解决基础设施建设欠款问题。"
                 "农民工工资已于本月全部发放到位。")

# Further letters: (representative, title, content, how far it goes)
OTHER_LETTERS = [
    ("huangliping", "荣军社区老旧小区加装电梯资金补助问题", "荣军社区多栋老旧住宅楼居民年龄偏大,希望加快加装电梯补助审批。", "submitted"),
    ("qinzhiqiang", "柳北区部分路段夜间照明不足的问题", "柳北区多个路段路灯损坏,夜间出行存在安全隐患,建议尽快维修。", "returned"),
    ("huangliping", "五里亭街道农贸市场环境整治建议", "五里亭农贸市场周边占道经营、污水横流,建议开展综合整治。", "registered"),
    ("qinzhiqiang", "关于加强非公企业党建工作指导的建议", "部分非公企业党组织活动难以开展,建议加强上级党组织的指导。", "forwarded"),
    ("suzhiming", "雒容镇村级道路硬化项目进度缓慢问题", "雒容镇部分村级道路硬化项目停工多月,群众出行困难。", "in_progress"),
    ("huangliping", "社区养老服务中心运营经费不足问题", "社区养老服务中心运营经费缺口较大,服务难以持续。", "replied"),
    ("qinzhiqiang", "关于返乡农民工就业技能培训的建议", "建议针对返乡农民工开展订单式技能培训,提高就业率。", "answered"),
    ("suzhiming", "个人房产纠纷请求领导过问", "本人与邻居房产纠纷,请求市委领导过问。", "rejected"),
    ("qinzhiqiang", "柳北区公交线路调整建议(草稿)", "建议增开连接新建小区的公交线路。", "draft"),
    ("huangliping", "关于规范社区网格员管理的建议", "社区网格员职责不清、待遇偏低,建议出台统一的管理办法。", "annotated"),
    ("qinzhiqiang", "柳北区中小学课后服务经费问题", "课后服务经费来源不稳定,建议财政给予补助。", "assigned"),
    ("huangliping", "荣军社区停车难问题", "小区停车位严重不足,建议利用边角地增设停车位。", "withdrawn"),
    ("huangliping", "雒容镇村级道路停工问题的补充反映", "雒容镇多条村级道路硬化工程停工,群众出行不便,请求督促复工。", "merged"),
    ("qinzhiqiang", "柳北区农贸市场改造后摊位费上涨问题", "农贸市场改造后摊位费上涨过快,商户负担加重。", "reopened"),
]


def _user(username):
    return db.session.scalar(sa.select(User).where(User.username == username))


def _unit(name):
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == name))


def seed_demo_cases(today):
    """Create the demo cases unless the Luorong case is already there. Returns how many were made."""
    if db.session.scalar(sa.select(Case.id).where(Case.title == LUORONG_TITLE)):
        return 0
    su, secretary, chen, zhang = _user("suzhiming"), _user("mishuchu"), _user("chengang"), _user("zhangjianhua")
    finance, hr, park = _unit("市财政局"), _unit("市人力资源和社会保障局"), _unit("雒容工业园区管委会")
    finance_staff, hr_staff, park_staff = _user("caizheng"), _user("renshe"), _user("luorong")
    start = datetime.combine(today - timedelta(days=24), datetime.min.time().replace(hour=9), tzinfo=SHANGHAI)

    with clock_set_to(start) as clock:
        case = services.create_letter(su, title=LUORONG_TITLE, content=LUORONG_LETTER, leader_ids=[chen.id],
                                      category="labour", on_behalf_of="members_and_public", submit=True)
        clock.advance(hours=2)
        services.register(case, secretary)
        services.forward(case, secretary, [chen.id], comment="拟请陈刚书记阅示,建议交市财政局牵头办理。")
        clock.advance(days=1)
        services.annotate(case, chen, text=LUORONG_ANNOTATION, unit_ids=[finance.id, park.id],
                          lead_unit_id=finance.id)
        clock.advance(hours=3)
        lead = next(a for a in case.assignments if a.is_lead)
        support = next(a for a in case.assignments if not a.is_lead)
        services.acknowledge(lead, finance_staff)
        services.acknowledge(support, park_staff)
        clock.advance(days=5)
        services.report_progress(support, park_staff, "园区已会同施工企业核实欠薪名单,涉及农民工两百余人。")
        clock.advance(days=7)
        services.submit_reply(lead, finance_staff, text=LUORONG_REPLY, outcome="resolved", amount_yuan="1730000")
        clock.advance(hours=4)
        services.approve_reply(case, secretary)
        clock.advance(days=1)
        services.give_feedback(case, su, Rating.SATISFIED, "问题得到及时解决,农民工工资已全部发放,非常满意。")
        made = 1
        by_title = {}

        for index, (username, title, content, stage) in enumerate(OTHER_LETTERS):
            clock.set(start + timedelta(days=10 + index, hours=1))
            author = _user(username)
            other = services.create_letter(author, title=title, content=content, leader_ids=[chen.id, zhang.id],
                                           category="livelihood", submit=stage != "draft")
            by_title[title] = other
            made += 1
            if stage in ("draft", "submitted"):
                continue
            if stage == "returned":
                services.return_to_representative(other, secretary, "请补充具体路段名称和损坏路灯数量。")
                continue
            if stage == "rejected":
                services.reject(other, secretary, "属个人民事纠纷,请通过司法途径解决,不属于党代表直通车受理范围。")
                continue
            if stage == "withdrawn":
                services.withdraw(other, author, "已通过社区协商解决。")
                continue
            if stage == "merged":  # the same matter as an earlier letter still in handling
                services.merge(other, secretary, by_title["雒容镇村级道路硬化项目进度缓慢问题"].id)
                continue
            services.register(other, secretary)
            if stage == "registered":
                continue
            services.forward(other, secretary, [chen.id, zhang.id])
            if stage == "forwarded":
                continue
            clock.advance(days=1)
            if stage == "annotated":
                services.annotate(other, zhang, text="请秘书处商有关部门提出办理意见。")
                continue
            unit = hr if "就业" in title else park if "雒容" in title else finance
            services.annotate(other, zhang, text="请相关单位研究办理,按期答复代表。", unit_ids=[unit.id],
                              lead_unit_id=unit.id)
            if stage == "assigned":
                continue
            lead = next(a for a in other.assignments if a.is_lead)
            staff = {hr.id: hr_staff, park.id: park_staff, finance.id: finance_staff}[lead.unit_id]
            clock.advance(hours=2)
            services.acknowledge(lead, staff)
            if stage == "in_progress":
                services.report_progress(lead, staff, "已组织现场勘查,正在协调施工单位复工。")
                continue
            clock.advance(days=3)
            services.submit_reply(lead, staff, text="经研究,已将该事项纳入明年重点工作,近期先行安排专项经费。",
                                  outcome="partly_resolved", amount_yuan="200000")
            if stage == "replied":
                continue
            services.approve_reply(other, secretary)
            if stage == "reopened":
                services.give_feedback(other, author, Rating.DISSATISFIED, "摊位费仍未下调,商户意见较大。")
                services.reopen(other, author, "请重新核定摊位费标准。")
    return made
