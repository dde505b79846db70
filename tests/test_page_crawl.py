"""Every page a demo user can reach by following links, as each role, answers without a server error, writes
nothing to the database (a GET changes no data), and a Chinese page shows no English left untranslated. The demo
data is the realistic case (every state of every object, in every role); following the links is what people do.
Each route (ids replaced) is visited once per role."""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.factories import login, logout

ROLES = ("officer", "org01", "expert1", "staff1", "resident1", "auditor", "admin")
PAGES_PER_ROLE = 90
NOT_FOLLOWED = ("/logout", "/lang/", "/static/", "/api/", "/documents/", "/verify/")
NOT_FOLLOWED_SUFFIXES = (".pdf", ".csv", ".xlsx", ".json")
# Pages whose English is meant: the API reference (for programmers) and the reference data's English names.
ENGLISH_PAGES = {"/api", "/orgs/reference"}
# Words that are the same in Chinese text: names of formats and standards, the language switch, and demo
# logins (user names are shown as they are).
SAME_IN_CHINESE = {"English", "API", "PDF", "CSV", "Excel", "QR", "SHA", "JSON", "HTTP", "HTTPS", "URL", "Ctrl",
                   "Bearer", "Authorization", "OpenAPI", "Markdown", "ID", "Gongzhi", "admin", "officer",
                   "auditor", "expert", "staff", "resident", "http", "https", "UTC", "ASCII", "token"}
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_@./:#%&=?-])[A-Za-z]{3,}(?![A-Za-z0-9_@.:/%=-])")
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "template"}


class Page(HTMLParser):
    """A page's links and the text a person reads or hears (visible text, placeholders, labels, titles), less
    code and what the page marks translate="no" (recorded data: the audit log's field names)."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.text: list[str] = []
        self._skipping = 0
        self._untranslated: list[str] = []  # the open elements marked translate="no" and those nested in them

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        if (tag == self._untranslated[0]) if self._untranslated else found.get("translate") == "no":
            self._untranslated.append(tag)  # (the outermost one's tag, counted while nested in itself)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])
        self.text += [found[name] for name in ("placeholder", "title", "aria-label", "alt") if found.get(name)]
        if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
            self.text.append(found["value"])

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1
        if self._untranslated and tag == self._untranslated[0]:
            self._untranslated.pop()

    def handle_data(self, data):
        if not self._skipping and not self._untranslated:
            self.text.append(data)


def route_of(path: str) -> str:
    return re.sub(r"/\d+", "/N", urlsplit(path).path)


def followed(base: str, href: str) -> str | None:
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(NOT_FOLLOWED) or parts.path.endswith(NOT_FOLLOWED_SUFFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


WRITES = ("INSERT", "UPDATE", "DELETE")


def writes_during(call) -> tuple[list[str], object]:
    """The statements that change data which a call runs (on any engine: the demo's database is not the app's
    default one), and its result."""
    writes: list[str] = []

    def spy(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement.split("(")[0].strip()[:60])

    event.listen(Engine, "before_cursor_execute", spy)
    try:
        result = call()
    finally:
        event.remove(Engine, "before_cursor_execute", spy)
    return writes, result


def crawl(client, username: str) -> tuple[list[str], dict[str, set[str]], int]:
    """(server errors and GETs that wrote, {English word: routes}, pages seen) for one demo user, following links
    from home."""
    logout(client)
    assert login(client, username, "gongzhi-demo").status_code == 302, username
    errors, english, routes, queue = [], {}, set(), deque(["/"])
    while queue and len(routes) < PAGES_PER_ROLE:
        path = queue.popleft()
        route = route_of(path)
        if route in routes:
            continue
        routes.add(route)
        writes, response = writes_during(lambda: client.get(path))  # noqa: B023 (called at once)
        if writes:
            errors.append(f"{username} GET {path} wrote: {sorted(set(writes))}")
        if response.status_code >= 500:
            errors.append(f"{username} GET {path}: {response.status_code}")
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = Page()
        page.feed(response.get_data(as_text=True))
        if route not in ENGLISH_PAGES:
            for word in ENGLISH_WORD.findall(" ".join(page.text)):
                if word not in SAME_IN_CHINESE:
                    english.setdefault(word, set()).add(route)
        queue.extend(link for href in page.links if (link := followed(path, href)))
    return errors, english, len(routes)


def test_every_page_reachable_from_home_answers_and_speaks_chinese(client, session, demo_data):
    errors, english, seen = [], {}, {}
    for username in ROLES:
        found_errors, found_english, seen[username] = crawl(client, username)
        errors += found_errors
        for word, routes in found_english.items():
            english.setdefault(word, set()).update(routes)
    # The crawl did reach the pages (not stuck at a login); a resident's menu holds only their own pages (vouchers,
    # the catalogue, needs, account), no calls or organisations.
    assert all(n >= (10 if role == "resident1" else 15) for role, n in seen.items()), seen
    assert errors == []
    assert {word: sorted(routes)[:3] for word, routes in english.items()} == {}
