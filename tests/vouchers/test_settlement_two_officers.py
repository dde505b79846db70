"""Above the two-person threshold (TWO_PERSON_APPROVAL_ABOVE_FEN, as for a contract's tranches), the officer who
approved a provider's statement cannot also record its payment: another officer does. At or below it, one officer
may do both. The settlement page hides the payment form from the approver and says why."""

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.errors import Forbidden
from tests.factories import logout, make_user
from tests.vouchers.test_settlement import settled_month  # noqa: F401  (the fixture)
from vouchers import settlement
from vouchers.enums import SettlementStatus
from vouchers.redemption_models import LedgerEntry


@pytest.fixture
def threshold(app):
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 2_000  # the month's statement (3,000 fen) is above it
    yield 2_000
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous


def approved_statement(settled):
    w, _redemptions, _dispute, later = settled
    [ready] = settlement.settleable(w.programme, now=later)
    statement = settlement.prepare_settlement(w.programme, w.org, ready.period, actor=w.officer, now=later)
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    return w, statement


def settle_rows(statement) -> list:
    return list(db.session.scalars(select(LedgerEntry.id).where(LedgerEntry.settlement_id == statement.id)))


def test_above_the_threshold_the_approver_cannot_record_the_payment(settled_month, threshold):  # noqa: F811
    w, statement = approved_statement(settled_month)
    assert settlement.needs_second_officer(statement)
    with pytest.raises(Forbidden):
        settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference="财付-1")
    assert statement.status == SettlementStatus.APPROVED and statement.paid_by_id is None
    assert settle_rows(statement) == []
    other = make_user(Role.OFFICER)
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=other, payment_reference="财付-1")
    assert (statement.status, statement.paid_by_id, statement.approved_by_id) == ("paid", other.id, w.officer.id)
    assert len(settle_rows(statement)) == 1


def test_at_or_below_the_threshold_one_officer_approves_and_pays(settled_month, app):  # noqa: F811
    w, statement = approved_statement(settled_month)
    assert not settlement.needs_second_officer(statement)  # the default threshold is ¥100,000
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference="财付-2")
    assert statement.status == "paid" and statement.paid_by_id == w.officer.id


def test_the_page_hides_the_payment_from_the_approver_and_offers_it_to_another(settled_month, threshold, client,  # noqa: F811
                                                                                  login_as, session):
    w, statement = approved_statement(settled_month)
    other = make_user(Role.OFFICER)
    session.commit()
    login_as(w.officer)
    page = client.get(f"/vouchers/settlements/{statement.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="pay-form"' not in page and "another officer records its payment" in page
    refused = client.post(f"/vouchers/settlements/{statement.id}/paid", data={"payment_reference": "财付-3"})
    assert refused.status_code in (302, 403)
    db.session.refresh(statement)
    assert statement.status == "approved"
    logout(client)
    login_as(other)
    page = client.get(f"/vouchers/settlements/{statement.id}").get_data(as_text=True)
    assert other.display_name in page
    assert 'id="pay-form"' in page and 'id="second-officer"' not in page
