"""A registered organisation's own updates: contact details directly, registered items by a change request."""

import json

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from orgs import changes, directory, services
from orgs.enums import ChangeStatus, MemberRole, OrgStatus
from orgs.models import ChangeRequest
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org, make_uscc, submitted_org


@pytest.fixture
def people(session):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer, name="幸福家园社工中心")
    return manager, officer, org


def last_event(action):
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.seq.desc())).first()
    return json.loads(event.data) if event else None


def not_the_manager(people, who: str):
    """A member of the organisation, another organisation's manager, or the officer."""
    manager, officer, org = people
    if who == "officer":
        return officer
    actor = make_user()
    if who == "member":
        services.invite_member(org, actor.username, MemberRole.MEMBER.value, actor=manager)
        services.answer_invitation(org.memberships[-1], True, actor=actor)
    else:
        approved_org(actor, officer)
    return actor


def contact(org, **overrides):
    values = {name: getattr(org, name) for name in changes.ContactData.__dataclass_fields__}
    values.update(overrides)
    return changes.ContactData(**values)


def items(org, **overrides):
    values = {name: getattr(org, name) or "" for name in ("name", "uscc", "legal_representative", "address")}
    values.update(overrides)
    return changes.RegisteredItems(**values)


# --- contact details --------------------------------------------------------------------------------------------

def test_the_application_is_audited_without_its_contact_persons_name_phone_or_email(people):
    _manager, _officer, org = people
    created = last_event("org.created")
    assert created["name"] == org.name and created["legal_representative"] == org.legal_representative
    assert created["contact_name"] == "***" and created["contact_email"] == "***"  # (the legal representative's
    # name is a registered item, public in the directory; the contact person's is theirs)


def test_manager_updates_contact_details_audited_with_personal_data_masked(people):
    manager, _officer, org = people
    changed = changes.update_contact(org, contact(org, contact_name="王芳", contact_phone="139 0000 5678",
                                                  contact_email="wf@example.org", full_time_staff=12,
                                                  description="为老服务"), actor=manager)
    assert (org.contact_name, org.contact_phone, org.full_time_staff) == ("王芳", "13900005678", 12)
    data = last_event("org.contact_updated")
    assert set(data["changes"]) == set(changed) == {"contact_name", "contact_phone", "contact_email",
                                                    "full_time_staff", "description"}
    assert data["changes"]["full_time_staff"] == [8, 12]
    text = json.dumps(data, ensure_ascii=False)
    assert "13900005678" not in text and "王芳" not in text and "wf@example.org" not in text
    assert "13800001234" not in text  # nor the old number


def test_unchanged_details_write_no_event(people):
    manager, _officer, org = people
    assert changes.update_contact(org, contact(org), actor=manager) == {}
    assert last_event("org.contact_updated") is None


def test_bad_contact_details_refused_and_nothing_changes(people):
    manager, _officer, org = people
    with pytest.raises(ServiceError) as refused:
        changes.update_contact(org, contact(org, contact_phone="12345", volunteers=-1, contact_email="x@"),
                               actor=manager)
    assert set(refused.value.fields) == {"contact_phone", "volunteers", "contact_email"}
    assert org.contact_phone == "13800001234"


@pytest.mark.parametrize("who", ["member", "other_manager", "officer"])
def test_only_the_manager_updates_contact_details(people, who):
    _manager, _officer, org = people
    actor = not_the_manager(people, who)
    with pytest.raises(Forbidden):
        changes.update_contact(org, contact(org, contact_name="王芳"), actor=actor)


def test_an_application_under_review_is_not_updated_this_way(session):
    manager = make_user()
    org = submitted_org(manager)
    with pytest.raises(Forbidden):
        changes.update_contact(org, contact(org, contact_name="王芳"), actor=manager)


# --- change requests -------------------------------------------------------------------------------------------

def test_request_then_approve_changes_the_items_and_the_directory(people):
    manager, officer, org = people
    new_code = make_uscc("2", 9001)
    change = changes.request_change(org, items(org, name="幸福家园社会工作服务中心", uscc=new_code,
                                                legal_representative="张伟"),
                                    "理事会决议更名", Upload(), actor=manager)
    assert change.status == ChangeStatus.PENDING and change.document is not None
    assert org.name == "幸福家园社工中心"  # nothing changes before the officer decides
    assert set(change.changes) == {"name", "uscc", "legal_representative"}
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == officer.id,
                                                           Notification.code == "org.change_requested"))
    changes.transition_change(change, ChangeStatus.APPROVED, actor=officer)
    assert (org.name, org.uscc, org.legal_representative) == ("幸福家园社会工作服务中心", new_code, "张伟")
    assert org.name_initials == "xfjyshgzfwzx"
    data = last_event("org.change_approved")
    assert data["changes"]["legal_representative"] == ["李明", "张伟"] and data["request_id"] == change.id
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == manager.id,
                                                           Notification.code == "org.change_approved"))
    found, _total, _grades = directory.search(directory.DirectoryFilter(q="社会工作服务中心"), 1, 50)
    assert org.id in [o.id for o in found]
    assert change.decided_by_id == officer.id and change.decided_at is not None


