"""The documents an application needs depend on the organisation: a community social organisation (filed, not
registered) gives its filing record or community endorsement instead of a registration certificate; one registered
less than a year ago has no annual report to give. The officer deciding sees the same list."""

import html
import io
import re
from datetime import timedelta

import pytest

from accounts.enums import Role
from core.db import db, utcnow
from core.errors import ServiceError
from core.timeutil import local_today
from orgs import documents, services
from orgs.enums import DocumentKind, OrgKind, OrgStatus
from orgs.standing import _add_years
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, Upload, org_data

EN = {"Accept-Language": "en"}
FILING = "备案证明或社区推荐意见"


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def required_kinds(page: str, list_id: str) -> list[str]:
    listed = re.search(rf'<ul[^>]*id="{list_id}">(.*?)</ul>', page, re.S)
    assert listed, f"no list {list_id}"
    return re.findall(r'data-kind="(\w+)"', listed.group(1))


def draft(applicant, **overrides):
    return services.create_application(org_data(**overrides), actor=applicant)


def upload(org, applicant, *kinds):
    for kind in kinds:
        services.add_document(org, kind, Upload(filename=f"{kind}.pdf"), actor=applicant)


def test_the_annual_report_is_required_from_the_first_anniversary_of_registration(session):
    applicant, today = make_user(), local_today()
    year_ago = _add_years(today, -1)
    org = draft(applicant, registered_on=year_ago)
    assert documents.required_documents(org, today) == [DocumentKind.CERTIFICATE, DocumentKind.CHARTER,
                                                        DocumentKind.ANNUAL_REPORT]
    org.registered_on = year_ago + timedelta(days=1)
    assert documents.required_documents(org, today) == [DocumentKind.CERTIFICATE, DocumentKind.CHARTER]
    assert documents.annual_report_due_from(org.registered_on) == today + timedelta(days=1)


def test_a_newly_registered_organisation_submits_without_an_annual_report(client, session, login_as):
    applicant = make_user()
    org = draft(applicant, registered_on=local_today() - timedelta(days=100))
    upload(org, applicant, "certificate", "charter")
    db.session.commit()
    login_as(applicant)
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert required_kinds(page, "required-documents") == ["certificate", "charter"]
    due = documents.annual_report_due_from(org.registered_on).isoformat()
    assert f"暂不需要年度报告：本组织登记（或成立）不满一年，尚无可报告的年度。自{due}起需要提交。" in page
    assert 'id="missing-count"' not in page and "尚缺" not in page  # nothing is missing
    response = client.post(f"/orgs/{org.id}/status", data={"to": "submitted"})
    assert response.status_code == 302
    db.session.expire_all()
    assert org.status == OrgStatus.SUBMITTED


def test_an_organisation_registered_over_a_year_ago_still_needs_its_report(session):
    applicant = make_user()
    org = draft(applicant, registered_on=local_today() - timedelta(days=400))
    upload(org, applicant, "certificate", "charter")
    with pytest.raises(ServiceError) as caught:
        services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    assert caught.value.code == "documents_missing" and "最新年度报告" in str(caught.value.message)
    assert org.status == OrgStatus.DRAFT


def test_a_community_organisation_gives_its_filing_record_not_a_registration_certificate(client, session,
                                                                                           login_as):
    applicant = make_user()
    org = draft(applicant, kind=OrgKind.COMMUNITY.value)
    db.session.commit()
    login_as(applicant)
    page = page_of(client.get(f"/orgs/{org.id}"))
    listed = re.search(r'<ul[^>]*id="required-documents">(.*?)</ul>', page, re.S).group(1)
    assert FILING in listed and "登记证书" not in listed
    assert f'<option selected value="certificate">{FILING}</option>' in page  # the upload offers it by that name
    assert "社区社会组织实行备案而非登记" in page  # and says why
    refused = client.post(f"/orgs/{org.id}/status", data={"to": "submitted"})
    assert refused.status_code == 422
    assert f"请先上传以下必需材料：{FILING}、章程、最新年度报告。" in page_of(refused)
    for kind in ("certificate", "charter", "annual_report"):
        assert client.post(f"/orgs/{org.id}/documents", content_type="multipart/form-data", data={
            "kind": kind, "file": (io.BytesIO(PDF_BYTES), f"{kind}.pdf")}).status_code == 302
    assert client.post(f"/orgs/{org.id}/status", data={"to": "submitted"}).status_code == 302
    db.session.expire_all()
    assert org.status == OrgStatus.SUBMITTED
    documents_list = page_of(client.get(f"/orgs/{org.id}"))
    assert re.search(rf'id="document-\d+">\s*<span>{FILING} · certificate.pdf', documents_list)


def test_an_agency_still_uploads_a_registration_certificate(client, session, login_as):
    applicant = make_user()
    org = draft(applicant)
    db.session.commit()
    login_as(applicant)
    page = page_of(client.get(f"/orgs/{org.id}", headers=EN))
    assert required_kinds(page, "required-documents") == ["certificate", "charter", "annual_report"]
    assert "Registration certificate" in page and "Filing record or community endorsement" not in page


def test_the_officer_sees_what_was_required_with_the_files_sent(client, session, login_as):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = draft(applicant, registered_on=local_today() - timedelta(days=100))
    upload(org, applicant, "certificate", "charter")
    services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    db.session.commit()
    login_as(officer)
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert required_kinds(page, "review-required-documents") == ["certificate", "charter"]
    listed = re.search(r'<ul[^>]*id="review-required-documents">(.*?)</ul>', page, re.S).group(1)
    assert listed.count("已上传") == 2 and "certificate.pdf" in listed and "charter.pdf" in listed
    assert "暂不需要年度报告" in page
    assert 'id="required-documents"' not in page  # (the applicant's card is not the officer's)


def test_the_officers_list_is_judged_on_the_day_it_was_submitted(session):
    """Submitted at ten months old and read at thirteen: what was asked of it then, not what would be asked now."""
    applicant = make_user()
    org = draft(applicant, registered_on=local_today() - timedelta(days=100))
    upload(org, applicant, "certificate", "charter")
    services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    org.registered_on = local_today() - timedelta(days=400)
    org.submitted_at = utcnow() - timedelta(days=90)
    assert [item.kind for item in documents.checklist(org)] == [DocumentKind.CERTIFICATE, DocumentKind.CHARTER]
    assert [item.document.file.original_name for item in documents.checklist(org)] == ["certificate.pdf",
                                                                                       "charter.pdf"]


def test_the_application_form_says_when_no_annual_report_is_needed(client, session, login_as):
    login_as(make_user())
    page = page_of(client.get("/orgs/apply"))
    assert re.search(r'id="registered_on-help">登记（或成立）不满一年的组织尚无年度报告，申请时无需提交。<', page)
