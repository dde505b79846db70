"""The proposal form's running budget total (static/js/budget.js) reads amounts and quantities as the server does
(core.money.parse_yuan, core.numbers.parse_whole): what the server refuses counts nothing in the preview, what it
accepts counts the same."""

from pathlib import Path

import pytest

from core.money import MoneyError, format_fen, parse_yuan
from core.numbers import NumberError, parse_whole

SCRIPT = (Path(__file__).resolve().parents[2] / "static" / "js" / "budget.js").read_text(encoding="utf-8")
FORM = """<form id="proposal-form" data-max="100000000" data-personnel-cap="60" data-management-cap="10">
<div class="budget-line"><select class="budget-category"><option value="activities" selected>a</option></select>
<input class="budget-quantity" id="quantity" value="1"><input class="budget-price" id="price">
<span class="budget-total"></span></div>
<span id="budget-sum"></span><span id="budget-usage" data-label-max="%(pct)s" data-label-personnel="p"
data-label-management="m"></span></form>"""
TYPED = ["800", "800.5", "800.50", "12,345.50", "1,234,567", "¥12", "￥１２", "12元", "１２３．５０", "1，000",
         "+5", ".5", "12.", "0", "1e5", "1_000", "٣", "12,34", "1,2,3", "0,100", "1.234", "-1", "abc", "", "  ",
         "12。50", "99999999999999999",
         # grouped by spaces as by commas, one separator throughout
         "1 234.50", "1\u2009234.50", "1\u202f234．5元", "¥1,234.50元", "２，８８０", "1  234", "1,234 567", "1 2 3"]
QUANTITIES = ["3", "1,000", "1 000", "1\u2009000", "１２", "２，０００", " 7 ", "1,0000", "1,2,3", "1.5", "-2", "abc",
              ""]


@pytest.mark.parametrize("typed", TYPED)
def test_the_preview_reads_an_amount_as_the_server_does(page, typed):
    try:
        expected = parse_yuan(typed)
    except MoneyError:
        expected = 0
    page.set_content(FORM)
    page.add_script_tag(content=SCRIPT)
    page.locator("#price").fill(typed)
    assert page.locator("#budget-sum").text_content() == format_fen(expected), typed


@pytest.mark.parametrize("typed", QUANTITIES)
def test_the_preview_reads_a_quantity_as_the_server_does(page, typed):
    try:
        quantity = max(parse_whole(typed), 0)
    except NumberError:
        quantity = 0
    page.set_content(FORM)
    page.add_script_tag(content=SCRIPT)
    page.locator("#price").fill("1.50")
    page.locator("#quantity").fill(typed)
    assert page.locator("#budget-sum").text_content() == format_fen(150 * quantity), typed
