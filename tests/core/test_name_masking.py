"""One rule masks a person's name everywhere (core.personal.mask_name): the family name and a fixed ** that tells
nothing of the name's length; no page, PDF or export masks a name by itself."""

import re
from pathlib import Path

import pytest

from core.personal import NAME_MASK, mask_name

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("name", "shown"), [
    ("张三丰", "张**"),
    ("张三", "张**"),  # two characters: not 张*, which would tell the name is short
    ("张", "张**"),
    ("王小明明", "王**"),
    ("  李桂兰 ", "李**"),  # as typed, with spaces around
    ("欧阳娜娜", "欧阳**"),  # a compound family name is the family name
    ("欧阳修", "欧阳**"),
    ("司马光", "司马**"),
    ("诸葛亮", "诸葛**"),
    ("欧阳", "欧**"),  # two characters: 欧 + 阳, never the whole name
    ("买买提·艾力", "买**"),
    ("Zhang San", "Z**"),  # in Latin letters the family name may come first or last: the initial only
    ("John Smith", "J**"),
    ("Émile Zola", "É**"),
    ("E\u0301mile", "É**"),  # decomposed é: one character, not an E and a loose accent
    ("", ""),
    ("   ", ""),
    (None, ""),
])
def test_mask_name(name, shown):
    assert mask_name(name) == shown


def test_the_mask_never_tells_the_length():
    shown = {mask_name(name) for name in ("张", "张三", "张三丰", "张三丰四", "张" + "三" * 20)}
    assert shown == {"张" + NAME_MASK} and NAME_MASK == "**"


# What masking by hand looked like: a name's first character and a fixed or length-long run of stars.
BY_HAND = [
    re.compile(r"\[(?::1|0)\]\s*\}\}\s*\*"),  # {{ x.real_name[:1] }}**
    re.compile(r"\[(?::1|0)\]\s*[+~]\s*[\"']\*"),  # name[:1] + "**"   /  name[0] ~ "*"
    re.compile(r"[\"']\*[\"']\s*\*\s*\(?\s*len\("),  # "*" * (len(name) - 1)
    re.compile(r"[\"']\*\*[\"']"),  # a "**" literal of its own
]
OLD_CODE = ["<td>{{ r.resident.real_name[:1] }}**</td>", 'return (real_name or "").strip()[:1] + "**"',
            'name[:1] + "*" * (len(name) - 1)', "{{ person.real_name[0] ~ '**' }}"]
APP_DIRS = ("accounts", "audit", "core", "evaluation", "orgs", "projects", "vouchers", "templates")


def test_the_check_below_finds_masking_by_hand():
    for code in OLD_CODE:
        assert any(pattern.search(code) for pattern in BY_HAND), code
    assert not any(pattern.search("{{ r.resident.real_name|mask_name }}") for pattern in BY_HAND)


def test_no_page_pdf_or_export_masks_a_name_by_itself():
    found = []
    for folder in APP_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".py", ".html") or path == ROOT / "core" / "personal.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if any(pattern.search(line) for pattern in BY_HAND):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == [], "mask names with core.personal.mask_name (|mask_name in templates):\n" + "\n".join(found)
