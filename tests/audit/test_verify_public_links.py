"""The public verification page leads from a document to the public page of what it is about (audit.labels
.PUBLIC_PAGES, registered by each package): an outsider holding the paper goes on to the live public record. The link
is the document's own thing's page, it answers an anonymous visitor (never a login page, never a 404), and it is
absent where there is no public page now: a draft, an application, a resident, the chain's certificate."""

import html
import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from audit import documents
from audit.documents import IssuedDocument
from audit.labels import PUBLIC_PAGES
from core.db import db
from evaluation.project_models import ProjectEvaluation
from orgs.enums import PUBLIC_STATUSES, OrgStatus
from orgs.models import Organisation
from projects.contract_models import Contract
from projects.models import Call, Proposal
from tests.factories import make_user
from vouchers import documents as voucher_documents
from vouchers.redemption_models import Settlement

# Every kind registered is tested here, for a public object and a non-public one (test_every_registered_kind_is_tested).
TESTED_KINDS = {"calls", "proposals", "contracts", "project_evaluations", "organisations", "voucher_settlements"}
LINK = re.compile(r'<a href="([^"]*)" id="doc-public-link">([^<]*)</a>')


def public_link(client, document, **headers) -> tuple[str, str] | None:
    """(address, text) of the verification page's link to the public page, or None."""
    response = client.get(f"/verify/{document.code}", headers=headers)
    assert response.status_code == 200
    found = LINK.search(response.get_data(as_text=True))
    return (html.unescape(found.group(1)), html.unescape(found.group(2))) if found else None


def followed(client, href: str) -> str:
    """The public page, opened by an anonymous visitor (the test client never logs in here)."""
    response = client.get(href.split("#", 1)[0])
    assert response.status_code == 200, href
    return response.get_data(as_text=True)


def about(target_type: str, target_id) -> IssuedDocument:
    """A document recorded about a thing, as issue_document records one (its PDF does not matter to the page)."""
    document = IssuedDocument(code=documents.new_code(), doc_type="test", title="测试文件", sha256="0" * 64, size=1,
                              target_type=target_type, target_id=str(target_id), content=b"%PDF-")
    db.session.add(document)
    db.session.commit()
    return document


def expected_page(document: IssuedDocument) -> tuple[str, str]:
    """Where the link of a demo document must lead, worked out from its own target, and the title that page shows."""
    target = int(document.target_id)
    if document.target_type == "calls":
        return f"/calls/{target}", db.session.get(Call, target).title
    if document.target_type == "proposals":
        call = db.session.get(Proposal, target).call
        return f"/calls/{call.id}#results", call.title
    if document.target_type == "contracts":
        return f"/projects/{target}", db.session.get(Contract, target).title
    if document.target_type == "project_evaluations":
        contract = db.session.get(ProjectEvaluation, target).contract
        return f"/projects/{contract.id}", contract.title
    raise AssertionError(document.target_type)


def test_every_issued_demo_document_links_to_its_own_public_page(app, client, demo_data):
    """Announcements, results, award notices, contracts and evaluation reports, as the demo issued them: each links
    to the page of its own call or project (not another's), and the page answers an anonymous visitor and shows it."""
    issued = list(db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.id)))
    assert {d.target_type for d in issued} == {"calls", "proposals", "contracts", "project_evaluations"}
    opened: dict[str, str] = {}
    for document in issued:
        href, title = expected_page(document)
        assert public_link(client, document) == (href, str(PUBLIC_PAGES[document.target_type].label)), document.title
        page = opened.get(href) or opened.setdefault(href, followed(client, href))
        assert str(escape(title)) in page
    assert len({href for href in opened if href.startswith("/calls/")}) >= 5  # many calls: none stands for another
    assert len({href for href in opened if href.startswith("/projects/")}) >= 5


def test_the_results_of_the_call_are_where_an_award_notice_leads(app, client, demo_data):
    notice = db.session.scalar(select(IssuedDocument).where(IssuedDocument.doc_type == "award_notice").limit(1))
    href, _text = public_link(client, notice)
    page = followed(client, href)
    proposal = db.session.get(Proposal, int(notice.target_id))
    assert 'id="results"' in page and str(escape(proposal.org.name)) in page


def test_a_document_since_ended_still_links_beside_the_note(app, client, demo_data):
    """A cancelled call's announcement, a terminated contract: the page says what became of it, and the public page
    (which shows that too) is still where the live record is."""
    for target_type, status in (("calls", "cancelled"), ("calls", "failed"), ("contracts", "terminated")):
        model = Call if target_type == "calls" else Contract
        thing = db.session.scalar(select(model).where(model.status == status).limit(1))
        document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.target_type == target_type,
                                                                  IssuedDocument.target_id == str(thing.id)))
        body = client.get(f"/verify/{document.code}").get_data(as_text=True)
        assert 'id="doc-ended"' in body, (target_type, status)
        href = LINK.search(body).group(1)
        assert href == (f"/calls/{thing.id}" if target_type == "calls" else f"/projects/{thing.id}")
        assert str(escape(thing.title)) in followed(client, href)


