"""The results announcement PDF says what the web page says (QA walk): a proposal is 拟确定承接方 or 未确定为承接方,
not 拟中标（成交）/未中标; and its 结果 column has room for them, as it had not (every header of the five-column table
took the documents' 30% label width, so 结果 wrapped one character a line)."""

import datetime
import io
from types import SimpleNamespace

from pypdf import PdfReader

from core.pdf import render_pdf

ORG = "幸福街道阳光社会工作服务中心"


def decision(rank: int, awarded: bool, name: str = ORG):
    return SimpleNamespace(
        rank=rank,
        awarded=awarded,
        final_score="88.50",
        amount_fen=15_000_000 if awarded else 0,
        proposal=SimpleNamespace(org=SimpleNamespace(name=name)),
    )


def announcement_lines(app) -> list[str]:
    publicity = SimpleNamespace(
        starts_on=datetime.date(2026, 12, 7), ends_on=datetime.date(2026, 12, 11), working_days=5, decision_reason=""
    )
    call = SimpleNamespace(title="2027 年幸福街道为老服务项目")
    with app.test_request_context():
        pdf = render_pdf(
            "projects/results_pdf.html",
            call=call,
            publicity=publicity,
            title="结果公示",
            decisions=[decision(1, True), decision(2, False, "和平社区邻里互助服务社")],
        )
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return [line.strip() for line in text.splitlines()]


def test_the_results_announcement_says_the_pages_terms(app):
    text = "".join("".join(line.split()) for line in announcement_lines(app))
    assert "拟确定承接方" in text and "未确定为承接方" in text
    assert "中标" not in text and "成交" not in text


def test_the_result_column_keeps_its_words_whole(app):
    lines = announcement_lines(app)
    text = "\n".join(lines)
    for word in ("拟确定承接方", "未确定为承接方", "结果", "最终得分", "150,000.00"):
        assert word in text, word  # whole on one line, not one character a line
    assert not [line for line in lines if len(line) == 1 and "\u4e00" <= line <= "\u9fff"]
