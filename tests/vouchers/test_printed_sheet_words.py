"""The printed voucher sheet (a resident without a phone carries it to a provider): it says the programme's monthly
limit, which a provider enforces, and is in Chinese only (its verification line said 验证码 Verification code)."""

import re

from audit.documents import document_content
from core.db import db
from vouchers import documents

from .helpers import world
from .test_pdfs import text_of


def sheet_text(app, **programme) -> str:
    with app.test_request_context():
        w = world(**programme)
        document, _code = documents.issue_printed_vouchers(w.resident, actor=w.staff)
    db.session.commit()
    return re.sub(r"\s+", "", text_of(document_content(document)))


def test_the_sheet_prints_the_monthly_limit_in_chinese_only(app, session):
    text = sheet_text(app, resident_cap_fen=20_000)
    assert "每月使用上限" in text and "每月最多可用服务券支付¥200.00" in text
    assert "验证码：" in text and "Verification" not in text
    assert not re.search(r"[A-Za-z]{4,}", text.split("验证码：")[0])  # no English word (the codes aside)


def test_a_programme_without_a_limit_prints_none(app, session):
    text = sheet_text(app)
    assert "每月使用上限" not in text and "服务券打印单" in text
