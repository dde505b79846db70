"""Community staff's residents list on a small phone with large text (375x667, root font 150 %): each resident's
masked ID number stands on one line, under its heading across the card. Beside its heading it broke in the middle
(110101*****/***0102), splitting the last four characters that staff compare with the card."""

from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import fits, large_text_phone

LINES = """() => [...document.querySelectorAll('#residents td.hash')].map(td => {
  const range = document.createRange(); range.selectNodeContents(td);
  return new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top))).size; })"""


def test_each_masked_id_number_is_on_one_line(live_server, browser):
    page = large_text_phone(browser)
    log_in(page, live_server, "staff1", "gongzhi-demo")
    page.goto(f"{live_server}/vouchers/residents")
    lines = page.evaluate(LINES)
    assert lines and set(lines) == {1}, lines
    fits(page)
