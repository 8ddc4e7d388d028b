"""Similar letters in a real browser: 黄丽萍 writes about the Luorong wages too; the secretariat sees
the demo's Luorong case among the similar letters, links the two (关联), finds the link on both
pages, and undoes it."""
import pytest

from tests.e2e.test_login_e2e import log_in
from tests.e2e.test_luorong_e2e import log_out, write_to_chen

pytestmark = pytest.mark.e2e

TITLE = "雒容工业园区农民工工资仍未结清"
LUORONG = "关于雒容工业园区基础设施建设债务和拖欠农民工工资问题的反映"  # the demo's case 直通〔2026〕0001号


def test_secretariat_links_a_similar_letter_in_the_browser(runner, app, live_server, page, screenshot):
    assert runner.invoke(args=["djgc", "seed-demo"]).exit_code == 0
    password = app.config["DEMO_PASSWORD"]
    nav = page.get_by_role("navigation", name="主导航")

    log_in(page, live_server, "huangliping", password)
    write_to_chen(page, TITLE, "雒容工业园区部分道路、管网工程款至今未能结清,施工企业资金链紧张,拖欠农民工工资"
                               "问题突出,临近年底群众反映强烈。建议在园区预算资金中统筹调剂,优先保障农民工工资。")
    log_out(page)

    log_in(page, live_server, "mishuchu", password)
    nav.get_by_role("link", name="待登记").click()
    page.get_by_role("link", name=TITLE).click()
    similar = page.locator("section").filter(has=page.get_by_role("heading", name="相似来信"))
    row = similar.get_by_role("row").filter(has=page.get_by_role("link", name=LUORONG))
    row.get_by_role("button", name="关联").click()
    page.get_by_text("已关联。").wait_for()
    linked = page.locator("section").filter(has=page.get_by_role("heading", name="关联来信"))
    assert linked.get_by_role("link", name=LUORONG).is_visible()
    assert row.get_by_text("已关联").is_visible()  # not offered again
    screenshot("similar-1-linked")

    linked.get_by_role("link", name=LUORONG).click()  # the other case lists this one
    back = page.locator("section").filter(has=page.get_by_role("heading", name="关联来信"))
    back.get_by_role("link", name=TITLE).wait_for()
    back.get_by_role("button", name="取消关联").click()
    page.get_by_text("已取消关联。").wait_for()
    assert page.locator("#linked-title").count() == 0  # the list is gone (the 关联来信 form card stays)
    screenshot("similar-2-unlinked")
