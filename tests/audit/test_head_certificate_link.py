"""The audit chain's status certificate leads an outsider to the public head page (audit.head) to compare: the PDF
prints the page's address, its link filled in with the certificate's head so the page checks it at once, and the
certificate's verification page links to the head page as what the document is about. The PDF named the page only
("审计链"), and its verification page had no way on."""

import io
import re
from urllib.parse import parse_qs, urlsplit

from pypdf import PdfReader

from accounts.enums import Role
from audit import verification
from audit.documents import IssuedDocument
from core.db import db
from tests.factories import make_user

LINK = re.compile(r'<a href="([^"]*)" id="doc-public-link">([^<]*)</a>')


def _issue(client, login_as) -> IssuedDocument:
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)
    response = client.post("/audit/head/certificate")
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    client.post("/logout")
    return db.session.query(IssuedDocument).filter_by(code=code).one()


def _link_targets(pdf: bytes) -> list[str]:
    return [annot.get_object()["/A"]["/URI"] for page in PdfReader(io.BytesIO(pdf)).pages
            for annot in page.get("/Annots") or [] if "/A" in annot.get_object()]


def test_the_certificate_prints_the_head_pages_address_linked_to_check_its_head(client, session, login_as):
    document = _issue(client, login_as)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "http://gongzhi.test/audit/head" in text.replace("\n", "")  # PUBLIC_BASE_URL, as a person types it
    (head_link,) = [t for t in _link_targets(document.content) if "/audit/head" in t]
    parts = urlsplit(head_link)
    asked = {k: v[0] for k, v in parse_qs(parts.query).items()}
    certified_seq = int(asked["seq"])
    assert parts.netloc == "gongzhi.test" and asked["hash"] == verification.hash_at(certified_seq)
    assert asked["hash"] in text.replace("\n", "")  # the head the certificate states, in its table

    # followed by an outsider, later (the chain has moved on): the page checks the certificate's head
    page = client.get(f"{parts.path}?{parts.query}").get_data(as_text=True)
    assert verification.head().seq > certified_seq
    assert 'id="kept-result" data-matched="yes"' in page
    assert f"一致：审计链在第 {certified_seq} 号事件处仍是这个哈希值。" in page


def test_the_certificates_verification_page_links_to_the_head_page(client, session, login_as):
    document = _issue(client, login_as)
    body = client.get(f"/verify/{document.code}").get_data(as_text=True)  # anyone, not signed in
    assert 'id="issued-confirmation"' in body
    assert LINK.search(body).groups() == ("/audit/head", "审计链链头")
    english = client.get(f"/verify/{document.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert LINK.search(english).groups() == ("/audit/head", "Audit chain head")
    assert client.get("/audit/head").status_code == 200  # public: the link leads somewhere an outsider may go
