"""A resident and community staff on a small phone (375x667) with large text (the root font at 150 %, as an elderly
resident sets her phone), in Chinese and then in English, on the demo data.

The resident logs in, reads her balance and vouchers, chooses a programme (each name said in full), a service and
its provider (the provider's page for residents), gets a one-time code
(its digits and QR code on the first screen, said to last five minutes until a Beijing time), rates a service (each
number of stars says what it means), reads her account (no API tokens), switches to English, and logs out from her
vouchers page. A newcomer signs up (what the account is for: two choices said in full) and asks to be verified;
community staff find her among the pending residents, mistype her ID number (told what to check), verify her, are
asked before suspending anyone, print a resident's vouchers (the code on the first page, in Beijing time) and open
the form for a resident without a phone; then the same pages in English.

Every page: no sideways scrolling, every target a finger's (tests.e2e.test_accessibility.SMALL_TARGETS), and no text
cut (CUT_TEXT): none past its box or the window, no drop-down whose choice is cut short, no short Chinese label
(我的服务券) broken in the middle, no line starting with 。，or ）, no date, time or phone number broken across
lines, no table column a character wide. About 25 s on the shared server."""

import io
import itertools
import re
from datetime import date

import pypdf
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import User
from core.db import db
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_phone_journey import log_in
from tests.vouchers.helpers import id_number, running_programme

SMALL_PHONE = {"width": 375, "height": 667}
LARGE_TEXT = "html { font-size: 150% !important; }"
_serial = itertools.count(7301)

# Each finding names the element and what is wrong. Hidden text (visually-hidden, a stacked table's header row) is
# not looked at.
CUT_TEXT = r"""() => {
  const found = [];
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(e).visibility !== 'hidden'
    && !e.closest('.visually-hidden, .visually-hidden-focusable, thead'); };
  const name = e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${[...e.classList].join('.')}`;
  const lines = rects => new Set([...rects].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
  const boxOf = e => { while (e && ['inline', 'contents'].includes(getComputedStyle(e).display)) e = e.parentElement;
                       return e; };
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim(), parent = node.parentElement;
    if (!text || !shown(parent)) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    const holder = boxOf(parent), outer = holder.getBoundingClientRect(), hs = getComputedStyle(holder);
    const right = outer.right - parseFloat(hs.borderRightWidth) - parseFloat(hs.paddingRight);  // its content box
    const left = outer.left + parseFloat(hs.borderLeftWidth) + parseFloat(hs.paddingLeft);
    for (const r of range.getClientRects()) {
      if (r.width && (r.right > Math.min(right, window.innerWidth) + 1 || r.left < Math.max(left, 0) - 1)) {
        found.push(`past its box: ${name(parent)} "${text.slice(0, 30)}"`); break; }
    }
    // A short Chinese label (a tab, a button, a choice, a table cell) broken in the middle of its word.
    if (/^[\u4e00-\u9fff]{2,6}$/.test(text) && parent.closest('.btn, label, td, th, .badge')
        && lines(range.getClientRects()) > 1)
      found.push(`word broken: ${name(parent)} "${text}"`);
    // A line of Chinese starting with a closing mark (。，、；：！？）」) reads as a broken sentence.
    let top = null;
    for (let i = 0; i < node.textContent.length; i++) {
      const ch = node.textContent[i];
      const one = document.createRange(); one.setStart(node, i); one.setEnd(node, i + 1);
      const r = one.getClientRects()[0];
      if (!r || !r.width) continue;
      if (top !== null && r.top > top + 2 && '。，、；：！？）」'.includes(ch)) {
        found.push(`line starts with ${ch}: ${name(parent)} "${text.slice(0, 30)}"`); break; }
      top = r.top;
    }
    // A date, a time or a phone number broken across two lines reads as two things.
    for (const m of text.matchAll(/\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?|\b0\d{2,3}-\d{7,8}\b|\b1[3-9]\d{9}\b/g)) {
      const start = node.textContent.indexOf(m[0]);
      const part = document.createRange(); part.setStart(node, start); part.setEnd(node, start + m[0].length);
      if (lines(part.getClientRects()) > 1) found.push(`broken across lines: ${name(parent)} "${m[0]}"`);
    }
  }
  // A drop-down whose chosen option does not fit in it.
  const canvas = document.createElement('canvas').getContext('2d');
  for (const s of document.querySelectorAll('main select')) {
    if (!shown(s) || !s.selectedOptions.length) continue;
    const cs = getComputedStyle(s); canvas.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (canvas.measureText(s.selectedOptions[0].text).width > room + 1)
      found.push(`choice cut short: ${name(s)} "${s.selectedOptions[0].text}"`);
  }
  // A table column a character or two wide: its words stand one character a line.
  for (const cell of document.querySelectorAll('main td, main th')) {
    const text = cell.textContent.trim();
    if (shown(cell) && text.length > 2 && cell.clientWidth < 2.5 * parseFloat(getComputedStyle(cell).fontSize))
      found.push(`column too narrow: ${name(cell)} "${text.slice(0, 20)}"`);
  }
  return [...new Set(found)];
}"""


