"""The model case in a real browser: 苏志明 writes to 陈刚, the secretariat registers and forwards,
陈刚 annotates and assigns, the units acknowledge and reply 173万元, the secretariat approves,
苏志明 rates it 满意. Every role logs in and clicks through its own part."""
import re

import pytest

from tests.e2e.test_login_e2e import log_in

pytestmark = pytest.mark.e2e

TITLE = "雒容工业园区基础设施建设债务问题"


def card(page, heading):
    return page.locator(".card").filter(has=page.get_by_role("heading", name=heading, exact=True))


def open_case(page):
    page.get_by_role("link", name=TITLE).first.click()
    page.get_by_role("heading", name=TITLE, level=1).wait_for()


def log_out(page):
    page.get_by_role("button", name="退出").click()
    page.get_by_text("您已安全退出").wait_for()


def write_to_chen(page, title, content, before_submit=None):
    """The logged-in representative writes a labour letter on behalf of members to 陈刚 and submits it."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="写信").click()
    page.get_by_label("标题").fill(title)
    page.get_by_label(re.compile("陈刚")).check()
    page.get_by_label("类别").select_option("labour")
    page.get_by_label("党员群众反映").check()
    page.get_by_label("内容").fill(content)
    if before_submit:
        before_submit()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_text("来信已提交").wait_for()


def test_luorong_case_in_the_browser(runner, app, live_server, page, screenshot):
    assert runner.invoke(args=["djgc", "seed-demo"]).exit_code == 0
    password = app.config["DEMO_PASSWORD"]
    nav = page.get_by_role("navigation", name="主导航")

    # 苏志明 writes to 陈刚.
    log_in(page, live_server, "suzhiming", password)
    write_to_chen(page, TITLE, "雒容工业园区基础设施建设项目拖欠工程款,农民工工资无法发放,恳请市委领导关注。",
                  before_submit=lambda: screenshot("luorong-1-write"))
    log_out(page)

    # The secretariat registers and forwards the same day.
    log_in(page, live_server, "mishuchu", password)
    nav.get_by_role("link", name="待登记").click()
    open_case(page)
    card(page, "登记编号").get_by_role("button", name="登记").click()
    page.get_by_text("已登记。").wait_for()
    assert re.match(r"直通〔2026〕\d{4}号", page.locator(".case-number").inner_text())
    forward = card(page, "呈阅")
    assert forward.get_by_label(re.compile("陈刚")).is_checked()  # the addressed leader, pre-selected
    forward.get_by_label("拟办意见").fill("拟请陈刚书记阅示。")
    forward.get_by_role("button", name="呈送领导阅示").click()
    page.get_by_text("已呈送市委领导阅示").wait_for()
    screenshot("luorong-2-forwarded")
    log_out(page)

    # 陈刚 annotates and hands it to the finance bureau with the park's committee supporting.
    log_in(page, live_server, "chengang", password)
    nav.get_by_role("link", name="待批示").click()
    open_case(page)
    annotate = card(page, "批示")
    annotate.get_by_label("批示内容").fill("请市财政局牵头,会同雒容工业园区管委会抓紧解决农民工工资问题。")
    annotate.get_by_label("市财政局", exact=True).check()
    annotate.get_by_label("雒容工业园区管委会", exact=True).check()
    annotate.get_by_label("主办单位").select_option(label="市财政局")
    screenshot("luorong-3-annotate")
    annotate.get_by_role("button", name="保存批示").click()
    page.get_by_text("批示已保存").wait_for()
    log_out(page)

    # The supporting unit acknowledges and reports; the lead unit acknowledges and replies.
    log_in(page, live_server, "luorong", password)
    nav.get_by_role("link", name="交办事项").click()
    open_case(page)
    card(page, "签收").get_by_role("button", name="签收").click()
    page.get_by_text("已签收").first.wait_for()
    progress = card(page, "报送进展")
    progress.get_by_label("办理进展").fill("园区已核实欠薪名单,共涉及农民工两百余人。")
    progress.get_by_role("button", name="报送进展").click()
    page.get_by_text("办理进展已报送").wait_for()
    log_out(page)

    log_in(page, live_server, "caizheng", password)
    nav.get_by_role("link", name="交办事项").click()
    open_case(page)
    card(page, "签收").get_by_role("button", name="签收").click()
    page.get_by_text("已签收").first.wait_for()
    reply = card(page, "提交答复")
    reply.get_by_label("答复内容").fill("已在园区年初预算资金中调剂安排173万元,用于支付拖欠的农民工工资和基础设施建设欠款。")
    reply.get_by_label("办理结果").select_option("resolved")
    reply.get_by_label(re.compile("涉及金额")).fill("1730000")
    screenshot("luorong-4-reply")
    reply.get_by_role("button", name="提交答复").click()
    page.get_by_text("答复已提交").wait_for()
    log_out(page)

    # The secretariat approves the reply.
    log_in(page, live_server, "mishuchu", password)
    nav.get_by_role("link", name="全部来信").click()
    open_case(page)
    card(page, "审核答复").get_by_role("button", name="审核通过答复").click()
    page.get_by_text("答复已审核通过").wait_for()
    log_out(page)

    # 苏志明 reads the reply and rates it.
    log_in(page, live_server, "suzhiming", password)
    nav.get_by_role("link", name="我的来信").click()
    open_case(page)
    page.get_by_text("1,730,000.00").wait_for()
    feedback = card(page, "评价办理结果")
    feedback.get_by_label("满意", exact=True).check()
    feedback.get_by_label(re.compile("评价意见")).fill("问题很快得到解决,农民工工资已发放。")
    feedback.get_by_role("button", name="提交评价").click()
    page.get_by_text("感谢您的评价").wait_for()
    assert page.locator(".case-number .badge").inner_text() == "已办结"
    screenshot("luorong-5-closed")
