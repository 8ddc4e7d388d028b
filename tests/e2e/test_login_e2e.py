"""Every demo account logs in through a real browser and lands on its own home page."""
import pytest

from djgc_direct.demo.seed import USERS
from tests.test_seed_and_config import HOME_TITLES

pytestmark = pytest.mark.e2e


def log_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_demo_accounts_log_in_and_out(runner, app, live_server, page, screenshot):
    assert runner.invoke(args=["djgc", "seed-demo"]).exit_code == 0
    password = app.config["DEMO_PASSWORD"]
    page.goto(f"{live_server}/login")
    screenshot("login")
    for username, role, name, *_ in USERS:
        log_in(page, live_server, username, password)
        page.get_by_role("heading", name=HOME_TITLES[role]).wait_for()
        assert name in page.content()
        screenshot(f"home-{username}")
        page.get_by_role("button", name="退出").click()
        page.get_by_text("您已安全退出").wait_for()


def test_wrong_password_shows_an_error(runner, app, live_server, page):
    runner.invoke(args=["djgc", "seed-demo"])
    log_in(page, live_server, "suzhiming", "Wrong-pass-2026")
    page.get_by_text("用户名或密码错误").wait_for()


def test_admin_adds_an_organisation_in_the_browser(runner, app, live_server, page, screenshot):
    runner.invoke(args=["djgc", "seed-demo"])
    log_in(page, live_server, "admin", app.config["DEMO_PASSWORD"])
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="组织").click()
    page.get_by_role("link", name="新建组织").click()
    page.get_by_label("名称").fill("市住房和城乡建设局")
    page.get_by_label("上级组织").select_option(label="中共柳州市委")
    page.get_by_label("层级").select_option("city")
    page.get_by_label("领域").select_option("government")
    page.get_by_label("承办单位").check()
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已创建组织 市住房和城乡建设局").wait_for()
    screenshot("admin-organisations")
