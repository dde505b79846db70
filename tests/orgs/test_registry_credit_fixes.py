"""Credit lists: only organisations that are or were registered can be listed; ending an entry early."""

from contextlib import contextmanager
from datetime import date, timedelta

import flask_babel
import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from core.timeutil import local_today
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
    response = client.post(f"/orgs/{org.id}/credit", headers=EN, data={
        "list_type": "abnormal", "reason": "未年检", "source": "东民社1号", "start_on": "2026-01-01"})
    assert response.status_code == 409
    assert "Only an organisation that is or was registered can be put on a credit list." in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CreditListEntry.id))
                             .where(CreditListEntry.org_id == org.id)) == 0
    assert event_count("org.credit_listed") == listed_before


# --- 2. Ending an entry early ------------------------------------------------------------------------------------

@pytest.fixture
def listed(parties):
    """A registered organisation on a list from 60 days ago until 60 days from now (still active today)."""
    applicant, officer = parties
    org = approved_org(applicant, officer)
    today = local_today()
    entry = standing.add_credit_entry(org, "abnormal", "未年检", "东民社1号", today - timedelta(days=60),
                                      today + timedelta(days=60), actor=officer)
    return org, entry, officer


@pytest.mark.parametrize("days_from_today", [-1, 0, 1, 59])
def test_an_active_entry_can_be_ended_before_its_scheduled_end(listed, days_from_today):
    org, entry, officer = listed
    today = local_today()
    end_on = today + timedelta(days=days_from_today)
    standing.end_credit_entry(entry, end_on, actor=officer)
    assert entry.end_on == end_on
    assert services.standing(org, on=end_on).credit_entries == ()
    assert services.standing(org, on=end_on - timedelta(days=1)).credit_entries == ("abnormal",)


@pytest.mark.parametrize("days_from_today", [60, 61, 365])
def test_an_active_entry_is_not_called_ended_when_the_date_is_not_earlier(app, listed, days_from_today):
    """The entry is still in force today: asked to end on or after its scheduled end, the answer is a field
    error about the date, not "already ended" (which used to compare the stored end with the date asked for)."""
    org, entry, officer = listed
    scheduled = entry.end_on
    before = credit_rows(org.id)
    with english(app), pytest.raises(ServiceError) as caught:
        standing.end_credit_entry(entry, local_today() + timedelta(days=days_from_today), actor=officer)
    assert not isinstance(caught.value, Conflict)
    assert "already ended" not in caught.value.message
    assert "end_on" in caught.value.fields and scheduled.isoformat() in caught.value.fields["end_on"]
    db.session.expire_all()
    assert entry.end_on == scheduled
    assert credit_rows(org.id) == before


@pytest.mark.parametrize("days_from_today", [-80, -45, -10, 0, 30])
def test_an_entry_that_has_ended_cannot_be_ended_again(app, parties, days_from_today):
    """Ended yesterday (its end date is the first day it no longer counts): whatever date is asked for, it has
    already ended, and its recorded period is not rewritten."""
    applicant, officer = parties
    org = approved_org(applicant, officer)
    today = local_today()
    entry = standing.add_credit_entry(org, "serious", "虚假宣传", "东民社2号", today - timedelta(days=90),
                                      today - timedelta(days=1), actor=officer)
    before = credit_rows(org.id)
    with english(app), pytest.raises(Conflict) as caught:
        standing.end_credit_entry(entry, today + timedelta(days=days_from_today), actor=officer)
    assert "already ended" in caught.value.message
    db.session.expire_all()
    assert entry.end_on == today - timedelta(days=1)
    assert credit_rows(org.id) == before


def test_an_entry_whose_end_is_today_has_already_ended(app, parties):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    today = local_today()
    entry = standing.add_credit_entry(org, "serious", "虚假宣传", "东民社2号", today - timedelta(days=90), today,
                                      actor=officer)
    assert services.standing(org, on=today).credit_entries == ()
    with english(app), pytest.raises(Conflict):
        standing.end_credit_entry(entry, today - timedelta(days=5), actor=officer)
    assert entry.end_on == today


def test_an_open_ended_entry_can_be_ended(parties):
    applicant, officer = parties
    org = approved_org(applicant, officer)
    today = local_today()
    entry = standing.add_credit_entry(org, "abnormal", "未年检", "东民社1号", today - timedelta(days=30), None,
                                      actor=officer)
    standing.end_credit_entry(entry, today, actor=officer)
    assert entry.end_on == today
    assert services.standing(org, on=today).credit_entries == ()


def test_the_page_ends_an_entry_early(client, listed, login_as):
    org, entry, officer = listed
    db.session.commit()
    login_as(officer)
    today = local_today()
    response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN, follow_redirects=True,
                           data={"end_on": today.isoformat()})
    assert response.status_code == 200
    assert "Credit-list entry ended." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CreditListEntry, entry.id).end_on == today
