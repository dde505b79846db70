"""Credit codes held only by live records, hub designation, public incubation links, filing numbers under load."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from app import create_app
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from core.timeutil import local_today
from orgs import services, standing
from orgs.enums import OrgStatus
from orgs.models import Organisation
from tests.conftest import app_config
from tests.factories import login, make_user
from tests.orgs.helpers import Upload, approved_org, org_data, submitted_org


def last_event(action: str) -> AuditEvent:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()))


def test_a_draft_does_not_hold_a_credit_code(session):
    squatter, owner = make_user(), make_user()
    data = org_data()
    services.create_application(data, actor=squatter)  # a draft with somebody else's code
    real = services.create_application(org_data(uscc=data.uscc), actor=owner)  # still allowed
    for kind in ("certificate", "charter", "annual_report"):
        services.add_document(real, kind, Upload(), actor=owner)
    services.transition_org(real, OrgStatus.SUBMITTED, actor=owner)
    # Once a live record holds it, a new application with the code is refused at once.
    with pytest.raises(ServiceError) as caught:
        services.create_application(org_data(uscc=data.uscc), actor=make_user())
    assert "uscc" in caught.value.fields


def test_the_second_draft_with_a_code_cannot_be_submitted(session):
    first, second = make_user(), make_user()
    data = org_data()
    a = services.create_application(data, actor=first)
    b = services.create_application(org_data(uscc=data.uscc), actor=second)
    for org, user in ((a, first), (b, second)):
        for kind in ("certificate", "charter", "annual_report"):
            services.add_document(org, kind, Upload(), actor=user)
    services.transition_org(a, OrgStatus.SUBMITTED, actor=first)
    with pytest.raises(Conflict) as caught:
        services.transition_org(b, OrgStatus.SUBMITTED, actor=second)
    assert "uscc" in caught.value.fields and b.status == OrgStatus.DRAFT


def test_a_rejected_applicant_can_apply_again_with_the_same_code(session):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    rejected = submitted_org(applicant)
    services.transition_org(rejected, OrgStatus.REJECTED, actor=officer, reason="材料不实")
    again = submitted_org(applicant, uscc=rejected.uscc)
    assert again.status == OrgStatus.SUBMITTED and again.uscc == rejected.uscc


def test_only_a_designated_hub_incubates_and_only_public_groups(session):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    hub = approved_org(applicant, officer, name="东城区社会组织服务中心")
    group = approved_org(make_user(), officer, kind="community", uscc="", name="和平社区合唱团")
    draft = services.create_application(org_data(kind="community", uscc="", name="未提交的读书会"),
                                        actor=make_user())
    with pytest.raises(Conflict):
        standing.link_incubation(hub, group, date(2025, 3, 1), actor=officer)
    standing.designate_hub(hub, True, actor=officer)
    assert hub.is_hub and last_event("org.hub_designated").target_id == str(hub.id)
    with pytest.raises(Conflict):
        standing.designate_hub(hub, True, actor=officer)  # twice
    with pytest.raises(ServiceError) as caught:
        standing.link_incubation(hub, draft, date(2025, 3, 1), actor=officer)
    assert "child_id" in caught.value.fields
    with pytest.raises(ServiceError):
        standing.link_incubation(hub, group, local_today() + timedelta(days=1), actor=officer)
    standing.link_incubation(hub, group, date(2025, 3, 1), actor=officer)
    standing.designate_hub(hub, False, actor=officer)
    assert not hub.is_hub and last_event("org.hub_withdrawn").target_id == str(hub.id)


def test_a_draft_cannot_be_designated_a_hub(session):
    draft = services.create_application(org_data(), actor=make_user())
    with pytest.raises(Conflict):
        standing.designate_hub(draft, True, actor=make_user(Role.OFFICER))


def test_hub_designation_page_action(app, client, session, login_as):
    applicant, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(applicant, officer)
    db.session.commit()
    as_applicant = app.test_client()
    assert login(as_applicant, applicant.username, "correct-horse-1").status_code == 302
    assert as_applicant.post(f"/orgs/{org.id}/hub", data={"is_hub": "1"}).status_code == 403
    login_as(officer)
    assert 'id="hub-toggle"' in client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert client.post(f"/orgs/{org.id}/hub", data={"is_hub": "1"}).status_code == 302
    db.session.refresh(org)
    assert org.is_hub
    assert 'id="org-hub"' in client.get(f"/orgs/{org.id}").get_data(as_text=True)


@pytest.mark.committing
def test_concurrent_filings_get_distinct_numbers(migrated_url, tmp_path):
    application = create_app(app_config(migrated_url, tmp_path))
    with application.app_context():
        officer = make_user(Role.OFFICER)
        ids = [submitted_org(make_user(), kind="community", uscc="", name=f"社区互助队{n}").id for n in range(4)]
        officer_id = officer.id
        db.session.commit()
    start, errors = threading.Barrier(len(ids)), []

    def approve(org_id):
        with application.app_context():
            from accounts.models import User

            start.wait()
            try:
                org, actor = db.session.get(Organisation, org_id), db.session.get(User, officer_id)
                services.transition_org(org, OrgStatus.APPROVED, actor=actor)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                db.session.rollback()
                errors.append(repr(exc))

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with application.app_context():
        numbers = list(db.session.scalars(select(Organisation.filing_number).where(Organisation.id.in_(ids))))
        db.engine.dispose()
    assert errors == []
    assert len(set(numbers)) == len(ids) and all(numbers)
