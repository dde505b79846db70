"""/verify: the verification code printed on a paper copy can be typed in, as printed, and leads to what was issued
under it; an unknown or malformed code is said beside the field, and guessing codes is rate-limited."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from accounts.enums import Role
from audit import documents, verification
from audit.models import AuditEvent
from audit.views import CHECK_LIMIT, UNKNOWN_CODE_LIMIT
from core.db import db
from core.timeutil import utcnow
from tests.factories import make_user

NOT_ISSUED = "ABCD-EFGH-JKMN"  # well formed; the odds of a test issuing it are 31**-12


def issue_certificate(app):
    with app.test_request_context():
        auditor = make_user(Role.AUDITOR)
        document = documents.issue_document("audit/head_certificate.html", title="审计链状态证明",
                                            doc_type="audit_head", actor=auditor, head=verification.head(),
                                            result=verification.verify(), issued_at=utcnow(), issuer=auditor)
    db.session.commit()
    return document


def field_errors(response, field: str = "code") -> list[str]:
    block = re.search(rf'id="{field}-error"[^>]*>(.*?</div>)</div>', response.get_data(as_text=True), re.S)
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)</div>', block.group(1)) if block else []


def event_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def limit_count(limit: str) -> int:
    return int(limit.split()[0])


def test_the_printed_pdf_carries_the_code_as_text_a_person_can_type(app, session):
    document = issue_certificate(app)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)
    assert document.display_code in text
    assert all(ch in documents.CODE_ALPHABET for ch in document.code) and len(document.code) == 12


def test_verify_page_has_a_code_field_that_looks_up_by_get(client, session):
    body = client.get("/verify").get_data(as_text=True)
    form = body.split('id="code-lookup"', 1)[1].split("</form>", 1)[0]
    assert 'name="code"' in form
    assert re.search(r'<form method="get" action="/verify"[^>]*id="code-lookup"', body)
    assert "验证码" in form


@pytest.mark.parametrize("typed", ["{display}", "{lower}", " {spaced} ", "{fullwidth}", "{plain}"])
def test_a_code_typed_as_printed_leads_to_its_page(app, client, session, typed):
    document = issue_certificate(app)
    code = document.code
    variants = {
        "display": document.display_code,                       # ABCD-EFGH-JKMN
        "lower": document.display_code.lower(),                 # abcd-efgh-jkmn
        "spaced": " ".join(document.display_code.split("-")),   # ABCD EFGH JKMN
        "fullwidth": "".join(chr(ord(ch) + 0xFEE0) for ch in document.display_code.lower()),  # ａｂｃｄ－ｅｆｇｈ…
        "plain": code,
    }
    response = client.get("/verify", query_string={"code": typed.format(**variants)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{code}"  # one address per document, to bookmark
    page = client.get(response.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert document.title in body and document.sha256 in body and 'id="issued-confirmation"' in body


@pytest.mark.parametrize("typed", ["", "   ", "ABCD-EFGH", "ABCD-EFGH-JKMN-P", "ABCD-EFGH-JKM0", "ABCD-EFGH-JKMO",
                                   "ABCD-EFGH-JKM1", "ABCD-EFGH-JKMI", "ABCD-EFGH-JKML", "验证码", "x" * 500])
def test_a_malformed_code_is_a_422_said_beside_the_field_and_changes_nothing(client, session, typed):
    before = event_count()
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 422
    errors = field_errors(response)
    assert len(errors) == 1
    assert errors[0] in ("请输入文件上印有的验证码。",
                         "验证码由 12 个字母和数字组成，印在二维码旁，形如 ABCD-EFGH-JKMN；其中没有 0、1、I、L 和 O。")
    assert 'id="issued-confirmation"' not in response.get_data(as_text=True)
    assert event_count() == before


def test_a_code_not_issued_is_a_404_said_beside_the_field(client, session):
    before = event_count()
    response = client.get("/verify", query_string={"code": NOT_ISSUED.lower()}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.request.path == f"/verify/{NOT_ISSUED.replace('-', '')}"
    assert field_errors(response) == ["平台未签发过使用此验证码的文件，请与纸质文件上的验证码仔细核对。"]
    assert f'value="{NOT_ISSUED}"' in body  # shown again, as printed, to be corrected
    assert 'id="issued-confirmation"' not in body
    assert event_count() == before
    # a code URL that is no code at all (typed by hand): the same page, the format said
    assert client.get("/verify/NOPE").status_code == 404
    assert "形如 ABCD-EFGH-JKMN" in field_errors(client.get("/verify/NOPE"))[0]


def test_a_file_checked_from_an_unknown_codes_page_is_checked_against_all_documents(app, client, session):
    document = issue_certificate(app)
    body = client.get(f"/verify/{NOT_ISSUED}").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/verify" enctype', body)
    answer = client.post("/verify", data={"sha256": document.sha256}).get_data(as_text=True)
    assert 'data-matched="yes"' in answer


def test_the_english_page_says_it_in_english(client, session):
    response = client.get("/verify?code=ABCD", headers={"Accept-Language": "en"})
    assert field_errors(response) == ["A verification code has 12 letters and digits, printed like ABCD-EFGH-JKMN "
                                      "beside the QR code. It has no 0, 1, I, L or O."]


def test_guessing_codes_is_rate_limited_but_real_codes_are_not_counted(app, client, session):
    document = issue_certificate(app)
    per_minute = limit_count(UNKNOWN_CODE_LIMIT)
    for _ in range(3 * per_minute):  # the codes of documents issued: not guesses
        assert client.get(f"/verify/{document.code}").status_code == 200
    for _ in range(per_minute):
        assert client.get("/verify", query_string={"code": NOT_ISSUED}, follow_redirects=True).status_code == 404
    refused = client.get("/verify", query_string={"code": NOT_ISSUED}, follow_redirects=True)
    assert refused.status_code == 429
    assert "未签发的验证码" in refused.get_data(as_text=True)
    assert client.get(f"/verify/{document.code}").status_code == 429  # the guesser is slowed down, whatever he asks


def test_checking_files_and_hashes_is_rate_limited(client, session):
    for _ in range(limit_count(CHECK_LIMIT)):
        assert client.post("/verify", data={"sha256": "0" * 64}).status_code == 200
    assert client.post("/verify", data={"sha256": "0" * 64}).status_code == 429
    assert client.get("/verify").status_code == 200  # looking at the page is not limited
