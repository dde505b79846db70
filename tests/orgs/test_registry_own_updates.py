"""A registered organisation keeps what it does up to date itself: its managers change its service categories and
communities (audited, no officer deciding; "Open calls in our service categories" follows) and upload a newer
version of a document (the old one kept, superseded). Accepting an invitation and submitting an application say what
happened; the staff fields stack on a phone; inline links on the organisation's pages are a finger's target."""

import html
import io
import json
import re

import pytest
from sqlalchemy import select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from orgs import services, standing
from orgs.enums import OrgStatus
from orgs.models import OrgDocument, ServiceCategory
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, Upload, approved_org, category, community, org_data
from tests.projects.helpers import published_call

EN = {"Accept-Language": "en"}


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def last_event(action):
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.seq.desc())).first()
    return json.loads(event.data) if event else None


def boxes(page: str, name: str) -> dict[int, bool]:
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*type="checkbox"[^>]*>', page)
    return {int(re.search(r'value="(\d+)"', tag)[1]): " checked" in tag for tag in tags}


@pytest.fixture
def people(session):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer, name="幸福家园社工中心")  # (elderly; 和平社区)
    db.session.commit()
    return manager, officer, org


# service categories and communities -------------------------------------------------------------------------

def test_a_manager_changes_categories_and_communities_and_the_open_calls_follow(client, people, login_as):
    manager, officer, org = people
    elderly, education, peace, bright = category("elderly"), category("education"), community(), community("光明社区")
    call = published_call(officer, title="青少年课后辅导项目", category_id=education.id)
    db.session.commit()
    login_as(manager)
    assert "青少年课后辅导项目" not in page_of(client.get("/proposals/mine"))
    assert f'href="/orgs/{org.id}/services"' in page_of(client.get(f"/orgs/{org.id}"))
    form = page_of(client.get(f"/orgs/{org.id}/services"))
    assert boxes(form, "categories")[elderly.id] and not boxes(form, "categories")[education.id]
    assert boxes(form, "communities")[peace.id] and not boxes(form, "communities")[bright.id]
    assert re.search(r'<fieldset class="mb-3 big-choices"[^>]*>\s*<legend[^>]*>服务类别<', form)  # the 44 px rows

    response = client.post(f"/orgs/{org.id}/services", data={"categories": [education.id],
                                                             "communities": [peace.id, bright.id]})
    assert response.status_code == 302
    assert "服务类别和服务社区已保存。" in page_of(client.get(response.location))
    db.session.expire_all()
    assert [c.code for c in org.categories] == ["education"]
    assert {c.id for c in org.communities} == {peace.id, bright.id}
    event = last_event("org.services_updated")
    assert event["changes"] == {"categories": [["elderly"], ["education"]],
                                "communities": [[peace.id], sorted([peace.id, bright.id])]}
    assert call.title in page_of(client.get("/proposals/mine"))  # "Open calls in our service categories"


def test_nothing_ticked_is_refused_beside_the_field_and_changes_nothing(client, people, login_as):
    manager, _officer, org = people
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/services", data={"communities": [community().id]})
    assert response.status_code == 422
    assert re.search(r'id="categories-error"', page_of(response))
    stranger = client.post(f"/orgs/{org.id}/services", data={"categories": [999_999],
                                                             "communities": [community().id]})
    assert stranger.status_code == 422
    db.session.expire_all()
    assert [c.code for c in org.categories] == ["elderly"]
    assert last_event("org.services_updated") is None


def test_a_disabled_category_it_already_has_can_be_kept(client, people, login_as):
    manager, _officer, org = people
    retired = ServiceCategory(code="retired_test", name_zh="旧类别", name_en="Old category", active=False)
    db.session.add(retired)
    org.categories.append(retired)
    db.session.commit()
    login_as(manager)
    assert boxes(page_of(client.get(f"/orgs/{org.id}/services")), "categories")[retired.id] is True
    response = client.post(f"/orgs/{org.id}/services", data={
        "categories": [retired.id, category("education").id], "communities": [community().id]})
    assert response.status_code == 302
    db.session.expire_all()
    assert {c.code for c in org.categories} == {"retired_test", "education"}


@pytest.mark.parametrize("who", ["member", "officer", "draft"])
def test_only_a_registered_organisations_manager_changes_its_services(client, people, login_as, who):
    manager, officer, org = people
    if who == "member":
        member = make_user()
        services.answer_invitation(services.invite_member(org, member.username, "member", actor=manager), True,
                                   actor=member)
        user = member
    elif who == "officer":
        user = officer
    else:
        user = make_user()
        org = services.create_application(org_data(), actor=user)
    db.session.commit()
    login_as(user)
    assert client.get(f"/orgs/{org.id}/services").status_code == 403
    assert client.post(f"/orgs/{org.id}/services", data={"categories": [category("education").id],
                                                         "communities": [community().id]}).status_code == 403
    db.session.expire_all()
    assert "education" not in {c.code for c in org.categories}


# a newer version of a document ------------------------------------------------------------------------------

