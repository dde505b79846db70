import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError

from accounts.enums import Role
from audit import documents, verification
from audit.models import AuditEvent
from core.db import db
from core.pdf import StaticOnlyFetcher
from core.timeutil import utcnow
from tests.factories import make_user


def pdf_fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def issue_certificate(actor):
    return documents.issue_document("audit/head_certificate.html", title="审计链状态证明", doc_type="audit_head",
                                    actor=actor, head=verification.head(), result=verification.verify(),
                                    issued_at=utcnow(), issuer=actor)


def test_chinese_pdf_text_and_embedded_cjk_font(app, session):
    with app.test_request_context():
        officer = make_user(Role.AUDITOR, display_name="赵敏")
        document = issue_certificate(officer)
    pdf = document.content
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "审计链状态证明" in text and "赵敏" in text and "完整，未发现改动" in text
    assert document.display_code.replace("-", "") == document.code
    assert any("WenQuanYi" in name or "CJK" in name for name in pdf_fonts(pdf))
    # One face for the whole document (heading, table heads, the code in <strong>, the hash and address in .mono):
    # each face is subset and embedded on its own, and the subsetting is most of a document's rendering time.
    assert len(pdf_fonts(pdf)) == 1, pdf_fonts(pdf)
    assert hashlib.sha256(pdf).hexdigest() == document.sha256
    event = db.session.query(AuditEvent).filter_by(action="document.issued").one()
    assert document.sha256 in event.data


def test_fetcher_refuses_anything_but_static_files(app, tmp_path):
    fetcher = StaticOnlyFetcher(Path(app.static_folder))
    for url in ("http://127.0.0.1:9/secret", "file:///etc/passwd", "https://example.com/a.css"):
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)
    css = (Path(app.static_folder) / "css" / "app.css").resolve().as_uri()
    assert fetcher.fetch(css) is not None


def test_a_document_linking_an_outside_resource_is_not_rendered(app):
    root = Path(app.static_folder)
    html = HTML(string='<link rel="stylesheet" href="file:///etc/passwd"><p>x</p>', base_url=root.as_uri() + "/",
                url_fetcher=StaticOnlyFetcher(root))
    with pytest.raises(FatalURLFetchingError):
        html.write_pdf()


def test_verify_page_by_code_upload_and_hash(app, client, session):
    with app.test_request_context():
        auditor = make_user(Role.AUDITOR)
        document = issue_certificate(auditor)
    db.session.commit()
    page = client.get(f"/verify/{document.display_code}")
    assert page.status_code == 200 and document.sha256 in page.get_data(as_text=True)
    same = client.post(f"/verify/{document.code}", data={"file": (io.BytesIO(document.content), "x.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-matched="yes"' in same
    tampered = document.content + b"\n% one more byte\n"
    other = client.post(f"/verify/{document.code}", data={"file": (io.BytesIO(tampered), "x.pdf")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-matched="no"' in other
    by_hash = client.post("/verify", data={"sha256": document.sha256.upper()}).get_data(as_text=True)
    assert 'data-matched="yes"' in by_hash and document.title in by_hash
    bad = client.post("/verify", data={"sha256": "not-a-hash"}).get_data(as_text=True)
    assert "data-matched" not in bad
    assert client.get("/verify/NOPE-NOPE-NOPE").status_code == 404


def test_only_issuer_and_auditors_download_the_file(app, client, session, login_as):
    with app.test_request_context():
        auditor = make_user(Role.AUDITOR)
        document = issue_certificate(auditor)
    stranger = make_user(Role.RESIDENT)
    db.session.commit()
    assert client.get(f"/documents/{document.code}.pdf").status_code == 302
    login_as(stranger)
    assert client.get(f"/documents/{document.code}.pdf").status_code == 403
    client.post("/logout")
    login_as(auditor)
    response = client.get(f"/documents/{document.code}.pdf")
    assert response.status_code == 200 and response.data == document.content


def test_head_certificate_issued_from_the_head_page(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)
    response = client.post("/audit/head/certificate")
    assert response.status_code == 302 and "/verify/" in response.headers["Location"]
    assert db.session.query(documents.IssuedDocument).count() == 1
