"""An outsider on a phone holds the platform to its audit chain: they copy the head from the public page, the chain
moves on (someone logs in, an auditor issues a certificate), and they check the head they kept on the same page,
which answers with the hash the chain holds at that event now. Then the page of a cancelled call's announcement,
checked by its verification code, says the call was cancelled since. Nothing on either page is wider than the
phone."""

import re

from playwright.sync_api import expect

from tests.e2e.test_org_registration import log_in


def test_an_outsider_checks_a_head_kept_earlier_and_a_cancelled_calls_announcement(live_server, browser):
    outsider = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = outsider.new_page()
    page.goto(live_server + "/audit/head")
    seq, digest = page.locator("#head-seq").inner_text().strip(), page.locator("#head-hash").inner_text().strip()

    auditor = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    log_in(auditor.new_page(), live_server, "auditor")  # the chain moves on: a login is an event
    auditor.close()

    page.reload()
    expect(page.locator("#head-seq")).not_to_have_text(seq)
    page.get_by_label("序号").fill(seq)
    page.get_by_label("哈希值").fill(digest.upper())  # as copied by hand
    page.locator("#kept-head").get_by_role("button").click()
    expect(page.locator("#kept-result")).to_have_attribute("data-matched", "yes")
    expect(page.locator("#kept-result")).to_contain_text(f"第 {seq} 号事件")
    page.wait_for_load_state()  # (its stylesheet applied: measured before, a flaky failure)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_label("哈希值").fill(("0" if digest[0] != "0" else "1") + digest[1:])
    page.locator("#kept-head").get_by_role("button").click()
    expect(page.locator("#kept-result")).to_have_attribute("data-matched", "no")
    expect(page.locator("#kept-result")).to_contain_text(digest)

    page.goto(live_server + "/calls/")
    cancelled = page.locator("a", has_text=re.compile("社区环境整治宣传项目")).first
    cancelled.click()
    page.locator("a[href^='/verify/']").first.click()
    expect(page.locator("#doc-ended")).to_contain_text("取消")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    outsider.close()
