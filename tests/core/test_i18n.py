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


def test_every_source_string_has_a_chinese_translation():
    """Extract strings the way `make messages` does and compare with the zh_Hans_CN catalogue."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    source = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=keywords,
        directory_filter=lambda d: not Path(d).name.startswith((".", "instance", "tests", "bench", "__")),
    ):
        source.add(message if isinstance(message, str) else message[0])
    with open(ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string
                  and not m.fuzzy}
    missing = sorted(source - translated)
    assert missing == [], f"untranslated: {missing[:20]}"
