"""Someone holding a paper copy of an official document, on a phone without a QR scanner, types its verification
code as printed (lower case, spaces) on /verify and sees what the platform issued under it."""

import re

from playwright.sync_api import expect

from tests.e2e.test_org_registration import log_in


def test_a_code_typed_from_paper_shows_the_document_and_a_mistyped_one_says_so(live_server, browser):
    auditor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = auditor.new_page()
    log_in(page, live_server, "auditor")
    page.goto(live_server + "/audit/head")
    page.get_by_role("button", name=re.compile("签发")).click()
    page.wait_for_url(re.compile(r"/verify/[A-Z2-9]{12}$"))
    printed = page.locator("dt:text-is('验证码') + dd").inner_text().strip()  # ABCD-EFGH-JKMN, as on the PDF
    title = page.locator("#doc-title").inner_text()
    auditor.close()

    reader = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = reader.new_page()
    page.goto(live_server + "/verify")
    page.get_by_label("验证码").fill(printed.lower().replace("-", " "))
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(live_server + "/verify/" + printed.replace("-", ""))
    assert page.locator("#issued-confirmation").is_visible()
    assert page.locator("#doc-title").inner_text() == title

    page.goto(live_server + "/verify")
    wrong = printed[:-1] + ("A" if printed[-1] != "A" else "B")  # one character misread
    page.get_by_label("验证码").fill(wrong)
    page.get_by_role("button", name="查询").click()
    # (expect waits for the answer: read at once, the form's page could still be the one shown)
    expect(page.locator("#code-error")).to_contain_text("平台未签发过使用此验证码的文件")
    expect(page.get_by_label("验证码")).to_have_attribute("aria-invalid", "true")
    assert page.get_by_label("验证码").input_value() == wrong
    assert page.locator("#issued-confirmation").count() == 0
    reader.close()
