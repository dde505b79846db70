"""Voucher PDFs: the settlement statement and printed vouchers carry Chinese text, an embedded CJK font, their
verification record and QR code; issuing them is audited and reachable from the pages."""

import hashlib
import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from audit.documents import IssuedDocument, document_content
from core.db import db
from core.personal import decrypt, mask_name
from tests.core.test_pdf import pdf_fonts
from vouchers import documents, redemption
from vouchers.redemption_models import RedemptionCode

from .helpers import events, id_number
from .test_views import scene  # noqa: F401  (fixture)


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_settlement_statement_pdf(app, scene):  # noqa: F811
    with app.test_request_context():
        document = documents.issue_statement(scene.settlement, actor=scene.w.officer)
    text = text_of(document_content(document))
    assert "服务券结算单" in text and scene.w.org.name in text and "¥30.00" in text and "验证码" in text
    assert any("WenQuanYi" in name or "CJK" in name for name in pdf_fonts(document_content(document)))
    assert hashlib.sha256(document_content(document)).hexdigest() == document.sha256
    assert document.target_type == "voucher_settlements" and document.target_id == str(scene.settlement.id)
    assert scene.settlement.document_code == document.code
    assert events("document.issued")[-1].target_id == str(document.id)


def test_printed_vouchers_pdf_with_one_time_codes(app, scene):  # noqa: F811
    with app.test_request_context():
        document, codes = documents.issue_printed_vouchers(scene.resident, actor=scene.w.staff)
    text = text_of(document_content(document))
    assert "服务券打印单" in text and scene.resident.real_name in text and codes and all(c in text for c in codes)
    assert scene.resident.id_masked in text
    assert any("WenQuanYi" in name or "CJK" in name for name in pdf_fonts(document_content(document)))
    assert events("voucher.code_issued")[-1].actor_id == scene.w.staff.id


def test_a_printed_code_lasts_a_week_not_five_minutes(app, scene):  # noqa: F811
    """A resident without a phone carries the sheet to a provider on another day: a code that expired five minutes
    after printing was useless."""
    with app.test_request_context():
        _document, [code, *_others] = documents.issue_printed_vouchers(scene.resident, actor=scene.w.staff)
    row = db.session.scalar(select(RedemptionCode).where(RedemptionCode.printed.is_(True))
                            .order_by(RedemptionCode.id).limit(1))  # the sheet's first code
    assert row.expires_at - row.created_at == redemption.PRINTED_CODE_TTL == timedelta(days=7)
    with app.test_request_context():
        spent = redemption.redeem(code, scene.w.service, 1000, "paper-slip", actor=scene.w.manager,
                                  now=row.created_at + timedelta(days=6, hours=23))
    assert spent.redemption.amount_fen == 1000


def test_pages_issue_and_serve_the_pdfs(scene, client, login_as):  # noqa: F811
    login_as(scene.member)
    response = client.post(f"/vouchers/settlements/{scene.settlement.id}/statement")
    assert response.status_code == 302 and "/documents/" in response.headers["Location"]
    pdf = client.get(response.headers["Location"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and "服务券结算单" in text_of(pdf.data)
    client.post("/logout")
    login_as(scene.w.staff)
    printed = client.post(f"/vouchers/residents/{scene.resident.id}/print")
    assert printed.status_code == 302
    assert "服务券打印单" in text_of(client.get(printed.headers["Location"]).data)
    db.session.expire_all()
    kinds = set(db.session.scalars(select(IssuedDocument.doc_type)))
    assert {documents.STATEMENT, documents.PRINTED} <= kinds


def test_other_organisation_cannot_issue_the_statement(scene, client, login_as):  # noqa: F811
    login_as(scene.other_member)
    assert client.post(f"/vouchers/settlements/{scene.settlement.id}/statement").status_code == 403
    assert db.session.scalar(select(IssuedDocument.id).where(IssuedDocument.doc_type == documents.STATEMENT)) is None


def test_auditors_read_statements_but_issue_none(scene, client, login_as):  # noqa: F811
    login_as(scene.member)
    issued = client.post(f"/vouchers/settlements/{scene.settlement.id}/statement").headers["Location"]
    client.post("/logout")
    login_as(scene.auditor)
    page = client.get(f"/vouchers/settlements/{scene.settlement.id}").get_data(as_text=True)
    assert 'id="statement-pdf"' not in page
    before = db.session.scalar(select(func.count(IssuedDocument.id)))
    assert client.post(f"/vouchers/settlements/{scene.settlement.id}/statement").status_code == 403
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == before
    assert client.get(issued).status_code == 200  # what was issued, they may read


def test_the_printed_sheet_names_the_resident_masked_on_the_public_record(app, scene, client):  # noqa: F811
    with app.test_request_context():
        document, _code = documents.issue_printed_vouchers(scene.resident, actor=scene.w.staff)
    db.session.commit()
    assert scene.resident.real_name in text_of(document_content(document))  # the sheet itself is the resident's
    public = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert scene.resident.real_name not in public and mask_name(scene.resident.real_name) in public


def test_only_officers_look_residents_up_by_id_number(scene, client, login_as):  # noqa: F811
    """An auditor's attempt is refused before the lookup: the answer is the same for a registered number."""
    login_as(scene.auditor)
    url = f"/vouchers/programmes/{scene.w.programme.id}/issue"
    for number in (decrypt(scene.resident.id_number_enc), id_number(n=999)):
        assert client.post(url, data={"id_number": number, "period": "2026-01"}).status_code == 403
