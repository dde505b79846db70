import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from orgs import services, standing
from orgs.enums import OrgStatus
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, approved_org, category, community, make_uscc, org_data, submitted_org


def form_for(data):
    return {"name": data.name, "kind": data.kind, "uscc": data.uscc,
            "legal_representative": data.legal_representative,
            "registration_authority": data.registration_authority, "registered_on": data.registered_on.isoformat(),
            "address": data.address, "communities": data.community_ids, "categories": data.category_ids,
            "full_time_staff": data.full_time_staff, "certified_social_workers": data.certified_social_workers,
            "volunteers": data.volunteers, "contact_name": data.contact_name, "contact_phone": data.contact_phone,
            "contact_email": "", "description": ""}


def test_apply_upload_submit_through_the_pages(client, session, login_as):
    applicant = make_user()
    login_as(applicant)
    data = org_data(name="阳光助老服务中心")
    response = client.post("/orgs/apply", data=form_for(data))
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "阳光助老服务中心"))
    for kind in ("certificate", "charter", "annual_report"):
        r = client.post(f"/orgs/{org.id}/documents", data={"kind": kind, "file": (io.BytesIO(PDF_BYTES), "a.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 302
    assert client.post(f"/orgs/{org.id}/status", data={"to": "submitted"}).status_code == 302
    db.session.expire_all()
    assert org.status == OrgStatus.SUBMITTED


def test_invalid_application_shows_field_errors(client, session, login_as):
    login_as(make_user())
    data = org_data(uscc=make_uscc("1", 901))  # an association's code for an agency
    page = client.post("/orgs/apply", data=form_for(data)).get_data(as_text=True)
    assert "属于其他类型的组织" in page
    assert db.session.scalar(select(Organisation).where(Organisation.name == data.name)) is None


@pytest.mark.parametrize("payload, name", [
    (b"MZ\x90\x00 not a document", "virus.pdf"),
    (b"<html><script>alert(1)</script></html>", "page.pdf"),
    (b"", "empty.pdf"),
])
def test_uploads_are_checked_by_content(client, session, login_as, payload, name):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    db.session.commit()
    login_as(applicant)
    client.post(f"/orgs/{org.id}/documents", data={"kind": "charter", "file": (io.BytesIO(payload), name)},
                content_type="multipart/form-data")
    db.session.expire_all()
    assert org.documents == []


def test_download_name_is_sanitised_and_access_is_checked(client, session, login_as):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    from tests.orgs.helpers import Upload

    doc = services.add_document(org, "charter", Upload(filename='../../etc/"章程"\r\n.exe.pdf'), actor=applicant)
    db.session.commit()
    login_as(make_user())
    assert client.get(f"/orgs/files/{doc.file.key}").status_code == 403
    client.post("/logout")
    login_as(applicant)
    response = client.get(f"/orgs/files/{doc.file.key}")
    assert response.status_code == 200 and response.data == PDF_BYTES
    disposition = response.headers["Content-Disposition"]
    assert ".." not in disposition and "\r" not in disposition and "/" not in disposition.split("filename")[1]
    assert disposition.endswith(".pdf") or ".pdf" in disposition


ROLES = ["anonymous", "applicant", "other_member", "officer", "auditor"]
# (what, status) -> roles that may see it
VISIBILITY = {
    ("profile", OrgStatus.DRAFT): {"applicant", "officer", "auditor"},
    ("profile", OrgStatus.SUBMITTED): {"applicant", "officer", "auditor"},
    ("profile", OrgStatus.REJECTED): {"applicant", "officer", "auditor"},
    ("profile", OrgStatus.APPROVED): set(ROLES),
    ("members", OrgStatus.APPROVED): {"applicant", "officer", "auditor"},
    ("edit", OrgStatus.DRAFT): {"applicant"},
    ("edit", OrgStatus.APPROVED): set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, session, login_as, role):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    other = make_user()
    services.create_application(org_data(), actor=other)  # a member of another organisation
    orgs = {
        OrgStatus.DRAFT: services.create_application(org_data(), actor=applicant),
        OrgStatus.SUBMITTED: submitted_org(applicant),
        OrgStatus.APPROVED: approved_org(applicant, officer),
    }
    rejected = submitted_org(applicant)
    services.transition_org(rejected, OrgStatus.REJECTED, actor=officer, reason="不符合")
    orgs[OrgStatus.REJECTED] = rejected
    users = {"applicant": applicant, "other_member": other, "officer": officer, "auditor": make_user(Role.AUDITOR)}
    db.session.commit()
    if role != "anonymous":
        login_as(users[role])
    paths = {"profile": "/orgs/{id}", "members": "/orgs/{id}/members", "edit": "/orgs/{id}/edit"}
    wrong = {}
    for (what, status), allowed in VISIBILITY.items():
        response = client.get(paths[what].format(id=orgs[status].id))
        ok = response.status_code == 200
        if ok != (role in allowed):
            wrong[(what, status.value)] = response.status_code
    assert wrong == {}


def test_officer_cannot_be_bypassed_by_an_applicant_posting_a_decision(client, session, login_as):
    applicant = make_user()
    org = submitted_org(applicant)
    db.session.commit()
    login_as(applicant)
    assert client.post(f"/orgs/{org.id}/status", data={"to": "approved"}).status_code == 403
    db.session.expire_all()
    assert org.status == OrgStatus.SUBMITTED


def test_directory_search_by_pinyin_initials_and_filters(client, session):
    officer = make_user(Role.OFFICER)
    xfj = approved_org(make_user(), officer, name="幸福家园社会工作服务中心")
    other = approved_org(make_user(), officer, name="阳光青少年发展中心",
                         category_ids=[category("children_youth").id], community_ids=[community("光明社区").id])
    standing.record_grade(other, 4, local_today() - timedelta(days=300), actor=officer)  # in force: five years
    services.create_application(org_data(name="幸福家草稿中心"), actor=make_user())  # a draft: never public
    db.session.commit()
    page = client.get("/orgs/?q=xfj").get_data(as_text=True)
    assert xfj.name in page and other.name not in page and "幸福家草稿中心" not in page
    assert xfj.name in client.get("/orgs/?q=幸福家").get_data(as_text=True)
    by_grade = client.get("/orgs/?grade=4").get_data(as_text=True)
    assert other.name in by_grade and xfj.name not in by_grade
    by_category = client.get(f"/orgs/?category={category('children_youth').id}").get_data(as_text=True)
    assert other.name in by_category and xfj.name not in by_category
    by_community = client.get(f"/orgs/?community={community('光明社区').id}").get_data(as_text=True)
    assert other.name in by_community
    assert client.get("/orgs/?grade=abc").status_code == 200


def test_directory_pages_use_a_constant_number_of_queries(app, client, session):
    from sqlalchemy import event

    officer = make_user(Role.OFFICER)

    def count_queries(path):
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine_like = db.engines[None]
        event.listen(engine_like, "before_cursor_execute", before)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine_like, "before_cursor_execute", before)
        return counter["n"]

    approved_org(make_user(), officer)
    db.session.commit()
    few = count_queries("/orgs/")
    for _ in range(25):
        approved_org(make_user(), officer, category_ids=[category().id, category("health").id])
    db.session.commit()
    assert count_queries("/orgs/") == few
    assert count_queries("/orgs/?page=2") == few


def test_officer_exports_the_filtered_directory_as_excel(client, session, login_as):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer, name="导出测试服务中心")
    db.session.commit()
    assert client.get("/orgs/export.xlsx").status_code == 302
    login_as(make_user())
    assert client.get("/orgs/export.xlsx").status_code == 403
    client.post("/logout")
    login_as(officer)
    response = client.get("/orgs/export.xlsx?q=导出")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == org.name and rows[1][4] == org.uscc
