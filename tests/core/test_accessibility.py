"""Accessibility rules an axe-core (WCAG 2 A/AA) run over every role's pages found broken, kept from coming back:
the rating stars' colour had 3.25:1 contrast on white (AA needs 4.5:1), links on the light-blue unread rows 3.85:1,
and tables that scroll sideways on a phone could not be reached from the keyboard."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "static/css/app.css").read_text()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_rating_stars_are_readable_on_white_and_on_light_grey():
    colour = re.search(r"\.stars\s*\{\s*color:\s*(#[0-9a-fA-F]{6})", CSS).group(1)
    assert contrast(colour, "#ffffff") >= 4.5 and contrast(colour, "#f8f9fa") >= 4.5


def test_links_on_highlighted_list_rows_take_the_dark_info_colour():
    assert re.search(r"\.list-group-item-info a[^{]*\{\s*color:\s*var\(--bs-info-text-emphasis\)", CSS)
    assert contrast("#055160", "#cff4fc") >= 4.5  # Bootstrap 5's --bs-info-text-emphasis on its info background


def test_every_sideways_scrolling_table_can_take_keyboard_focus():
    wrappers = [(path.relative_to(ROOT), line) for path in (ROOT / "templates").rglob("*.html")
                for line in path.read_text().splitlines() if 'class="table-responsive' in line]
    assert wrappers and all('tabindex="0"' in line for _path, line in wrappers), \
        [str(path) for path, line in wrappers if 'tabindex="0"' not in line]
