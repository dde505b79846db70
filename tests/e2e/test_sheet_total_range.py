"""The running total (static/js/sheet_total.js) leaves out a score above its criterion's maximum (data-max), which
the server refuses: a 9 typed in a 0–8 box counted 9 towards the total shown."""

from pathlib import Path

import pytest

SCRIPT = (Path(__file__).resolve().parents[2] / "static" / "js" / "sheet_total.js").read_text(encoding="utf-8")
SHEET = """<p><span id="sheet-total-value">0</span> / 100</p><div id="score-sheet"><form>
<input name="c1" id="c1" data-max="10" value="8"><input name="comment1" value="12">
<input name="c2" id="c2" data-max="8"></form></div>"""


@pytest.mark.parametrize(("typed", "counted"), [("8", 8), ("7.5", 7.5), ("8.5", 0), ("9", 0), ("９", 0), ("0", 0)])
def test_a_score_above_the_maximum_counts_nothing(page, typed, counted):
    page.set_content(SHEET)
    page.add_script_tag(content=SCRIPT)
    page.locator("#c2").fill(typed)
    assert float(page.locator("#sheet-total-value").text_content()) == 8 + counted, typed