def test_a_superseded_document_links_as_its_successor_does(app, client, demo_data):
    call = db.session.scalar(select(Call).where(Call.status == "awarded").order_by(Call.id).limit(1))
    first = db.session.scalar(select(IssuedDocument).where(IssuedDocument.doc_type == "results_announcement",
                                                           IssuedDocument.target_id == str(call.id)))
    again = about("calls", call.id)
    again.doc_type = first.doc_type
    db.session.commit()
    body = client.get(f"/verify/{first.code}").get_data(as_text=True)
    assert 'id="doc-newer"' in body and LINK.search(body).group(1) == f"/calls/{call.id}"
    assert public_link(client, again)[0] == f"/calls/{call.id}"


def test_a_settlement_statement_links_to_its_providers_public_page(app, client, demo_data):
    settlement = db.session.scalar(select(Settlement).order_by(Settlement.id).limit(1))
    with app.test_request_context():
        document = voucher_documents.issue_statement(settlement, actor=make_user(Role.OFFICER))
    db.session.commit()
    href, text = public_link(client, document, **{"Accept-Language": "en"})
    assert href == f"/orgs/{settlement.provider_org_id}" and text == "the provider's public page"
    page = followed(client, href)
    assert str(escape(settlement.provider.name)) in page and "/vouchers/settlements/" not in page


def test_a_registered_organisation_links_to_its_profile(app, client, demo_data):
    org = db.session.scalar(select(Organisation).where(Organisation.status == OrgStatus.APPROVED.value)
                            .order_by(Organisation.id.desc()).limit(1))
    href, _text = public_link(client, about("organisations", org.id))
    assert href == f"/orgs/{org.id}" and str(escape(org.name)) in followed(client, href)


def test_the_link_reads_in_chinese_and_in_english(app, client, demo_data):
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.doc_type == "contract").limit(1))
    english = client.get(f"/verify/{document.code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = client.get(f"/verify/{document.code}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "See it on the platform, as it stands now:" in english and "the project&#39;s public page" in english
    assert "在平台上查看其当前状况：" in chinese and "该项目的公开页面" in chinese


def assert_not_public(client, document, page: str) -> None:
    """No link on the verification page, and the page it would have led to is indeed closed to an outsider."""
    body = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert 'id="issued-confirmation"' in body and 'id="doc-public"' not in body
    assert client.get(page).status_code == 404


def test_no_link_to_a_draft_call_or_an_unsigned_contract(app, client, demo_data):
    draft_call = db.session.scalar(select(Call).where(Call.status == "draft").limit(1))
    assert_not_public(client, about("calls", draft_call.id), f"/calls/{draft_call.id}")
    draft_contract = db.session.scalar(select(Contract).where(Contract.status == "draft").limit(1))
    assert_not_public(client, about("contracts", draft_contract.id), f"/projects/{draft_contract.id}")
    proposal = db.session.scalar(select(Proposal).limit(1))  # (a draft call has none: one moved there)
    proposal.call_id = draft_call.id
    db.session.commit()
    assert_not_public(client, about("proposals", proposal.id), f"/calls/{draft_call.id}")


def test_no_link_for_an_evaluation_whose_report_is_not_issued(app, client, demo_data):
    unissued = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.report_code.is_(None)).limit(1))
    body = client.get(f"/verify/{about('project_evaluations', unissued.id).code}").get_data(as_text=True)
    assert 'id="issued-confirmation"' in body and 'id="doc-public"' not in body
    # Withheld for the evaluation, not its project: the project's page is public, but lists only evaluations whose
    # report was issued, so it would not show this one.
    assert 'id="no-evaluations"' in followed(client, f"/projects/{unissued.contract_id}")


def test_no_link_to_an_organisation_not_registered(app, client, demo_data):
    hidden = [s.value for s in OrgStatus if s not in PUBLIC_STATUSES]
    application = db.session.scalar(select(Organisation).where(Organisation.status.in_(hidden)).limit(1))
    assert_not_public(client, about("organisations", application.id), f"/orgs/{application.id}")
    settlement = db.session.scalar(select(Settlement).limit(1))
    settlement.provider.status = OrgStatus.REJECTED.value  # (unreachable for a provider; the rule is the profile's)
    db.session.commit()
    assert_not_public(client, about("voucher_settlements", settlement.id), f"/orgs/{settlement.provider_org_id}")


@pytest.mark.parametrize("target_type, target_id", [
    ("resident_profiles", None),  # a resident's printed vouchers: no public page
    ("", ""),  # about nothing (the chain's certificate links by its kind: test_head_certificate_link)
    ("calls", 987_654_321),  # nothing there
    ("contracts", "7;drop"),  # not an id
    ("voucher_settlements", 987_654_321),
])
def test_no_link_where_there_is_no_public_page(app, client, demo_data, target_type, target_id):
    if target_type == "resident_profiles":
        target_id = db.session.scalar(select(ResidentProfile.id).limit(1))
        assert target_type not in PUBLIC_PAGES
    body = client.get(f"/verify/{about(target_type, target_id).code}").get_data(as_text=True)
    assert 'id="issued-confirmation"' in body and 'id="doc-public"' not in body


def test_every_registered_kind_is_tested(app):
    assert set(PUBLIC_PAGES) == TESTED_KINDS
