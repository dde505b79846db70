"""An outsider (logged out) downloads the documents published to everyone: a call's announcement and its results
announcement (结果公示), once the call is public. QA found /verify offering the PDF only to those logged in and
/documents/<code>.pdf asking everyone to log in. The other kinds stay with their parties (an anonymous visitor is sent
to log in, anyone else is refused): the award notice (a letter to the winner), a scoring summary, a contract...; and
a public kind about something not public (a draft call) is not downloadable either."""

from sqlalchemy import select

from accounts.enums import Role
from audit import documents, verification
from audit.documents import IssuedDocument
from core.db import db
from core.timeutil import utcnow
from projects import calls
from projects.award_models import Publicity
from tests.factories import make_user
from tests.projects.contract_helpers import awarded_decision
from tests.projects.helpers import call_data


def _issue(doc_type: str, target, actor) -> IssuedDocument:
    """A document of that kind about target (its content does not matter here: a certificate's template)."""
    return documents.issue_document("audit/head_certificate.html", title=doc_type, doc_type=doc_type, actor=actor,
                                    target=target, head=verification.head(), result=verification.verify(),
                                    issued_at=utcnow(), issuer=actor)


def _issued(code: str) -> IssuedDocument:
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))


def _public_codes(call) -> dict[str, str]:
    publicity = db.session.scalar(select(Publicity).where(Publicity.call_id == call.id))
    return {"call_announcement": call.announcement_code, "results_announcement": publicity.announcement_code}


def _sent_to_log_in(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"] and b"%PDF" not in response.data


def test_an_outsider_downloads_the_calls_announcement_and_its_results(app, client, session):
    officer, decision, manager = awarded_decision(app)
    db.session.commit()
    for doc_type, code in _public_codes(decision.proposal.call).items():
        assert _issued(code).doc_type == doc_type
        page = client.get(f"/verify/{code}")
        assert page.status_code == 200
        assert f'href="/documents/{code}.pdf"' in page.get_data(as_text=True), doc_type  # 下载 PDF offered
        response = client.get(f"/documents/{code}.pdf")
        assert response.status_code == 200, doc_type
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.data.startswith(b"%PDF") and response.data == _issued(code).content
        assert "Set-Cookie" not in response.headers  # (no session made for the outsider)


def test_other_kinds_stay_with_their_parties_even_about_a_public_call(app, client, session, login_as):
    officer, decision, manager = awarded_decision(app)
    call = decision.proposal.call
    with app.test_request_context():
        restricted = [_issued(decision.notice_code),  # the award notice, as issued to the winner
                      _issue("scoring_summary", call, officer),  # evaluators' names and scores
                      _issue("contract", decision.proposal, officer)]
    db.session.commit()
    for document in restricted:
        page = client.get(f"/verify/{document.code}")
        assert page.status_code == 200  # the record is public: what was issued, its hash
        assert f"/documents/{document.code}.pdf" not in page.get_data(as_text=True), document.doc_type
        assert _sent_to_log_in(client.get(f"/documents/{document.code}.pdf")), document.doc_type
    login_as(make_user(Role.RESIDENT))  # logged in, but no party to them: refused, not sent to log in again
    for document in restricted:
        assert client.get(f"/documents/{document.code}.pdf").status_code == 403, document.doc_type
    for code in _public_codes(call).values():  # while the public ones download for her as for anyone
        assert client.get(f"/documents/{code}.pdf").status_code == 200
    client.post("/logout")
    login_as(manager)  # the winner's manager: the award notice
    assert client.get(f"/documents/{decision.notice_code}.pdf").status_code == 200


def test_a_public_kind_about_what_is_not_public_stays_closed(app, client, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        draft = calls.create_call(call_data(), actor=officer)  # a draft: its page is a 404 to outsiders
        document = _issue("call_announcement", draft, officer)
    db.session.commit()
    assert client.get(f"/calls/{draft.id}").status_code == 404
    assert f"/documents/{document.code}.pdf" not in client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert _sent_to_log_in(client.get(f"/documents/{document.code}.pdf"))


def test_a_public_download_does_not_name_a_private_issuer_in_full(app, client, session):
    """The verification page names the issuer in full to the document's parties only; that anyone may download a
    public document does not make a private person's name public."""
    officer, decision, manager = awarded_decision(app)
    resident = make_user(Role.RESIDENT, display_name="钱桂英")
    with app.test_request_context():
        document = _issue("results_announcement", decision.proposal.call, resident)
    db.session.commit()
    body = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert f"/documents/{document.code}.pdf" in body  # public kind, public call: downloadable
    # (a results announcement is the purchaser's, issued by the person acting for it: masked all the same)
    assert "钱桂英" not in body and f'id="doc-issuer">{app.config["PURCHASER_NAME"]}（经办人：钱**）<' in body


def test_an_unknown_code_is_a_404_for_an_outsider(client, session):
    assert client.get("/documents/ABCDEFGHJK.pdf").status_code == 404
