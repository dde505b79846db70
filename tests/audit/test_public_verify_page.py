"""The public pages of the audit trail as an outsider reads them: the verification page names a document's issuer in
full only when they acted in office (staff, evaluators) or to whoever may download the document, a private person
(a resident printing her own vouchers) masked; a SHA-256 is read as the usual tools print it; a document's page
leads on to another code; the chain's head says when it was read."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from accounts.enums import Role
from audit import documents, verification
from audit.views import pasted_digest
from core.db import db
from core.timeutil import to_local, utcnow
from tests.audit.test_chain import disable_append_only_guard
from tests.factories import make_user

DIGEST = "d63ecfe3d7635a349d0e11d7ef2557fbfb5881c18ba77dd8bfe3e1aacb36d8bb"


def issued_by(app, issuer):
    with app.test_request_context():
        document = documents.issue_document("audit/head_certificate.html", title="审计链状态证明",
                                            doc_type="audit_head", actor=issuer, head=verification.head(),
                                            result=verification.verify(), issued_at=utcnow(), issuer=issuer)
    db.session.commit()
    return document


def issuer_shown(response) -> str:
    return re.search(r'id="doc-issuer">([^<]*)<', response.get_data(as_text=True)).group(1)


def test_a_private_persons_name_is_masked_for_the_public(app, client, session):
    resident = make_user(Role.RESIDENT, display_name="钱桂英")
    document = issued_by(app, resident)
    response = client.get(f"/verify/{document.code}")
    assert response.status_code == 200
    assert issuer_shown(response) == "钱**"
    assert "钱桂英" not in response.get_data(as_text=True)


def test_an_organisation_members_name_is_masked_too(app, client, session):
    document = issued_by(app, make_user(display_name="张明远"))  # no platform role: an organisation's member
    assert issuer_shown(client.get(f"/verify/{document.code}")) == "张**"


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.ADMIN, Role.COMMUNITY_STAFF, Role.EVALUATOR])
def test_staff_acting_in_office_are_named(app, client, session, role):
    document = issued_by(app, make_user(role, display_name="王芳（幸福街道办 采购岗）"))
    assert issuer_shown(client.get(f"/verify/{document.code}")) == "王芳（幸福街道办 采购岗）"


def test_whoever_may_download_sees_the_name_in_full(app, client, session, login_as):
    resident = make_user(Role.RESIDENT, display_name="钱桂英")
    document = issued_by(app, resident)
    login_as(resident)  # the issuer may download their own document
    response = client.get(f"/verify/{document.code}")
    assert issuer_shown(response) == "钱桂英" and f"/documents/{document.code}.pdf" in response.get_data(as_text=True)


def test_a_documents_page_leads_to_another_code_and_gives_the_time_zone(app, client, session):
    document = issued_by(app, make_user(Role.AUDITOR))
    body = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert re.search(r'<a href="/verify" id="another-code">查询其他验证码</a>', body)
    assert "（北京时间）" in body
    assert 'id="code-lookup"' not in body  # the look-up form is on /verify itself
    assert 'id="another-code"' not in client.get("/verify").get_data(as_text=True)


@pytest.mark.parametrize("pasted", [
    DIGEST,
    DIGEST.upper(),                                                   # PowerShell's Get-FileHash
    " ".join(DIGEST[i:i + 2] for i in range(0, 64, 2)),               # certutil, in byte pairs
    DIGEST[:40] + "\n" + DIGEST[40:],                                  # wrapped over two lines
    f"{DIGEST}  公告.pdf",                                             # sha256sum
    f"SHA2-256(公告.pdf)= {DIGEST}",                                   # openssl dgst
    f"SHA256 hash of 公告.pdf:\r\n{DIGEST}\r\nCertUtil: -hashfile command completed successfully.",
])
def test_a_sha256_is_read_as_the_tools_print_it(pasted):
    assert pasted_digest(pasted) == DIGEST


@pytest.mark.parametrize("pasted", ["", "abc", DIGEST[:-1], DIGEST + "0", f"{DIGEST} {DIGEST[::-1]}",
                                    DIGEST[:-1] + "g"])
def test_anything_else_is_not_a_sha256(pasted):
    assert pasted_digest(pasted) is None


def test_a_pasted_sha256_with_its_file_name_finds_the_document(app, client, session):
    document = issued_by(app, make_user(Role.AUDITOR))
    response = client.post("/verify", data={"sha256": f"{document.sha256.upper()}  审计链状态证明.pdf"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-matched="yes"' in body and document.code in body


def test_a_bad_sha256_is_refused_beside_the_field_and_kept(client, session):
    response = client.post("/verify", data={"sha256": "not-a-digest"})
    body = response.get_data(as_text=True)
    assert 'id="sha256-error"' in body and 'value="not-a-digest"' in body and 'id="check-result"' not in body


def test_the_head_page_says_when_it_was_read(client, session):
    body = client.get("/audit/head").get_data(as_text=True)
    read_at = re.search(r'id="head-read-at">(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) （北京时间）<', body)
    shown = datetime.strptime(read_at.group(1), "%Y-%m-%d %H:%M:%S")
    assert abs(shown - to_local(utcnow()).replace(tzinfo=None)) < timedelta(minutes=1)  # Shanghai, not UTC


def test_issuing_a_head_certificate_says_whether_the_chain_is_intact(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)
    events_before = verification.head().seq  # the chain as verified, before the certificate's own event
    response = client.post("/audit/head/certificate")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'alert-success" role="alert">审计链完整：已逐条核验全部 {events_before} 个事件。'
                     rf'证明已签发。<', page)


def test_a_broken_chain_is_said_on_the_page_not_only_in_the_pdf(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)
    disable_append_only_guard()
    db.session.execute(text("UPDATE audit_events SET action = 'forged' WHERE seq = 1"))
    db.session.commit()
    response = client.post("/audit/head/certificate")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'alert-danger" role="alert">审计链在第 1 号事件处断开（已核验 \d+ 个事件）。', page)