def large_text_phone(browser, locale: str = "zh-CN", style: str = LARGE_TEXT):
    """A 375x667 phone whose pages have their root font at 150 % (or another `style`). The style is added by a script
    of the test (the pages' CSP allows no inline style, so the context bypasses it: what is checked is the app's own
    CSS)."""
    context = browser.new_context(locale=locale, viewport=SMALL_PHONE, device_scale_factor=2, bypass_csp=True)
    context.add_init_script("document.addEventListener('DOMContentLoaded', () => { const s = document.createElement("
                            f"'style'); s.textContent = {style!r}; document.head.appendChild(s); }});")
    return context.new_page()


def fits(page, *, axe: bool = False) -> None:
    page.wait_for_load_state()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "24px"  # the large text is on
    assert page.evaluate("document.scrollingElement.scrollWidth") <= SMALL_PHONE["width"], page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url
    assert page.evaluate(CUT_TEXT) == [], page.url
    if axe:
        assert serious_violations(page) == [], page.url


def on_first_screen(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box and box["y"] >= 0 and box["y"] + box["height"] <= SMALL_PHONE["height"], (selector, box)


def second_programme(app) -> None:
    """Another programme running, with a long name: the catalogue then offers a choice of programme."""
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        running_programme(officer, name=f"幸福街道高龄老人居家服务券（第二期试点{next(_serial)}）")
        db.session.commit()


def test_a_resident_with_large_text_from_balance_to_rating_and_out(live_server, live_app, browser):
    second_programme(live_app)
    page = large_text_phone(browser)
    log_in(page, live_server, "resident2", "gongzhi-demo")
    expect(page.locator("#go-show-code")).to_be_visible()  # the code, one tap from home
    fits(page)
    for language, words in (("zh", {"beijing": "北京时间", "five": "5 分钟", "very": "很满意", "logout": "退出登录"}),
                            ("en", {"beijing": "Beijing time", "five": "five minutes", "very": "Very satisfied",
                                    "logout": "Log out"})):
        axe = language == "zh"
        page.goto(live_server + "/vouchers/me")
        expect(page.locator(".balance-amount").first).to_contain_text("¥")
        fits(page, axe=axe)

        page.locator(".resident-tabs a[href$='/catalogue']").click()
        expect(page.locator("#catalogue .service").first).to_be_visible()
        expect(page.locator("#programme-choices input")).not_to_have_count(0)  # each programme's name in full
        fits(page, axe=axe)
        page.locator("#catalogue .provider-name").first.click()  # the provider's page for residents
        expect(page).to_have_url(re.compile(r"/vouchers/catalogue/providers/\d+\?programme=\d+&community=\d+$"))
        expect(page.locator("#provider-services .service").first).to_be_visible()
        fits(page, axe=axe)

        # The code: the digits and the QR code on the first screen, the tabs after them; when it runs out, in
        # Beijing time (the page reloads itself then: static/js/voucher_code.js).
        page.goto(live_server + "/vouchers/me/code")
        if language == "zh":  # in English, the same code is still on show
            fits(page, axe=axe)
            page.locator("#make-code").click()
        expect(page.locator("#one-time-code")).to_have_text(re.compile(r"^\d{8}$"))
        on_first_screen(page, "#one-time-code")
        on_first_screen(page, "img.voucher-qr")
        expect(page.locator("#code-expiry")).to_contain_text(words["beijing"])
        expect(page.locator("#code-expiry")).to_contain_text(words["five"])
        assert int(page.locator("#code-card").get_attribute("data-expires-in")) in range(1, 301)
        fits(page, axe=axe)

        # A rating: one choice a row, each saying what it means.
        page.locator(".resident-tabs a[href$='/redemptions']").click()
        item = page.locator("#redemptions .redemption", has=page.locator(".rate-form")).first
        expect(item.locator("label[for$='-5']")).to_contain_text(words["very"])
        fits(page, axe=axe)
        item.locator("label[for$='-5']").click()
        item.locator(".rate-form button").click()
        expect(page.locator(".alert-success")).to_be_visible()
        fits(page)

        # Her account: a password to change, no scripts' tokens.
        page.goto(live_server + "/account")
        expect(page.locator("#api-tokens")).to_have_count(0)
        fits(page)
        if language == "zh":
            page.goto(live_server + "/lang/en?next=/vouchers/me")
            expect(page.locator("h1")).to_have_text("My vouchers")

    # Logging out where she finishes, on her vouchers page.
    page.goto(live_server + "/vouchers/me")
    page.locator("#resident-logout button").click()
    expect(page).to_have_url(re.compile(r"/login"))
    fits(page)
    page.context.close()


def test_community_staff_with_large_text_verify_print_and_register(live_server, browser):
    n = next(_serial)
    phone, number, name = f"1376666{n:04d}", id_number(date(1944, 2, 2), n), f"张秀英{n}"

    # A newcomer signs up and asks to be verified.
    newcomer = large_text_phone(browser)
    newcomer.goto(live_server + "/signup")
    expect(newcomer.locator("#purpose-resident")).to_be_checked()
    fits(newcomer, axe=True)
    newcomer.get_by_label("您的姓名").fill("张奶奶")
    newcomer.get_by_label("手机号码").fill(phone)
    newcomer.get_by_label("密码", exact=True).fill("zhang-first-1")
    newcomer.get_by_label("再次输入密码").fill("zhang-first-1")
    newcomer.get_by_role("button", name="注册账户").click()
    expect(newcomer.locator("h1")).to_have_text("实名认证")
    newcomer.get_by_label("真实姓名").fill(name)
    newcomer.get_by_label("居民身份证号").fill(number)
    newcomer.get_by_label("社区").select_option(label="幸福街道 和平社区")
    newcomer.get_by_role("button", name="提交").click()
    expect(newcomer.locator("#awaiting")).to_be_visible()
    fits(newcomer)
    newcomer.context.close()

    staff = large_text_phone(browser)
    log_in(staff, live_server, "staff1", "gongzhi-demo")
    staff.goto(live_server + "/vouchers/residents?status=pending")
    fits(staff, axe=True)
    staff.get_by_role("link", name=name).click()
    expect(staff).to_have_url(re.compile(r"/vouchers/residents/\d+$"))  # measured there, not on the list
    fits(staff, axe=True)

    # A mistyped number is refused, saying what to check; the right one verifies her.
    staff.locator("#card_number").fill(number[:-1] + ("0" if number[-1] != "0" else "1"))
    staff.locator("#to-verified").click()
    expect(staff.locator("#card_number-error")).to_contain_text(re.compile("与记录中的号码不一致|核对 18 位"))
    fits(staff)
    staff.locator("#card_number").fill(number)
    staff.locator("#to-verified").click()
    expect(staff.locator("#resident-status")).to_have_text("已核实")
    fits(staff)

    # Suspending asks first; answered no, nothing changes.
    asked = []
    staff.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    staff.locator("#reason").fill("搬离本社区")
    staff.locator("#to-suspended").click()
    expect(staff.locator("#resident-status")).to_have_text("已核实")
    assert asked and name in asked[0] and "暂停" in asked[0]

    # A resident without a phone: her vouchers printed, the code on the first page, valid until a Beijing time.
    staff.goto(live_server + "/vouchers/residents?q=赵长青")
    fits(staff)
    staff.get_by_role("link", name="赵长青").click()
    expect(staff).to_have_url(re.compile(r"/vouchers/residents/\d+$"))
    fits(staff)
    with staff.expect_response(lambda response: "/documents/" in response.url) as printed:
        staff.locator("#print-vouchers").click()
    pdf = pypdf.PdfReader(io.BytesIO(staff.request.get(printed.value.url).body()))
    first_page = pdf.pages[0].extract_text()
    assert "一次性核销码" in first_page and "北京时间" in first_page and "核销二维码" in first_page

    staff.goto(live_server + "/vouchers/residents/new")
    fits(staff, axe=True)

    # The same pages in English.
    staff.goto(live_server + "/lang/en?next=/vouchers/residents")
    expect(staff.locator("h1")).to_have_text("Residents")
    fits(staff)
    staff.get_by_role("link", name=name).click()
    expect(staff.locator("#to-suspended")).to_have_text("Suspend this resident")
    fits(staff)
    staff.goto(live_server + "/vouchers/residents/new")
    fits(staff)
    staff.context.close()


# Browser zoom at 200 % on a 375 px phone, or its text at 200 %: community staff's page of a resident (her record,
# her hardship tags, the forms that quote her masked ID number) scrolled sideways by about 8 px: the ID number in the
# correction form's help is one word, wider than the form; in English a long tag's badge stood past the edge.
VERY_LARGE = {"text": "html { font-size: 200% !important; }", "zoom": "html { zoom: 2; }"}


def test_a_residents_record_fits_community_staffs_phone_at_200_percent(live_server, live_app, browser):
    from accounts.residents import transition_resident
    from tests.vouchers.helpers import resident

    with live_app.app_context(), live_app.test_request_context():
        staff = db.session.scalar(select(User).where(User.username == "staff1"))
        verified = resident(staff, tags=["extreme_poverty", "disability"])
        suspended = resident(staff, tags=["extreme_poverty"])  # the verify form, its help quoting the number
        transition_resident(suspended, "suspended", actor=staff, reason="搬离本社区")
        db.session.commit()
        pages = [f"/vouchers/residents/{verified.id}", f"/vouchers/residents/{suspended.id}"]
    problems = []
    for how, style in VERY_LARGE.items():
        page = large_text_phone(browser, style=style)
        log_in(page, live_server, "staff1", "gongzhi-demo")
        expect(page.locator("main")).to_be_visible()
        for language in ("zh_Hans_CN", "en"):
            page.goto(f"{live_server}/lang/{language}?next=/")
            for path in pages:
                page.goto(live_server + path)
                page.wait_for_load_state()
                expect(page.locator("#id_number-help")).to_be_visible()
                wide = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
                if wide > 0:
                    problems.append(f"{path} {language} {how} 200 %: scrolls sideways by {wide}px")
        expect(page.locator("#verified-form .form-text")).to_be_visible()  # the suspended one's, last
        page.context.close()
    assert problems == [], "\n".join(problems)
