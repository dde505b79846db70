"""The score sheet's running total (static/js/sheet_total.js) reads each score as the server does
(evaluation.sheet_forms.parse_half_points): what the server refuses counts nothing, what it accepts counts the same."""

from pathlib import Path

import pytest

from core.errors import ServiceError
from evaluation.sheet_forms import parse_half_points

SCRIPT = (Path(__file__).resolve().parents[2] / "static" / "js" / "sheet_total.js").read_text(encoding="utf-8")
SHEET = """<p><span id="sheet-total-value">0</span> / 100</p><div id="score-sheet"><form>
<input name="c1" id="c1" value="8"><input name="comment1" value="12"><input name="c2" id="c2"></form></div>"""
TYPED = ["7", "7.5", "7.50", "７．５", ".5", " 6 ", "+4", "7.25", "7.3", "1e1", "1_0", "abc", "", "-1", "12。5", "07"]


@pytest.mark.parametrize("typed", TYPED)
def test_the_running_total_reads_a_score_as_the_server_does(page, typed):
    try:
        half = parse_half_points(typed) or 0
    except ServiceError:
        half = 0
    page.set_content(SHEET)
    page.add_script_tag(content=SCRIPT)
    page.locator("#c2").fill(typed)
    # the comment input (comment1) is not a score; c1 counts its 8 points as given
    assert float(page.locator("#sheet-total-value").text_content()) == 8 + max(half, 0) / 2, typed
