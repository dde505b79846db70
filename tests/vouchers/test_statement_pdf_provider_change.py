"""A statement PDF is issued once per version of what it prints, and what it prints includes the provider's registered
name and credit code: after an approved change registration (变更登记) the statement was served again as first
issued, with the old name and code, because its version was only the settlement's own changes. Now the next click
issues a new document with the new identity; the earlier stays verifiable as issued."""

import io

from pypdf import PdfReader
from sqlalchemy import func, select

from audit.documents import IssuedDocument
from core.db import db
from orgs import changes
from orgs.enums import ChangeStatus
from orgs.models import Organisation
from tests.orgs.helpers import make_uscc
from vouchers import documents
from vouchers.models import VoucherService
from vouchers.redemption_models import Settlement

from .test_statement_pdf_reissue import click
from .test_views import scene  # noqa: F401  (fixture)


def document(location: str) -> IssuedDocument:
    """The document a click was sent to download (its code in the address)."""
    found = db.session.scalars(select(IssuedDocument).where(IssuedDocument.doc_type == documents.STATEMENT))
    return next(d for d in found if f"/{d.code}" in location)


def pdf_text(issued: IssuedDocument) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(issued.content)).pages)


def statements() -> int:
    return db.session.scalar(select(func.count(IssuedDocument.id))
                             .where(IssuedDocument.doc_type == documents.STATEMENT))


def test_a_provider_renamed_by_its_change_registration_gets_a_new_statement(app, scene, client,  # noqa: F811
                                                                           login_as):
    org = db.session.get(Organisation, scene.w.org.id)
    old_name, old_code = org.name, org.uscc
    new_name, new_code = "和平为老服务中心（更名）", make_uscc(old_code[1], 6_520_901, head=old_code[0])
    login_as(scene.member)
    first = click(client, scene.settlement.id)
    assert click(client, scene.settlement.id) == first and statements() == 1  # unchanged: the same document
    issued_first = document(first)
    assert old_code in pdf_text(issued_first)

    with app.test_request_context():
        org = db.session.get(Organisation, scene.w.org.id)
        items = changes.RegisteredItems(name=new_name, uscc=new_code, legal_representative=org.legal_representative,
                                        address=org.address)
        change = changes.request_change(org, items, "证书换发", actor=scene.member)
        changes.transition_change(change, ChangeStatus.APPROVED, actor=scene.w.officer)
        db.session.commit()

    second = click(client, scene.settlement.id)
    assert second != first and statements() == 2
    issued = document(second)
    text = pdf_text(issued)
    assert new_code in text and old_code not in text
    assert new_name in issued.title and new_name in text.replace("\n", "")
    assert click(client, scene.settlement.id) == second and statements() == 2  # and then the same again
    db.session.expire_all()
    assert db.session.get(Settlement, scene.settlement.id).document_code == issued.code

    # The earlier document is still what it was: verifiable, with the old identity.
    kept = db.session.get(IssuedDocument, issued_first.id)
    assert kept.code in first and old_code in pdf_text(kept) and old_name in kept.title
    verified = client.get(f"/verify/{kept.code}")
    assert verified.status_code == 200 and old_name in verified.get_data(as_text=True)


def test_only_the_credit_code_changed_is_a_new_statement_too(app, scene, client, login_as):  # noqa: F811
    """The credit code is printed but not in the title (which compared the name only)."""
    login_as(scene.w.officer)
    first = click(client, scene.settlement.id)
    org = db.session.get(Organisation, scene.w.org.id)
    old_code = org.uscc
    org.uscc = make_uscc(old_code[1], 6_520_902, head=old_code[0])
    db.session.commit()
    second = click(client, scene.settlement.id)
    assert second != first and statements() == 2
    assert org.uscc in pdf_text(document(second)) and old_code in pdf_text(document(first))
    assert click(client, scene.settlement.id) == second


def test_a_renamed_service_on_its_lines_is_a_new_statement(app, scene, client, login_as):  # noqa: F811
    """Anything else printed that can change after the statement is drawn up: here a line's service name."""
    login_as(scene.w.officer)
    first = click(client, scene.settlement.id)
    db.session.get(VoucherService, scene.w.service.id).name = "助餐服务（午餐）"
    db.session.commit()
    second = click(client, scene.settlement.id)
    assert second != first and "助餐服务（午餐）" in pdf_text(document(second)).replace("\n", "")
    assert click(client, scene.settlement.id) == second and statements() == 2
