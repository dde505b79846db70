"""The pages of a registered organisation's own updates: refused forms come back (422) as typed."""

import io

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from orgs import changes
from orgs.enums import ChangeStatus
from orgs.models import ChangeRequest
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, approved_org


@pytest.fixture
def people(session):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer, name="幸福家园社工中心")
    db.session.commit()
    return manager, officer, org


def details_form(org, **overrides):
    values = {"contact_name": org.contact_name, "contact_phone": org.contact_phone, "contact_email": "",
              "full_time_staff": org.full_time_staff, "certified_social_workers": org.certified_social_workers,
              "volunteers": org.volunteers, "description": org.description}
    values.update(overrides)
    return values


def change_form(org, **overrides):
    values = {"name": org.name, "uscc": org.uscc, "legal_representative": org.legal_representative,
              "address": org.address, "reason": "搬迁"}
    values.update(overrides)
    return values


def test_manager_updates_details_through_the_page(client, people, login_as):
    manager, _officer, org = people
    login_as(manager)
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert f"/orgs/{org.id}/details" in page and f"/orgs/{org.id}/changes/new" in page
    assert client.get(f"/orgs/{org.id}/details").status_code == 200
    response = client.post(f"/orgs/{org.id}/details", data=details_form(org, contact_phone="010-6512 3456",
                                                                          volunteers="55"))
    assert response.status_code == 302
    db.session.expire_all()
    assert (org.contact_phone, org.volunteers) == ("010-65123456", 55)


def test_refused_details_come_back_as_typed(client, people, login_as):
    manager, _officer, org = people
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/details", data=details_form(org, contact_name="王芳新",
                                                                          contact_phone="12345"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="王芳新"' in page and 'value="12345"' in page and 'aria-invalid="true"' in page
    db.session.expire_all()
    assert org.contact_name == "李明"


def test_change_request_page_and_officer_decision(client, people, login_as):
    manager, officer, org = people
    login_as(manager)
    assert client.get(f"/orgs/{org.id}/changes/new").status_code == 200
    response = client.post(f"/orgs/{org.id}/changes/new",
                           data={**change_form(org, address="东城区新街2号"),
                                 "document": (io.BytesIO(PDF_BYTES), "决议.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    change = db.session.scalar(select(ChangeRequest))
    assert change.document.original_name == "决议.pdf"
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert "东城区新街2号" in page and 'id="request-change"' not in page  # one open request at a time
    assert client.get(f"/orgs/files/{change.document.key}").status_code == 200
    # the manager cannot decide it
    assert client.post(f"/orgs/changes/{change.id}/approve", data={}).status_code == 403
    client.post("/logout")
    login_as(officer)
    assert "幸福家园社工中心" in client.get("/orgs/review").get_data(as_text=True)
    assert client.post(f"/orgs/changes/{change.id}/approve", data={}).status_code == 302
    db.session.expire_all()
    assert org.address == "东城区新街2号" and change.status == ChangeStatus.APPROVED
    # approving again (a second tab): refused, nothing changes
    response = client.post(f"/orgs/changes/{change.id}/reject", data={"reason": "晚了"})
    assert response.status_code == 409  # the page as it is now, saying it was decided already
    assert "晚了" not in response.get_data(as_text=True).split('id="change-history"')[1]
    db.session.expire_all()
    assert change.status == ChangeStatus.APPROVED and change.decision_reason == ""


def test_refused_change_request_keeps_input_and_file(client, people, login_as):
    manager, _officer, org = people
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/changes/new",
                           data={**change_form(org, legal_representative="张伟", reason=""),
                                 "document": (io.BytesIO(PDF_BYTES), "决议.pdf")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="张伟"' in page and "决议.pdf" in page and 'name="document_kept"' in page
    assert db.session.scalar(select(ChangeRequest.id)) is None


@pytest.mark.parametrize("who", ["member", "stranger", "officer", "anonymous"])
def test_pages_refused_to_others(client, people, login_as, who):
    manager, officer, org = people
    if who == "member":
        member = make_user()
        from orgs import services
        services.invite_member(org, member.username, "member", actor=manager)
        services.answer_invitation(org.memberships[-1], True, actor=member)
        db.session.commit()
        login_as(member)
    elif who != "anonymous":
        login_as(officer if who == "officer" else make_user())
    for path in (f"/orgs/{org.id}/details", f"/orgs/{org.id}/changes/new"):
        response = client.get(path)
        assert (response.status_code == 302 and "/login" in response.headers["Location"]) \
            if who == "anonymous" else response.status_code == 403
        response = client.post(path, data=details_form(org, contact_name="外人"))
        assert response.status_code in ((302,) if who == "anonymous" else (403,))
    db.session.expire_all()
    assert org.contact_name == "李明"


def test_a_draft_is_not_found_by_strangers(client, session, login_as):
    from orgs import services
    from tests.orgs.helpers import org_data
    org = services.create_application(org_data(), actor=make_user())
    db.session.commit()
    login_as(make_user())
    assert client.get(f"/orgs/{org.id}/details").status_code == 404
    assert client.post("/orgs/changes/999999/approve", data={}).status_code == 404


def test_a_stranger_cannot_see_the_history_or_withdraw(client, people, login_as):
    manager, _officer, org = people
    change = changes.request_change(org, changes.RegisteredItems(name=org.name, uscc=org.uscc,
                                                                  legal_representative="张伟", address=org.address),
                                    "换届", actor=manager)
    db.session.commit()
    login_as(make_user())
    assert "张伟" not in client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert client.post(f"/orgs/changes/{change.id}/withdraw", data={}).status_code == 403
    db.session.expire_all()
    assert change.status == ChangeStatus.PENDING
