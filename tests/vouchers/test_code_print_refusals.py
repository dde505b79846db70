"""A resident's code or print request that is refused answers with the page again (422, or 409 when the page was
stale), saying why, and makes nothing: it was a flash after a redirect."""

from sqlalchemy import func, select

from audit.documents import IssuedDocument
from core.db import db
from vouchers.redemption_models import RedemptionCode

from .test_review_fixes import phone_holder, two_programmes, w  # noqa: F401 (fixtures)

EN = {"Accept-Language": "en"}


def made() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(RedemptionCode.id))),
            db.session.scalar(select(func.count(IssuedDocument.id))))


def test_printing_without_choosing_the_programme_is_refused_on_the_page(phone_holder, client, login_as):  # noqa: F811
    login_as(phone_holder)
    refused = client.post("/vouchers/me/print", headers=EN, data={})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Choose the programme whose vouchers you want to use." in page
    assert 'id="print-form"' in page and "programme_id-" in page  # the choices again, to choose one
    assert made() == (0, 0)


def test_a_code_for_a_programme_not_offered_is_refused_on_the_page(phone_holder, client, login_as):  # noqa: F811
    login_as(phone_holder)
    refused = client.post("/vouchers/me/code", headers=EN, data={"programme_id": "999999"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="code-form"' in page and 'class="alert alert-danger"' in page
    assert "Choose one of the programmes you have vouchers of." in page  # (WTForms said "Not a valid choice.")
    assert 'id="one-time-code"' not in page
    assert made() == (0, 0)


def test_a_code_without_a_programme_chosen_is_refused_on_the_page(phone_holder, client, login_as):  # noqa: F811
    login_as(phone_holder)
    refused = client.post("/vouchers/me/code", headers=EN, data={"programme_id": ""})
    assert refused.status_code == 422
    assert "Choose the programme whose vouchers you want to use." in refused.get_data(as_text=True)
    assert made() == (0, 0)
