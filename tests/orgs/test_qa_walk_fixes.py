"""A QA walk in Chinese (an organisation registering, an officer reviewing, an outsider reading): communities ticked,
not a Ctrl-click list; replaced documents told apart and removable; the missing documents said once; every public
project on the organisation's page; a new organisation's missing annual report not said as "否"."""

import html
import json
import re
from datetime import date, timedelta

from sqlalchemy import select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db, utcnow
from core.timeutil import local_today
from orgs import services, standing, track_record
from orgs.enums import OrgStatus
from orgs.models import OrgDocument
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, Upload, approved_org, community, org_data, submitted_org
from tests.orgs.test_views import form_for
from tests.projects.contract_helpers import active_contract, drawn_contract


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def boxes(page: str, name: str) -> dict[int, bool]:
    """The page's checkboxes called name: their value, and whether ticked."""
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*type="checkbox"[^>]*>', page)
    return {int(re.search(r'value="(\d+)"', tag)[1]): " checked" in tag for tag in tags}


# 1. communities ----------------------------------------------------------------------------------------------

def test_communities_are_checkboxes_kept_when_the_application_is_refused(client, session, login_as):
    login_as(make_user())
    first, second = community("和平社区"), community("光明社区")
    db.session.commit()
    opened = page_of(client.get("/orgs/apply"))
    assert "Ctrl" not in opened and '<select multiple id="communities"' not in opened
    offered = boxes(opened, "communities")
    assert set(offered) >= {first.id, second.id} and not any(offered.values())
    assert re.search(r'<fieldset class="mb-3 big-choices">\s*<legend[^>]*>服务社区', opened)  # (44 px rows)
    data = org_data(community_ids=[first.id, second.id])
    refused = client.post("/orgs/apply", data={**form_for(data), "legal_representative": ""})
    assert refused.status_code == 422
    ticked = boxes(page_of(refused), "communities")
    assert ticked[first.id] and ticked[second.id]


def test_the_edit_form_ticks_the_communities_the_application_serves(client, session, login_as):
    applicant = make_user()
    served, other = community("和平社区"), community("光明社区")
    org = services.create_application(org_data(community_ids=[served.id]), actor=applicant)
    db.session.commit()
    login_as(applicant)
    ticked = boxes(page_of(client.get(f"/orgs/{org.id}/edit")), "communities")
    assert ticked[served.id] and not ticked[other.id]
    data = org_data(name=org.name, uscc=org.uscc, community_ids=[served.id, other.id])
    assert client.post(f"/orgs/{org.id}/edit", data=form_for(data)).status_code == 302
    db.session.expire_all()
    assert sorted(c.id for c in org.communities) == sorted([served.id, other.id])


# 2. documents: when, which is current, removing one ---------------------------------------------------------------

def returned_with_two_charters(applicant):
    officer = make_user(Role.OFFICER)
    org = submitted_org(applicant)
    services.transition_org(org, OrgStatus.RETURNED, actor=officer, reason="请上传新章程")
    old = next(d for d in org.documents if d.kind == "charter")
    old.file.uploaded_at = utcnow() - timedelta(days=3)
    new = services.add_document(org, "charter", Upload(filename="章程（修订）.pdf"), actor=applicant)
    db.session.commit()
    return org, old, new


def test_a_replaced_charter_shows_when_each_came_and_which_is_current(client, session, login_as):
    applicant = make_user()
    org, old, new = returned_with_two_charters(applicant)
    officer = make_user(Role.OFFICER)
    db.session.commit()
    login_as(officer)
    page = page_of(client.get(f"/orgs/{org.id}"))
    newer = re.search(rf'<li[^>]*id="document-{new.id}".*?</li>', page, re.S).group(0)
    older = re.search(rf'<li[^>]*id="document-{old.id}".*?</li>', page, re.S).group(0)
    assert "当前版本" in newer and "已被替换" not in newer and "章程（修订）.pdf" in newer
    assert "已被替换" in older and "text-muted" in older
    assert page.index(f'id="document-{new.id}"') < page.index(f'id="document-{old.id}"')  # newest first
    assert re.search(r"上传于 <span class=\"keep-together\">\d{4}-\d{2}-\d{2} \d{2}:\d{2}</span>", older)  # one line
    assert "/remove" not in page and "移除" not in older  # an officer does not remove the organisation's documents


def test_the_manager_removes_a_superseded_document_while_the_application_is_returned(client, session, login_as):
    applicant = make_user()
    org, old, new = returned_with_two_charters(applicant)
    old_id, new_id = old.id, new.id
    login_as(applicant)
    page = page_of(client.get(f"/orgs/{org.id}"))
    form = re.search(rf'<li[^>]*id="document-{old_id}".*?</li>', page, re.S).group(0)
    assert f'action="/orgs/documents/{old_id}/remove"' in form and "data-confirm=" in form
    response = client.post(f"/orgs/documents/{old_id}/remove")
    assert response.status_code == 302 and response.headers["Location"].endswith("#documents")
    db.session.expire_all()
    assert db.session.get(OrgDocument, old_id) is None and db.session.get(OrgDocument, new_id) is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org.document_removed"))
    assert event.actor_id == applicant.id
    assert json.loads(event.data) | {"sha256": ""} == {"document_id": old_id, "kind": "charter", "sha256": "",
                                                       "size": len(PDF_BYTES)}
    assert f'id="document-{old_id}"' not in page_of(client.get(f"/orgs/{org.id}"))


