"""The statement PDF of a settlement is one official document while the settlement stays as it is: each click on
"Statement PDF" issued a new document with a new verification code for the same unchanged statement. Once the
statement is approved or paid, it says something new, and the next click issues a new document."""

from sqlalchemy import func, select

from accounts.enums import Role
from audit.documents import IssuedDocument
from core.db import db
from tests.factories import make_user
from vouchers import documents, settlement
from vouchers.enums import SettlementStatus
from vouchers.redemption_models import Settlement

from .test_views import scene  # noqa: F401  (fixture)


def statements() -> int:
    return db.session.scalar(select(func.count(IssuedDocument.id))
                             .where(IssuedDocument.doc_type == documents.STATEMENT))


def click(client, settlement_id: int) -> str:
    response = client.post(f"/vouchers/settlements/{settlement_id}/statement")
    assert response.status_code == 302 and "/documents/" in response.headers["Location"]
    return response.headers["Location"]


def test_an_unchanged_statement_is_served_again_not_reissued(scene, client, login_as):  # noqa: F811
    login_as(scene.member)
    first = click(client, scene.settlement.id)
    assert click(client, scene.settlement.id) == first
    assert statements() == 1
    client.post("/logout")
    login_as(scene.w.officer)  # another reader of the same statement gets the same document
    assert click(client, scene.settlement.id) == first
    assert statements() == 1
    db.session.expire_all()
    code = db.session.get(Settlement, scene.settlement.id).document_code
    assert code and code in first


def test_an_approved_and_then_a_paid_statement_gets_a_new_document(app, scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    draft = click(client, scene.settlement.id)
    with app.test_request_context():
        found = db.session.get(Settlement, scene.settlement.id)
        settlement.transition_settlement(found, SettlementStatus.APPROVED, actor=scene.w.officer)
        db.session.commit()
    approved = click(client, scene.settlement.id)
    assert approved != draft
    assert click(client, scene.settlement.id) == approved
    with app.test_request_context():
        settlement.transition_settlement(db.session.get(Settlement, scene.settlement.id), SettlementStatus.PAID,
                                         actor=make_user(Role.OFFICER), payment_reference="BANK-20261207-01")
        db.session.commit()
    paid = click(client, scene.settlement.id)
    assert paid not in (draft, approved)
    assert click(client, scene.settlement.id) == paid
    assert statements() == 3
    db.session.expire_all()
    assert db.session.get(Settlement, scene.settlement.id).document_code in paid
