"""Both sides sign a contract; the organisation reports with an activity photo and the sign-in sheet its milestone
requires; the officer accepts the report (asked first) and pays the tranche; the project page's budget chart
(server-rendered SVG) shows the payment and the spending."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from projects.contract_demo import CALL_TITLE
from projects.contract_models import Contract
from projects.models import Call
from tests.e2e.test_org_registration import log_in
from tests.orgs.helpers import PDF_BYTES
from tests.projects.contract_helpers import PNG_BYTES


def bar(page, key):
    return page.locator(f"#budget-chart g[data-key='{key}']")


def sign(page):
    page.locator("#confirm-submit").click()  # without the tick: refused beside the box, nothing signed
    expect(page.locator("#acknowledged-error")).to_be_visible()
    page.locator("#acknowledged").check()
    page.locator("#confirm-submit").click()
    expect(page.locator("#contract-status")).to_be_visible()  # back on the contract page


def test_sign_report_accept_pay_and_the_chart_moves(live_server, live_app, browser, tmp_path):
    with live_app.app_context():
        call_id = db.session.scalar(select(Call.id).where(Call.title == CALL_TITLE))
        contract = db.session.scalar(select(Contract).where(Contract.call_id == call_id, Contract.status == "draft"))
        contract_id, first_line = contract.id, contract.lines[0].id
        manager = next(m.user.username for m in contract.org.memberships if m.role == "manager")
    url = f"{live_server}/contracts/{contract_id}"
    photo = tmp_path / "讲座.png"
    photo.write_bytes(PNG_BYTES)
    sheet = tmp_path / "签到表.pdf"
    sheet.write_bytes(PDF_BYTES)

    org = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()  # a phone
    log_in(org, live_server, manager)
    org.goto(url)
    org.locator("#confirm").click()  # to the whole contract, clauses included, and a box to tick
    sign(org)
    officer = browser.new_context(locale="zh-CN").new_page()
    log_in(officer, live_server, "officer")
    officer.goto(url)
    officer.locator("#confirm").click()
    sign(officer)
    expect(officer.locator("#contract-status")).not_to_have_text(org.locator("#contract-status").inner_text())
    expect(bar(officer, "paid")).to_have_attribute("data-percent", "0.0")

    org.goto(url)
    org.locator("[id^=report-]").first.click()
    org.locator("#narrative").fill("中期：入户探访 320 人次，健康讲座 2 场，建立服务档案 120 份。")
    org.locator("#output-0").fill("320")
    org.locator("#activity-0-place").fill("和平社区活动室")
    org.locator("#activity-0-participants").fill("35")
    org.locator("#activity-0-photos").set_input_files(str(photo))
    org.locator("#evidence").set_input_files(str(sheet))  # the demo's milestone requires 签到表、活动照片
    org.locator("#submit-report").click()
    expect(org.locator(".report img")).to_have_count(1)  # the photo is shown with the report

    officer.goto(url)
    accepting = []
    officer.once("dialog", lambda dialog: (accepting.append(dialog.message), dialog.accept()))
    officer.locator("[id^=accept-]").first.click()  # it cannot be undone: asked first
    expect(officer.locator("[id^=accept-]")).to_have_count(0)  # accepted: the reference is typed on the new page
    assert len(accepting) == 1 and "不可撤销" in accepting[0] and "否认收款" not in accepting[0]
    before = bar(officer, "paid").locator("rect.value").get_attribute("width")
    first = officer.locator("#tranches li").first
    first.locator("input[name=reference]").fill("国库集中支付2026-0601")
    asked = []
    officer.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    first.locator("button[type=submit]").click()  # a payment cannot be undone: asked first, with its amount
    expect(bar(officer, "paid")).to_have_attribute("data-percent", "40.0")
    assert len(asked) == 1 and "第 1 批" in asked[0] and "¥40,000.00" in asked[0]
    assert before == "0" and bar(officer, "paid").locator("rect.value").get_attribute("width") == "120"

    org.goto(url)
    expect(bar(org, f"line-{first_line}")).to_have_attribute("data-percent", "0.0")
    form = org.locator("#expense-form")
    form.locator("select[name=line_id]").select_option(str(first_line))
    form.locator("input[name=payee]").fill("李娜")
    form.locator("input[name=amount]").fill("4000")
    form.locator("button[type=submit]").click()
    expect(bar(org, f"line-{first_line}")).not_to_have_attribute("data-percent", "0.0")
    expect(bar(org, "spent")).to_have_attribute("data-percent", "4.0")  # ¥4,000 of ¥100,000
