from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.factories import make_user

ROOT = Path(__file__).resolve().parents[2]


def test_chinese_by_default_english_by_accept_language_and_switcher(client, session):
    assert "首页" in client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Home" in english and '<html lang="en">' in english
    client.get("/lang/en?next=/verify")
    assert "Verify a document" in client.get("/").get_data(as_text=True)
    response = client.get("/lang/zh_Hans_CN?next=//evil.example")
    assert response.headers["Location"] == "/"
    assert "首页" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_role_labels_are_translated(client, session, login_as):
    from accounts.enums import Role

    login_as(make_user(Role.AUDITOR))
    assert "监督审计人员" in client.get("/").get_data(as_text=True)


def _source_strings() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string in the code, extracted the way `make messages` does."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}  # (context, message) for the last two
    source = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords,
        directory_filter=lambda d: not Path(d).name.startswith((".", "instance", "tests", "bench", "__")),
    ):
        source.add((context, message if isinstance(message, str) else message[0]))
    return source


def test_every_source_string_has_a_chinese_translation():
    """Extract strings the way `make messages` does and compare with the zh_Hans_CN catalogue."""
    source = _source_strings()
    with open(ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id and m.string
                  and not m.fuzzy}
    missing = sorted(source - translated)
    assert missing == [], f"untranslated: {missing[:20]}"


def _format_check(text: str, names: set[str]) -> str | None:
    """The error of `text % {name: 1, ...}` (what Jinja's gettext does to every translated string), else None."""
    try:
        text % {name: 1 for name in names}
    except (ValueError, TypeError, KeyError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def test_every_translation_formats_like_its_source_string():
    """Templates' _() runs `translation % variables` even when there are none, so a lone '%' in a Chinese
    translation of a '%'-free source string ('比例（%）') was a 500 on that page in Chinese only. Every translation
    must survive the formatting its source string survives, with the same placeholders."""
    import re

    with open(ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    broken = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        names = set(re.findall(r"%\((\w+)\)", ids[0])) | {"num"}
        if _format_check(ids[0], names) is not None:
            continue  # only ever used unformatted (a WTForms label such as 'share (%)')
        for text in strings:
            if error := _format_check(text, names):
                broken.append((ids[0], text, error))
            elif set(re.findall(r"%\((\w+)\)", text)) - names:
                broken.append((ids[0], text, "a placeholder the source string does not have"))
    assert broken == []


def test_english_text_has_no_chinese_characters_or_full_width_punctuation():
    """The msgid is what an English reader sees: 'Pass (合格)' or '（¥300.00）' showed Chinese in English pages;
    the Chinese belongs in the zh_Hans_CN catalogue only."""
    import re

    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    found = sorted(message for _context, message in _source_strings() if cjk.search(message))
    assert found == []
