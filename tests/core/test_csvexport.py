"""core.csvexport: the BOM, quoting, the formula guard, exact amounts, the download headers and streaming."""

import csv
import io
from urllib.parse import unquote

import pytest

from core.csvexport import (
    BOM,
    Raw,
    content_disposition,
    csv_response,
    generate,
    number,
    safe_text,
    yuan,
)


def parse(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点击")', "+1+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1", "=", "-"])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    [[written]] = parse("".join(generate([[text]])))
    assert written == "'" + text


@pytest.mark.parametrize("text", ["张三助餐", "1+1", "a=b", " =x", "（=）", "", "'quoted"])
def test_ordinary_text_is_written_as_it_is(text):
    assert safe_text(text) == text
    [[written]] = parse("".join(generate([[text]])))
    assert written == text


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (1, "0.01"), (5, "0.05"), (-5, "-0.05"), (100, "1.00"),
                                           (123456, "1234.56"), (-123456, "-1234.56"),
                                           (10**15, "10000000000000.00"), (-(10**15) - 1, "-10000000000000.01")])
def test_amounts_are_exact_from_fen_and_never_guarded(fen, text):
    assert yuan(fen) == text and isinstance(yuan(fen), Raw)
    [[written]] = parse("".join(generate([[yuan(fen)]])))
    assert written == text  # '-0.05' keeps its minus sign: a number, not a formula


def test_amounts_refuse_floats():
    with pytest.raises(TypeError):
        yuan(12.5)


def test_numbers_none_and_quoting():
    rows = [[number(7), 42, None, number(None), 'say "hi", then\nleave', "逗号，中文"]]
    text = "".join(generate(rows))
    assert text == BOM + '7,42,,,"say ""hi"", then\nleave",逗号，中文\r\n'
    assert parse(text) == [["7", "42", "", "", 'say "hi", then\nleave', "逗号，中文"]]


def test_rows_come_out_a_chunk_at_a_time():
    taken = []

    def rows():
        for i in range(5):
            taken.append(i)
            yield [number(i)]

    pieces = generate(rows(), per_chunk=2)
    assert next(pieces) == BOM and taken == []  # nothing read before it is needed
    assert next(pieces) == "0\r\n1\r\n" and taken == [0, 1]
    assert list(pieces) == ["2\r\n3\r\n", "4\r\n"]


def test_content_disposition_has_an_ascii_name_and_the_chinese_one():
    header = content_disposition("结算明细-幸福/养老\"中心\"-2026-05-第1次", "settlement-12-2026-05-1")
    assert header.startswith('attachment; filename="settlement-12-2026-05-1.csv"; filename*=UTF-8\'\'')
    real = unquote(header.split("filename*=UTF-8''")[1])
    assert real == "结算明细-幸福-养老-中心-2026-05-第1次.csv"  # no path separator or quote from the name
    assert header.isascii()


def test_content_disposition_without_fallback_keeps_the_ascii_part():
    header = content_disposition("Café ledger 2026")
    assert 'filename="Cafe-ledger-2026.csv"' in header and "filename*=UTF-8''Caf%C3%A9%20ledger%202026.csv" in header
    assert 'filename="export.csv"' in content_disposition("台账")


def test_csv_response_streams_with_download_headers(app):
    with app.test_request_context():
        response = csv_response(iter([["名称", "金额"], ["=1", yuan(-100)]]), "测试", fallback="test")
        assert response.is_streamed
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="test.csv"')
        raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    body = raw.decode("utf-8")
    assert parse(body) == [["名称", "金额"], ["'=1", "-1.00"]]