def test_a_registered_organisation_uploads_a_newer_charter_the_old_one_kept(client, people, login_as):
    manager, _officer, org = people
    old = next(d for d in org.documents if d.kind == "charter")
    login_as(manager)
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert 'id="newer-version-hint"' in page and 'id="upload-document"' in page
    assert re.search(r'<fieldset class="mb-3 big-choices">\s*<legend[^>]*>材料类型</legend>', page)  # 44 px rows
    assert 'type="radio" name="kind" value="charter" id="kind-charter"' in page
    response = client.post(f"/orgs/{org.id}/documents", content_type="multipart/form-data", data={
        "kind": "charter", "file": (io.BytesIO(PDF_BYTES + b"%v2\n"), "章程（2026修订）.pdf")})
    assert response.status_code == 302
    db.session.expire_all()
    listed = [(d.file.original_name, current) for d, current in services.listed_documents(org)
              if d.kind == "charter"]
    assert listed == [("章程（2026修订）.pdf", True), (old.file.original_name, False)]
    event = last_event("org.document_added")
    assert event["kind"] == "charter" and event["supersedes"] == old.file.sha256
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert re.search(rf'id="document-{old.id}">\s*<span>章程 · {re.escape(old.file.original_name)}\s*'
                     r'<span class="badge text-bg-secondary">已被替换</span>', page)


def test_a_refused_upload_after_registration_comes_back_with_the_reason(client, people, login_as):
    manager, _officer, org = people
    count = len(org.documents)
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/documents", content_type="multipart/form-data",
                           data={"kind": "certificate"})
    assert response.status_code == 422
    assert re.search(r'id="file-error"', page_of(response)) and 'id="newer-version-hint"' in page_of(response)
    assert 'id="kind-certificate" checked>' in page_of(response)  # the kind chosen, kept
    db.session.expire_all()
    assert len(org.documents) == count


def test_a_member_who_is_not_a_manager_cannot_upload(client, people, login_as):
    manager, _officer, org = people
    member = make_user()
    services.answer_invitation(services.invite_member(org, member.username, "member", actor=manager), True,
                               actor=member)
    db.session.commit()
    login_as(member)
    assert 'id="upload-document"' not in page_of(client.get(f"/orgs/{org.id}"))
    assert client.post(f"/orgs/{org.id}/documents", content_type="multipart/form-data", data={
        "kind": "charter", "file": (io.BytesIO(PDF_BYTES), "章程.pdf")}).status_code == 403


@pytest.mark.parametrize("status", [OrgStatus.SUBMITTED, OrgStatus.DEREGISTERED])
def test_no_upload_while_under_review_nor_once_deregistered(session, status):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    if status is OrgStatus.DEREGISTERED:
        services.transition_org(org, status, actor=officer, reason="自行注销")
    else:
        org = services.create_application(org_data(), actor=manager)
        for kind in ("certificate", "charter", "annual_report"):
            services.add_document(org, kind, Upload(), actor=manager)
        services.transition_org(org, status, actor=manager)
    before = db.session.scalar(select(db.func.count()).select_from(OrgDocument))
    with pytest.raises(Conflict):
        services.add_document(org, "charter", Upload(), actor=manager)
    assert db.session.scalar(select(db.func.count()).select_from(OrgDocument)) == before


# what happened, said ----------------------------------------------------------------------------------------

def test_accepting_an_invitation_says_whose_member_you_are_now(client, people, login_as):
    manager, _officer, org = people
    invited = make_user()
    membership = services.invite_member(org, invited.username, "member", actor=manager)
    db.session.commit()
    login_as(invited)
    response = client.post(f"/orgs/memberships/{membership.id}/accept", follow_redirects=True)
    assert "您已成为幸福家园社工中心的成员。" in page_of(response)
    assert "操作成功" not in page_of(response)
    response = client.post(f"/orgs/memberships/{membership.id}/accept", headers=EN, follow_redirects=True)
    assert "There is no open invitation to answer." in page_of(response)  # (twice: refused, not "done")


def test_submitting_the_application_says_what_happens_next(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(name="心远青少年成长服务中心"), actor=applicant)
    for kind in ("certificate", "charter", "annual_report"):
        services.add_document(org, kind, Upload(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    response = client.post(f"/orgs/{org.id}/status", data={"to": "submitted"}, follow_redirects=True)
    page = page_of(response)
    assert "心远青少年成长服务中心的申请已提交审核。" in page and "您都会收到通知" in page
    assert "状态已变更为" not in page


# phone layout -----------------------------------------------------------------------------------------------

def test_the_staff_fields_stack_on_a_phone(client, people, login_as):
    manager, _officer, org = people
    login_as(manager)
    for path in ("/orgs/apply", f"/orgs/{org.id}/details"):
        page = page_of(client.get(path))
        for name in ("full_time_staff", "certified_social_workers", "volunteers"):
            assert re.search(rf'<div class="col-12 col-md-4">\s*<div class="mb-3">\s*<label[^>]*for="{name}"', page)


def test_inline_links_on_the_organisations_page_are_a_fingers_target(client, people, login_as):
    manager, _officer, org = people
    report = standing.submit_annual_report(org, 2024, Upload(filename="年报.pdf"), actor=manager)
    db.session.commit()
    login_as(manager)
    page = page_of(client.get(f"/orgs/{org.id}"))
    assert re.search(rf'<li id="report-{report.id}"><a class="inline-target" href="/orgs/files/[^"]+">2024</a>', page)
    members = page_of(client.get(f"/orgs/{org.id}/members"))
    assert re.search(r'<a class="inline-target" href="/orgs/\d+" id="back-to-org">← 幸福家园社工中心</a>', members)
