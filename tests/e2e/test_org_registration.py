"""A new user applies in Chinese; an officer returns the application; the user fixes it; the officer approves;
the organisation appears in the public directory."""

import re

from playwright.sync_api import expect

from tests.orgs.helpers import PDF_BYTES, make_uscc


def log_in(page, base, username, password="gongzhi-demo"):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    logged_in(page, base)


def logged_in(page, base) -> None:
    """Until the log-in's answer has come (the page has left /login): a caller's page.goto() at once after the click
    could abort the form's request under load, before its session cookie was set, and the next page was the log-in
    form again."""
    page.wait_for_url(lambda url: not url.startswith(base + "/login"))


def test_application_returned_fixed_approved_and_listed(live_server, browser, tmp_path):
    pdf = tmp_path / "材料.pdf"
    pdf.write_bytes(PDF_BYTES)
    applicant = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = applicant.new_page()

    page.goto(live_server + "/signup")
    page.locator("#purpose-organisation").check()
    page.get_by_label("用户名").fill("xinyuan")
    page.get_by_label("您的姓名").fill("林心远")
    page.get_by_label("密码", exact=True).fill("xinyuan-pass-1")
    page.get_by_label("再次输入密码").fill("xinyuan-pass-1")
    page.get_by_role("button", name="注册账户").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的组织")  # the next step: apply to register

    page.goto(live_server + "/orgs/apply")
    page.get_by_label("组织全称").fill("心远青少年成长服务中心")
    page.locator("#kind").select_option("agency")
    page.get_by_label("统一社会信用代码").fill(make_uscc("1", 4242))  # wrong kind on purpose
    page.get_by_label("法定代表人").fill("林心远")
    page.get_by_label("登记管理机关").fill("东城区民政局")
    page.locator("#registered_on").fill("2021-03-15")
    page.get_by_label("地址").fill("东城区光明路8号")
    page.locator("#categories-1").check()
    page.locator("#communities-0").check()
    page.locator("#certified_social_workers").fill("2")
    page.get_by_label("联系人", exact=True).fill("林心远")
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".invalid-feedback").first).to_contain_text("属于其他类型的组织")
    page.get_by_label("统一社会信用代码").fill(make_uscc("2", 4242))
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#org-status")).to_have_text("草稿")

    for kind in ("certificate", "charter", "annual_report"):
        page.locator("#kind").select_option(kind)
        page.locator("#file").set_input_files(str(pdf))
        page.get_by_role("button", name="上传").click()
        expect(page.get_by_role("alert").first).to_contain_text("已上传")
    page.locator("#submit-application").click()
    expect(page.locator("#org-status")).to_have_text("待审核")
    org_url = page.url

    officer = browser.new_context(locale="zh-CN")
    office = officer.new_page()
    log_in(office, live_server, "officer")
    office.goto(live_server + "/orgs/review")
    office.get_by_role("link", name="心远青少年成长服务中心").click()
    office.get_by_label("原因").fill("请补充理事会成员名单。")
    office.get_by_role("button", name="退回修改").click()
    expect(office.locator("#org-status")).to_have_text("退回修改")

    page.goto(live_server + "/notifications")
    expect(page.locator("#notifications")).to_contain_text("请补充理事会成员名单")
    page.goto(org_url)
    expect(page.locator("#status-reason")).to_contain_text("请补充理事会成员名单")
    page.get_by_role("link", name="修改申请").click()
    page.get_by_label("组织简介").fill("理事会：林心远（理事长）、周宁、许静。")
    page.get_by_role("button", name="保存").click()
    page.locator("#submit-application").click()
    expect(page.locator("#org-status")).to_have_text("待审核")

    office.reload()
    office.get_by_role("button", name="准予登记").click()
    expect(office.locator("#org-status")).to_have_text("已登记")

    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(live_server + "/orgs/?q=xyqsn")
    expect(public.locator("#directory")).to_contain_text("心远青少年成长服务中心")
    public.get_by_role("link", name=re.compile("心远青少年成长服务中心")).click()
    expect(public.locator("#org-name")).to_have_text("心远青少年成长服务中心")
    for ctx in (applicant, officer, public.context):
        ctx.close()
