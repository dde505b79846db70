"""A resident raises a need on a small phone with large text (375x667, root font 150 %); community staff of her
community take it on (without a word) and close it with a reply, on a phone too; she reads on her needs page who
took it on and when, then the reply. Each page
fits (no sideways scrolling, finger-sized targets, no text cut: tests.e2e.test_resident_large_text.fits)."""

import itertools
import re

from playwright.sync_api import expect

from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import fits, large_text_phone

_serial = itertools.count(1)


def test_a_resident_raises_a_need_and_reads_the_staffs_reply(live_server, browser):
    text, reply = f"家里卫生间水管漏水，想请人上门修理（{next(_serial)}）", "已联系物业，师傅周三上午上门维修。"

    resident = large_text_phone(browser)
    log_in(resident, live_server, "resident5", "gongzhi-demo")
    resident.locator("#go-my-needs").click()
    expect(resident.locator("h1")).to_have_text("我的需求")
    fits(resident, axe=True)
    resident.locator("#raise-need").click()  # nothing written: refused beside the field
    expect(resident.locator("#description-error")).to_contain_text("请填写需求内容")
    fits(resident)
    resident.get_by_label("需求类别").select_option(label="居家维修")
    resident.get_by_label("需求内容").fill(text)
    resident.get_by_label("希望社区与我联系").check()
    resident.locator("#raise-need").click()
    expect(resident.locator(".alert-success")).to_be_visible()
    item = resident.locator("#my-needs li", has_text=text)
    expect(item.locator(".need-status")).to_have_text("待回复")
    fits(resident)

    staff = large_text_phone(browser)
    log_in(staff, live_server, "staff1", "gongzhi-demo")
    staff.locator("#go-needs").click()
    expect(staff.locator("h1")).to_have_text("居民需求")
    fits(staff, axe=True)
    staff.locator("#needs a").first.click()
    expect(staff.locator("#need")).to_contain_text(text)
    fits(staff, axe=True)
    asked = []  # closing cannot be undone: the button asks first
    staff.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    staff.locator("#close-need").click()  # no reply: refused beside the reply
    expect(staff.locator("#reply-error")).to_contain_text("请填写给居民的答复")
    assert asked and "办结后不能重新打开" in asked[0]
    staff.locator("#acknowledge").click()
    expect(staff.locator("#need-status")).to_have_text("处理中")
    staff.locator("#reply").fill("师傅明天上午联系您")  # a word on how it is going: the need stays open
    staff.locator("#reply-need").click()
    expect(staff.locator(".alert-success")).to_be_visible()
    expect(staff.locator("#need-status")).to_have_text("处理中")
    expect(staff.locator("#need-replies")).to_contain_text("师傅明天上午联系您")
    staff.locator("#reply").fill(reply)
    staff.locator("#close-need").click()
    expect(staff.locator("#need-status")).to_have_text("已答复")
    expect(staff.locator("#answer-form")).to_have_count(0)
    fits(staff)
    staff.context.close()

    resident.reload()
    expect(item.locator(".need-status")).to_have_text("已答复")
    taken_on, answered = item.locator(".need-reply").first, item.locator(".need-reply").last
    expect(taken_on).to_contain_text("已受理这项需求。")  # taken on without a reply: still who and when
    expect(taken_on).to_contain_text("处理中")
    expect(answered).to_contain_text(reply)
    expect(item).to_contain_text("师傅明天上午联系您")
    fits(resident)
    resident.goto(live_server + "/notifications")
    expect(resident.locator("main")).to_contain_text(re.compile("您的需求（居家维修）已有答复"))
    resident.context.close()