def test_reject_needs_a_reason_and_tells_the_manager(people):
    manager, officer, org = people
    change = changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=manager)
    with pytest.raises(ServiceError) as refused:
        changes.transition_change(change, ChangeStatus.REJECTED, actor=officer, reason=" ")
    assert "reason" in refused.value.fields and change.status == ChangeStatus.PENDING
    changes.transition_change(change, ChangeStatus.REJECTED, actor=officer, reason="缺少住所证明")
    assert change.status == ChangeStatus.REJECTED and org.address == "东城区幸福大街1号"
    note = db.session.scalar(select(Notification).where(Notification.user_id == manager.id,
                                                        Notification.code == "org.change_rejected"))
    assert "缺少住所证明" in note.text
    assert last_event("org.change_rejected")["reason"] == "缺少住所证明"


def test_withdraw_by_the_manager_only(people):
    manager, officer, org = people
    change = changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=manager)
    with pytest.raises(Forbidden):
        changes.transition_change(change, ChangeStatus.WITHDRAWN, actor=officer)
    changes.transition_change(change, ChangeStatus.WITHDRAWN, actor=manager)
    assert change.status == ChangeStatus.WITHDRAWN and last_event("org.change_withdrawn")["from"] == "pending"


def test_stale_decisions_conflict(people):
    manager, officer, org = people
    change = changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=manager)
    changes.transition_change(change, ChangeStatus.WITHDRAWN, actor=manager)
    for to in (ChangeStatus.APPROVED, ChangeStatus.REJECTED):
        with pytest.raises(Conflict):
            changes.transition_change(change, to, actor=officer, reason="x")
    assert org.address == "东城区幸福大街1号"


def test_one_open_request_at_a_time(people):
    manager, officer, org = people
    first = changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=manager)
    with pytest.raises(Conflict):
        changes.request_change(org, items(org, legal_representative="张伟"), "换届", actor=manager)
    changes.transition_change(first, ChangeStatus.APPROVED, actor=officer)
    second = changes.request_change(org, items(org, legal_representative="张伟"), "换届", actor=manager)
    assert second.changes == {"legal_representative": ["李明", "张伟"]}
    # and the database holds to it whatever the code does
    db.session.add(ChangeRequest(org=org, name=org.name, legal_representative="x", address="y", changes={},
                                 reason="r"))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_bad_requests_are_refused(people):
    manager, _officer, org = people
    with pytest.raises(ServiceError) as refused:
        changes.request_change(org, items(org, address="东城区新街2号"), "", actor=manager)
    assert set(refused.value.fields) == {"reason"}
    with pytest.raises(ServiceError) as refused:
        changes.request_change(org, items(org), "无", actor=manager)
    assert set(refused.value.fields) == {"name"}  # nothing would change
    with pytest.raises(ServiceError) as refused:
        changes.request_change(org, items(org, uscc=make_uscc("1", 9002), legal_representative=""), "更正",
                               actor=manager)
    assert set(refused.value.fields) == {"uscc", "legal_representative"}  # an association's code for an agency
    other = approved_org(make_user(), make_user(Role.OFFICER))
    with pytest.raises(ServiceError) as refused:
        changes.request_change(org, items(org, uscc=other.uscc), "更正", actor=manager)
    assert "uscc" in refused.value.fields
    assert db.session.scalar(select(ChangeRequest.id)) is None


@pytest.mark.parametrize("who", ["member", "other_manager", "officer"])
def test_only_the_manager_requests(people, who):
    _manager, _officer, org = people
    actor = not_the_manager(people, who)
    with pytest.raises(Forbidden):
        changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=actor)


@pytest.mark.parametrize("role", [None, Role.COMMUNITY_STAFF, Role.AUDITOR, Role.EVALUATOR, Role.ADMIN])
def test_only_an_officer_decides(people, role):
    manager, _officer, org = people
    change = changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=manager)
    for actor in (manager, make_user(role) if role else make_user()):
        with pytest.raises(Forbidden):
            changes.transition_change(change, ChangeStatus.APPROVED, actor=actor)
    assert change.status == ChangeStatus.PENDING


def test_a_suspended_organisation_cannot_request(people):
    manager, officer, org = people
    services.transition_org(org, OrgStatus.SUSPENDED, actor=officer, reason="检查")
    with pytest.raises(Forbidden):
        changes.request_change(org, items(org, address="东城区新街2号"), "搬迁", actor=manager)
