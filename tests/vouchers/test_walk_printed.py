"""The QA walk's printed sheet (a resident without a phone): its code works once, and the sheet and the provider's
refusal of a used or expired printed code say so and where a new sheet comes from (the community office), instead of
"请居民重新获取", which a resident without a phone cannot do."""

import re
from datetime import timedelta

import pytest

from audit.documents import document_content
from core.db import db, utcnow
from core.errors import Conflict
from vouchers import documents, redemption

from .helpers import world
from .test_codes_and_limits import ZH, committed, printed, redeem_form
from .test_pdfs import text_of


def test_the_sheet_says_its_code_works_once_and_where_to_get_a_new_sheet(app, session):
    with app.test_request_context():
        w = world()
        document, _code = documents.issue_printed_vouchers(w.resident, actor=w.staff)
    db.session.commit()
    text = re.sub(r"\s+", "", text_of(document_content(document)))
    assert "此码使用一次后即失效" in text
    assert "请到所在社区（和平社区）办公室领取新的打印单" in text


def test_a_used_printed_code_is_refused_with_where_to_get_a_new_sheet(app, session, client, login_as):
    w = committed(app, world)
    code = printed(app, w.resident, w.staff)
    committed(app, lambda: redemption.redeem(code, w.service, 1000, "k-1", actor=w.manager))
    login_as(w.manager)
    refused = redeem_form(client, w, code, "10", key="form-2")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "打印单上的每个核销码只能使用一次" in page and "到所在社区办公室领取新的打印单" in page
    assert "请居民重新获取" not in page


def test_an_expired_printed_code_says_the_same_office(app, session):
    w = committed(app, world)
    code = printed(app, w.resident, w.staff)
    with app.test_request_context(headers=ZH), pytest.raises(Conflict) as refused:
        redemption.redeem(code, w.service, 1000, "k-1", actor=w.manager, now=utcnow() + timedelta(days=8))
    assert refused.value.code == "code_expired" and "领取新的打印单" in refused.value.message
    db.session.rollback()


def test_a_phone_code_keeps_its_own_words(app, session):
    w = committed(app, world)
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    committed(app, lambda: redemption.redeem(code, w.service, 1000, "k-1", actor=w.manager))
    with app.test_request_context(headers=ZH), pytest.raises(Conflict) as refused:
        redemption.redeem(code, w.service, 1000, "k-2", actor=w.manager)
    assert refused.value.message == "该核销码已使用，请居民重新获取。"
    db.session.rollback()
