"""A paper copy checked on the public verification page after what it is about has moved on: an announcement of a
call since cancelled, a contract since terminated, a results announcement issued again. The page still confirms the
platform issued it, and says what became of it since (and which document replaced it), so an outsider holding it is
not told only 'issued'."""

import io
from types import SimpleNamespace

from accounts.enums import Role
from audit import documents, services
from core.db import db
from tests.factories import make_user

CALL = SimpleNamespace(__tablename__="calls", id=7_707_001)


def issued(app, title, target=CALL, doc_type="call_announcement"):
    with app.test_request_context():
        document = documents.issue_document("audit/head_certificate.html", title=title, doc_type=doc_type,
                                            actor=make_user(Role.OFFICER), target=target, head=SimpleNamespace(
                                                seq=0, hash="0" * 64), result=SimpleNamespace(ok=True, checked=0),
                                            issued_at=documents.utcnow(), issuer=make_user(Role.OFFICER))
    db.session.commit()
    return document


def test_a_document_still_standing_says_nothing_more(app, client, session):
    document = issued(app, "采购公告：仍有效")
    body = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert "采购公告：仍有效" in body and 'id="doc-since"' not in body


def test_the_announcement_of_a_call_since_cancelled_says_so(app, client, session):
    document = issued(app, "采购公告：已取消")
    services.record("call.cancelled", CALL, data={"reason": "预算调整"})
    db.session.commit()
    response = client.get(f"/verify/{document.code}", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="doc-since"' in body
    assert 'id="doc-ended"' in body and "no longer stands as it reads" in body
    assert "Call cancelled" in body and "预算调整" not in body  # what became of it, not the recorded reasons


def test_a_later_document_of_the_same_kind_is_named_with_a_link(app, client, session):
    target = SimpleNamespace(__tablename__="calls", id=7_707_002)
    first = issued(app, "结果公示（第一次）", target, "results_announcement")
    second = issued(app, "结果公示（更正后）", target, "results_announcement")
    body = client.get(f"/verify/{first.code}").get_data(as_text=True)
    assert 'id="doc-newer"' in body and f'href="/verify/{second.code}"' in body and "结果公示（更正后）" in body
    assert 'id="doc-since"' not in client.get(f"/verify/{second.code}").get_data(as_text=True)


def test_a_genuine_file_checked_under_another_code_is_named_not_called_altered(app, client, session):
    announcement = issued(app, "采购公告：甲", SimpleNamespace(__tablename__="calls", id=7_707_003))
    notice = issued(app, "中标通知书：乙", SimpleNamespace(__tablename__="proposals", id=7_707_004), "award_notice")
    response = client.post(f"/verify/{announcement.code}", data={"sha256": notice.sha256})
    body = response.get_data(as_text=True)
    assert 'data-matched="no"' in body and 'id="check-other"' in body
    assert f'href="/verify/{notice.code}" id="check-other">中标通知书：乙</a>' in body
    assert "可能已被改动" not in body.split('id="check-result"', 1)[1].split("</div>", 1)[0]


CONTRACT = SimpleNamespace(__tablename__="contracts", id=7_707_005)


def test_a_terminated_contracts_file_matched_without_its_code_says_it_was_terminated(app, client, session):
    document = issued(app, "项目合同：已解除", CONTRACT, "contract")
    services.record("contract.terminated", CONTRACT, data={"reason": "对方违约"})
    db.session.commit()
    by_hash = client.post("/verify", data={"sha256": document.sha256}, headers={"Accept-Language": "en"})
    by_file = client.post("/verify", data={"file": (io.BytesIO(document.content), "contract.pdf")},
                          content_type="multipart/form-data", headers={"Accept-Language": "en"})
    for response in (by_hash, by_file):
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and 'data-matched="yes"' in body
        assert 'id="check-since"' in body and 'id="check-ended"' in body
        assert "Contract terminated" in body and "no longer stands as it reads" in body and "对方违约" not in body
    # the same words as its code's page
    code_page = client.get(f"/verify/{document.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "no longer stands as it reads" in code_page


def test_a_replaced_file_matched_without_its_code_names_the_newer_document(app, client, session):
    target = SimpleNamespace(__tablename__="calls", id=7_707_006)
    first = issued(app, "结果公示（初版）", target, "results_announcement")
    second = issued(app, "结果公示（更正版）", target, "results_announcement")
    body = client.post("/verify", data={"sha256": first.sha256}).get_data(as_text=True)
    assert 'id="check-newer"' in body and f'href="/verify/{second.code}"' in body
    assert 'id="check-since"' not in client.post("/verify", data={"sha256": second.sha256}).get_data(as_text=True)


def test_a_standing_file_matched_without_its_code_gets_the_plain_match(app, client, session):
    document = issued(app, "采购公告：有效", SimpleNamespace(__tablename__="calls", id=7_707_007))
    body = client.post("/verify", data={"sha256": document.sha256}).get_data(as_text=True)
    assert 'data-matched="yes"' in body and 'id="check-since"' not in body


def test_a_file_and_a_hash_at_once_are_refused_beside_both_fields(app, client, session):
    document = issued(app, "采购公告：两样", SimpleNamespace(__tablename__="calls", id=7_707_008))
    for url in ("/verify", f"/verify/{document.code}"):
        response = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.7 other"), "x.pdf"),
                                          "sha256": document.sha256},
                               content_type="multipart/form-data", headers={"Accept-Language": "en"})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and 'id="check-result"' not in body  # neither one silently ignored
        assert body.count("Check one thing at a time: upload the PDF or paste its SHA-256, not both.") == 2
