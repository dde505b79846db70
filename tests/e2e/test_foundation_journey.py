"""An officer logs in, sees the Chinese home page, switches to English, logs out; the old session is dead."""

import re

from playwright.sync_api import expect


def test_officer_journey_and_dead_session_after_logout(live_server, page, browser):
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("用户名").fill("officer")
    page.get_by_label("密码").fill("gongzhi-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎，王芳")
    cookies = page.context.cookies()
    session_cookie = next(c for c in cookies if c["name"] == "session")
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax"

    # The navigation collapses on a phone; open it, then switch the language. (Once the page has loaded: its scripts
    # are deferred, and a tap on the menu's button before Bootstrap's has run opens nothing, a flaky failure.)
    page.wait_for_load_state()
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))  # the menu has finished opening
    page.locator("#langmenu").click()
    page.locator("a[data-lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome, 王芳")

    page.wait_for_load_state()
    page.get_by_role("button", name="Menu").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.locator("#usermenu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("logged out")

    # Replaying the cookie from before logout in a fresh browser gets the login page, not the account.
    replay = browser.new_context()
    replay.add_cookies([{k: session_cookie[k] for k in ("name", "value", "domain", "path")}])
    other = replay.new_page()
    other.goto(live_server + "/account")
    expect(other).to_have_url(re.compile(r"/login"))
    replay.close()
