"""Spreadsheet (CSV) downloads: one writer for every export.

What Excel and a finance department need, in one place:
- UTF-8 with a byte-order mark, or Excel on Windows reads Chinese as mojibake; CRLF line ends, RFC 4180 quoting;
- text someone typed (a service's or organisation's name) never runs as a formula: a cell starting with = + - @,
  a tab or a carriage return gets a leading apostrophe (OWASP's CSV injection advice). Figures the exporter
  produced itself (amounts, ids, times) are marked `Raw` and written as they are, so '-50.00' stays a number;
- amounts come from integer fen through core.money, never through a float;
- the file streams: rows are written as the iterable yields them, a few hundred at a time, so an export of a
  million ledger rows holds one chunk in memory, not the file;
- `Content-Disposition: attachment` with an ASCII filename and the real (Chinese) one as RFC 5987 filename*;
  `Cache-Control: no-store` (the files carry residents' masked names and amounts).

An export of people's data (even masked) is recorded by its exporter with audit.services.record before the
response is returned, and the view commits then: the generator runs after the view, so it cannot record, and
holding the audit append's lock for a whole download would stall every other change.
"""

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from flask import Response, stream_with_context

from .money import input_text
from .timeutil import format_local

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500  # rows joined into one piece of the response body
MIMETYPE = "text/csv"


class Raw(str):
    """A cell the exporter produced itself (an amount, a number, a time): written as is, never guarded."""


def yuan(fen: int | None) -> Raw:
    """Integer fen as a plain signed yuan figure a spreadsheet reads as a number: -123450 -> '-1234.50'."""
    return Raw(input_text(fen))


def number(value: int | None) -> Raw:
    return Raw("" if value is None else str(int(value)))


def day(value) -> Raw:
    """A date as the pages show it (YYYY-MM-DD; dates are Beijing dates already), or nothing."""
    return Raw(value.isoformat() if value else "")


def beijing_time(value) -> Raw:
    """A UTC moment in Beijing time, to the second."""
    return Raw(format_local(value, "%Y-%m-%d %H:%M:%S"))


def safe_text(value: str) -> str:
    """User-entered text that a spreadsheet would read as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return safe_text(str(value))  # str, lazy strings, anything else: text
    return str(value)  # an int is a count or an id (amounts go through yuan())


class _Lines:
    """csv.writer's file: collects what it writes."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def generate(rows: Iterable[Iterable], *, per_chunk: int = ROWS_PER_CHUNK) -> Iterator[str]:
    """The file's text in pieces: the BOM, then the rows (header rows included, as the caller yields them)."""
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    yield BOM
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending >= per_chunk:
            yield lines.take()
            pending = 0
    if pending:
        yield lines.take()


_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def clean_filename(stem: str, limit: int = 100) -> str:
    """A filename's stem without path separators, quotes, control characters or characters Windows refuses."""
    stem = re.sub(r"-{2,}", "-", _UNSAFE_IN_NAME.sub("-", unicodedata.normalize("NFC", stem)))
    return stem.strip(" .-")[:limit].strip(" .-") or "export"


def ascii_filename(stem: str) -> str:
    """The ASCII stem for clients that ignore filename*: accents dropped, other characters out."""
    flat = unicodedata.normalize("NFKD", clean_filename(stem)).encode("ascii", "ignore").decode()
    flat = re.sub(r"[^A-Za-z0-9._-]+", "-", flat)
    return re.sub(r"-{2,}", "-", flat).strip("-.") or "export"


def content_disposition(stem: str, fallback: str | None = None, extension: str = ".csv") -> str:
    """attachment; filename="<ASCII>"; filename*=UTF-8''<the real name, percent-encoded> (RFC 6266 / 5987). stem
    and fallback are names without their extension; fallback defaults to stem's ASCII characters."""
    real = clean_filename(stem) + extension
    plain = ascii_filename(fallback or stem) + extension
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(real, safe='')}"


def csv_response(rows: Iterable[Iterable], stem: str, *, fallback: str | None = None) -> Response:
    """A streamed CSV download named stem.csv (fallback.csv for old clients). rows is consumed while the response
    is sent, inside the request's context, so a generator may run its database queries and translations then."""
    response = Response(stream_with_context(generate(rows)), mimetype=MIMETYPE)  # text/csv; charset=utf-8
    response.headers["Content-Disposition"] = content_disposition(stem, fallback)
    response.headers["Cache-Control"] = "no-store"
    return response
