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


def test_printing_is_behind_what_it_does_and_a_refusal_opens_it(phone_holder, client, login_as):  # noqa: F811
    """One tap made a sheet (new codes, the earlier sheet's cancelled) before: the page says what printing does
    first, folded away, and opens it again with the refusal."""
    login_as(phone_holder)
    page = client.get("/vouchers/me", headers=EN).get_data(as_text=True)
    details = page[page.index('id="print-details"'):page.index("</details>")]
    assert '<details class="mb-4 voucher-big" id="print-details">' in page  # closed
    assert "several one-time codes, each used once, valid for a week" in details
    assert 'id="print-form"' in details and "Make the page (PDF)" in details
    refused = client.post("/vouchers/me/print", headers=EN, data={}).get_data(as_text=True)
    assert 'id="print-details" open>' in refused
    assert made() == (0, 0)


def test_the_page_warns_that_a_new_sheet_cancels_the_one_printed(w, phone_holder, client, login_as):  # noqa: F811
    login_as(phone_holder)
    warning = "A new page cancels the codes of the page you printed before"
    assert warning not in client.get("/vouchers/me", headers=EN).get_data(as_text=True)
    printed = client.post("/vouchers/me/print", headers=EN, data={"programme_id": str(w.programme.id)})
    assert printed.status_code == 302 and made()[1] == 1
    assert warning in client.get("/vouchers/me", headers=EN).get_data(as_text=True)
