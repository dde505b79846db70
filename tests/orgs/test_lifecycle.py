import json
from itertools import product

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from orgs import services
from orgs.enums import TRANSITIONS, OrgStatus
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org, org_data, submitted_org


def put_in(status: OrgStatus, applicant, officer, **overrides):
    """An organisation brought to `status` through the real transitions."""
    if status is OrgStatus.DRAFT:
        org = services.create_application(org_data(**overrides), actor=applicant)
        for kind in ("certificate", "charter", "annual_report"):
            services.add_document(org, kind, Upload(), actor=applicant)
        return org
    org = submitted_org(applicant, **overrides)
    path = {
        OrgStatus.SUBMITTED: [],
        OrgStatus.RETURNED: [OrgStatus.RETURNED],
        OrgStatus.APPROVED: [OrgStatus.APPROVED],
        OrgStatus.REJECTED: [OrgStatus.REJECTED],
        OrgStatus.SUSPENDED: [OrgStatus.APPROVED, OrgStatus.SUSPENDED],
        OrgStatus.DEREGISTERED: [OrgStatus.APPROVED, OrgStatus.DEREGISTERED],
    }[status]
    for step in path:
        services.transition_org(org, step, actor=officer, reason="理由")
    return org


@pytest.mark.parametrize("start, target", list(product(OrgStatus, OrgStatus)))
def test_transition_table(session, start, target):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = put_in(start, applicant, officer)
    actor = applicant if target is OrgStatus.SUBMITTED else officer
    last_seq = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))
    if target in TRANSITIONS[start]:
        services.transition_org(org, target, actor=actor, reason="理由")
        assert org.status == target
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert event.seq == last_seq + 1 and event.target_id == str(org.id)
        assert json.loads(event.data)["from"] == start.value and json.loads(event.data)["to"] == target.value
    else:
        with pytest.raises(Conflict):
            services.transition_org(org, target, actor=actor, reason="理由")
        assert org.status == start
        assert db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) == last_seq


def test_applicants_cannot_decide_and_officers_cannot_submit_for_them(session):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = submitted_org(applicant)
    with pytest.raises(ServiceError) as caught:
        services.transition_org(org, OrgStatus.APPROVED, actor=applicant)
    assert caught.value.code == "forbidden"
    draft = services.create_application(org_data(), actor=applicant)
    for kind in ("certificate", "charter", "annual_report"):
        services.add_document(draft, kind, Upload(), actor=applicant)
    with pytest.raises(ServiceError):
        services.transition_org(draft, OrgStatus.SUBMITTED, actor=officer)
    stranger = make_user()
    with pytest.raises(ServiceError):
        services.transition_org(draft, OrgStatus.SUBMITTED, actor=stranger)


def test_return_needs_a_reason_and_notifies_the_applicant(session):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = submitted_org(applicant)
    with pytest.raises(ServiceError) as caught:
        services.transition_org(org, OrgStatus.RETURNED, actor=officer, reason="  ")
    assert "reason" in caught.value.fields and org.status == OrgStatus.SUBMITTED
    services.transition_org(org, OrgStatus.RETURNED, actor=officer, reason="请补充章程")
    note = db.session.scalar(select(Notification).where(Notification.user_id == applicant.id,
                                                        Notification.code == "org.returned"))
    assert "请补充章程" in note.text and org.name in note.text


def test_submission_needs_the_required_documents(session):
    applicant = make_user()
    org = services.create_application(org_data(), actor=applicant)
    services.add_document(org, "certificate", Upload(), actor=applicant)
    with pytest.raises(ServiceError) as caught:
        services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    assert caught.value.code == "documents_missing" and org.status == OrgStatus.DRAFT


def test_officers_are_told_of_new_applications(session):
    officer = make_user(Role.OFFICER)
    submitted_org(make_user())
    assert db.session.scalar(select(Notification).where(Notification.user_id == officer.id,
                                                        Notification.code == "org.submitted"))


def test_community_organisations_are_filed_with_a_number(session):
    officer = make_user(Role.OFFICER)
    first = approved_org(make_user(), officer, kind="community", uscc="")
    second = approved_org(make_user(), officer, kind="community", uscc="")
    assert first.filing_number.startswith("SQBA") and second.filing_number > first.filing_number
    assert str(first.status_label) in ("已备案", "Filed")


def test_editing_is_only_for_drafts_and_returned(session):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = submitted_org(applicant)
    with pytest.raises(Conflict):
        services.update_application(org, org_data(), actor=applicant)
    services.transition_org(org, OrgStatus.RETURNED, actor=officer, reason="改")
    services.update_application(org, org_data(name="改过的名字社会工作服务中心"), actor=applicant)
    assert org.name == "改过的名字社会工作服务中心"
    services.transition_org(org, OrgStatus.SUBMITTED, actor=applicant)
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert event.action == "org.resubmitted"


def test_members_invite_accept_and_last_manager_stays(session):
    manager = make_user()
    org = services.create_application(org_data(), actor=manager)
    invitee = make_user(username="newmember")
    membership = services.invite_member(org, "newmember", "member", actor=manager)
    with pytest.raises(Conflict):
        services.invite_member(org, "newmember", "member", actor=manager)
    with pytest.raises(Conflict):
        services.answer_invitation(membership, True, actor=make_user())
    services.answer_invitation(membership, True, actor=invitee)
    assert membership.status == "active"
    manager_membership = next(m for m in org.memberships if m.user_id == manager.id)
    with pytest.raises(Conflict):
        services.remove_member(manager_membership, actor=manager)
    with pytest.raises(Conflict):
        services.set_member_role(manager_membership, "member", actor=manager)
    services.set_member_role(membership, "manager", actor=manager)
    services.remove_member(manager_membership, actor=manager)
    assert [m.user_id for m in org.memberships] == [invitee.id]
    with pytest.raises(ServiceError):
        services.invite_member(org, "nobody-by-that-name", "member", actor=invitee)