def test_a_document_is_not_removed_once_the_application_is_submitted(client, session, login_as):
    applicant = make_user()
    org = submitted_org(applicant)
    document = org.documents[0]
    db.session.commit()
    login_as(applicant)
    assert 'action="/orgs/documents/' not in page_of(client.get(f"/orgs/{org.id}"))
    response = client.post(f"/orgs/documents/{document.id}/remove")
    assert response.status_code == 409
    assert "只有草稿或已退回修改的申请才能移除材料" in page_of(response)
    db.session.expire_all()
    assert db.session.get(OrgDocument, document.id) is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org.document_removed")) is None


def test_only_a_manager_removes_a_document(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    document = services.add_document(org, "charter", Upload(), actor=applicant)
    member = make_user()
    services.answer_invitation(services.invite_member(org, member.username, "member", actor=applicant), True,
                               actor=member)
    officer, outsider = make_user(Role.OFFICER), make_user()
    db.session.commit()
    for user, status in ((member, 403), (officer, 403), (outsider, 404)):  # (a draft is nobody else's business)
        login_as(user)
        assert client.post(f"/orgs/documents/{document.id}/remove").status_code == status
        client.post("/logout")
    db.session.expire_all()
    assert db.session.get(OrgDocument, document.id) is not None


# 3. the missing documents, said once --------------------------------------------------------------------------

def test_submitting_without_documents_names_them_once(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    response = client.post(f"/orgs/{org.id}/status", data={"to": "submitted"})
    assert response.status_code == 422
    page = page_of(response)
    assert "请先上传以下必需材料：登记证书、章程、最新年度报告。" in page
    assert page.count("登记证书、章程、最新年度报告") == 1


# 4. the organisation's projects ---------------------------------------------------------------------------------

def test_a_project_won_and_under_way_is_on_the_organisations_public_page(app, client, session):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    page = page_of(client.get(f"/orgs/{contract.org_id}"))
    listed = re.search(rf'<li id="project-{contract.id}">.*?</li>', page, re.S)
    assert listed, "the project is not listed"
    assert f'href="/projects/{contract.id}"' in listed.group(0) and contract.title in listed.group(0)
    assert "履行中" in listed.group(0) and "尚未评估" in listed.group(0)
    assert client.get(f"/projects/{contract.id}").status_code == 200


def test_a_contract_awaiting_signatures_is_not_listed(app, client, session):
    officer, manager, contract = drawn_contract(app)
    assert f'id="project-{contract.id}"' not in page_of(client.get(f"/orgs/{contract.org_id}"))


def test_a_projects_issued_evaluations_are_listed_with_it(app, session):
    officer, manager, contract = active_contract(app)
    result = standing.EvaluationRecord(issued_on=local_today(), contract_id=contract.id, project=contract.title,
                                       kind_label="末期评估", grade="good", grade_label="良好", score="85.00",
                                       report_code="PE-1")
    elsewhere = standing.EvaluationRecord(**{**result.__dict__, "contract_id": contract.id + 1000})
    listed = track_record.public_projects(contract.org, (result, elsewhere))
    assert [(p.contract_id, p.evaluations) for p in listed] == [(contract.id, (result,))]


# 5. the previous year's annual report ---------------------------------------------------------------------------

def test_a_new_organisations_missing_report_is_not_a_no(client, session):
    org = approved_org(make_user(), make_user(Role.OFFICER), registered_on=local_today() - timedelta(days=30))
    db.session.commit()
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert re.search(r'上一年度报告： <span id="last-annual-report">尚未提交<', page)


def test_the_previous_years_report_as_it_stands(session):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer, registered_on=date(2015, 5, 1))
    org.approved_at = utcnow() - timedelta(days=3 * 365)  # on the platform for years: no report is a missing one
    today = local_today()
    assert services.standing(org).last_annual_report_text == "尚未提交"
    report = standing.submit_annual_report(org, today.year - 1, Upload(PDF_BYTES), actor=org.memberships[0].user)
    assert services.standing(org).last_annual_report_text == "已提交，待审核"
    standing.review_annual_report(report, False, "缺少财务报表", actor=officer)
    assert services.standing(org).last_annual_report_text == "已退回"
    assert not services.standing(org).last_annual_report_accepted
    report = standing.submit_annual_report(org, today.year - 1, Upload(PDF_BYTES), actor=org.memberships[0].user)
    standing.review_annual_report(report, True, "", actor=officer)
    assert services.standing(org).last_annual_report_text == "已通过"
    assert services.standing(org).last_annual_report_accepted


def test_an_organisation_new_on_the_platform_has_no_report_yet(session):
    org = approved_org(make_user(), make_user(Role.OFFICER), registered_on=date(2015, 5, 1))
    assert services.standing(org).last_annual_report_text == "尚未提交"  # approved today, registered years ago
