"""Credit lists: only organisations that are or were registered can be listed."""

from contextlib import contextmanager
from datetime import date

import flask_babel
import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from orgs import services, standing
from orgs.enums import OrgStatus
from orgs.models import CreditListEntry
from tests.factories import make_user
from tests.orgs.helpers import approved_org, org_data, submitted_org

EN = {"Accept-Language": "en"}


@contextmanager
def english(app):
    """Messages in English inside the test's app context (Flask-Babel caches the locale chosen earlier)."""
    with app.test_request_context(headers=EN):
        flask_babel.refresh()
        try:
            yield
        finally:
            flask_babel.refresh()


@pytest.fixture
def parties(session):
    return make_user(), make_user(Role.OFFICER)


def org_in(status: str, applicant, officer):
    """An organisation brought to `status` through the real transitions."""
    if status == "draft":
        return services.create_application(org_data(), actor=applicant)
    if status in ("submitted", "returned", "rejected"):
        org = submitted_org(applicant)
        if status != "submitted":
            services.transition_org(org, OrgStatus(status), actor=officer, reason="材料不全")
        return org
    org = approved_org(applicant, officer)
    if status != "approved":
        services.transition_org(org, OrgStatus(status), actor=officer, reason="违规")
    return org


def credit_rows(org_id: int) -> tuple[int, int]:
    """(entries, credit audit events) for the organisation."""
    entries = db.session.scalar(select(func.count(CreditListEntry.id)).where(CreditListEntry.org_id == org_id))
    events = db.session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action.in_(("org.credit_listed", "org.credit_entry_ended")), AuditEvent.target_id == str(org_id)))
    return entries, events


def event_count(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == action))


# --- 1. Only organisations that are (or were) registered can be listed -----------------------------------------

@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "rejected"])
def test_an_organisation_never_registered_cannot_be_listed(app, parties, status):
    applicant, officer = parties
    org = org_in(status, applicant, officer)
    listed_before = event_count("org.credit_listed")
    with english(app), pytest.raises(Conflict) as caught:
        standing.add_credit_entry(org, "serious", "虚假宣传", "东民社〔2026〕3号", date(2026, 1, 1), None,
                                  actor=officer)
    assert "is or was registered" in caught.value.message
    assert db.session.scalar(select(func.count(CreditListEntry.id))
                             .where(CreditListEntry.org_id == org.id)) == 0
    assert event_count("org.credit_listed") == listed_before
    assert org.status == status
    assert services.standing(org, on=date(2026, 3, 1)).credit_entries == ()


@pytest.mark.parametrize("status", ["approved", "suspended", "deregistered"])
def test_a_registered_or_formerly_registered_organisation_can_be_listed(parties, status):
    applicant, officer = parties
    org = org_in(status, applicant, officer)
    standing.add_credit_entry(org, "serious", "虚假宣传", "东民社〔2026〕3号", date(2026, 1, 1), None, actor=officer)
    assert services.standing(org, on=date(2026, 3, 1)).credit_entries == ("serious",)


def test_the_page_refuses_to_list_a_draft(client, parties, login_as):
    applicant, officer = parties
    org = org_in("draft", applicant, officer)
    db.session.commit()
    login_as(officer)
    listed_before = event_count("org.credit_listed")
    response = client.post(f"/orgs/{org.id}/credit", headers=EN, follow_redirects=True, data={
        "list_type": "abnormal", "reason": "未年检", "source": "东民社1号", "start_on": "2026-01-01"})
    assert response.status_code == 200
    assert "Only an organisation that is or was registered can be put on a credit list." in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CreditListEntry.id))
                             .where(CreditListEntry.org_id == org.id)) == 0
    assert event_count("org.credit_listed") == listed_before
