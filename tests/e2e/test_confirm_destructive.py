"""An irreversible decision asks first: on a form offering several decisions (approve, suspend, deregister), the
button that cannot be undone carries its own question (static/js/app.js reads the submitting button's
data-confirm), and saying no submits nothing."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from orgs.models import Organisation
from tests.e2e.test_org_registration import logged_in


def test_deregistering_asks_first_and_no_changes_nothing(live_server, live_app, browser):
    with live_app.app_context():
        org_id = db.session.scalar(select(Organisation.id).where(Organisation.status == "approved")
                                   .order_by(Organisation.id.desc()))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("用户名或手机号码").fill("officer")
    page.get_by_label("密码").fill("gongzhi-demo")
    page.get_by_role("button", name="登录").click()
    logged_in(page, live_server)  # before going on: a page.goto() at once could abort the log-in
    page.goto(f"{live_server}/orgs/{org_id}")
    page.locator("textarea#reason").fill("测试：不应提交")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.get_by_role("button", name="注销登记", exact=True).click()
    page.wait_for_timeout(300)
    assert asked == ["确定注销此组织的登记吗？此操作无法撤销。"]
    expect(page).to_have_url(f"{live_server}/orgs/{org_id}")
    with live_app.app_context():
        assert db.session.get(Organisation, org_id).status == "approved"
    context.close()
