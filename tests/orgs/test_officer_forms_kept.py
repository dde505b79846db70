"""The officer's standing forms on an organisation's page (credit list, incubation, annual-report return, finishing an
incubation): refused, the page again (422) with what was typed and each reason beside its field, nothing changed.
They were a flash after a redirect, the typed reason lost; finishing an incubation had no form at all."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from orgs import standing
from orgs.models import CreditListEntry, Incubation
from tests.factories import login, make_user
from tests.orgs.helpers import Upload, approved_org

STARTED = date(2024, 3, 1)


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


@pytest.fixture
def hub_with_group(officer):
    manager = make_user()
    hub = approved_org(manager, officer)
    standing.designate_hub(hub, True, actor=officer)
    child = approved_org(make_user(), officer, kind="community")
    link = standing.link_incubation(hub, child, STARTED, actor=officer)
    db.session.commit()
    return hub, link, manager


def audit_count(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def field_error(page: str, key: str, name: str) -> str:
    """The reason shown beside a field of the refused form (its id is <key>-<name>-error)."""
    found = re.search(rf'id="{key}-{name}-error">([^<]+)<', page)
    return found.group(1) if found else ""


def test_a_credit_entry_without_its_source_keeps_the_reason_typed(client, officer):
    org = approved_org(make_user(), officer)
    db.session.commit()
    login(client, officer.username)
    response = client.post(f"/orgs/{org.id}/credit", data={
        "list_type": "serious", "reason": "多次未按规定报送年度报告", "source": "", "start_on": "2026-01-05"},
        headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "credit", "source")
    assert "多次未按规定报送年度报告</textarea>" in page
    assert 'value="2026-01-05"' in page and '<option value="serious" selected>' in page
    assert '<details class="border rounded p-2 mb-2" open><summary>Put on a credit list' in page
    assert db.session.scalar(select(func.count()).select_from(CreditListEntry)) == 0
    assert audit_count("org.credit_listed") == 0


def test_a_credit_entry_that_passes_goes_back_to_the_page(client, officer):
    org = approved_org(make_user(), officer)
    db.session.commit()
    login(client, officer.username)
    response = client.post(f"/orgs/{org.id}/credit", data={
        "list_type": "abnormal", "reason": "未按时年检", "source": "民社〔2026〕3号", "start_on": "2026-01-05"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orgs/{org.id}")
    assert db.session.scalars(select(CreditListEntry.reason)).all() == ["未按时年检"]


def test_an_unknown_organisation_number_is_refused_beside_its_field(client, officer, hub_with_group):
    hub, _link, _manager = hub_with_group
    login(client, officer.username)
    response = client.post(f"/orgs/{hub.id}/incubations", data={"child_id": "999999", "started_on": "2026-01-05"},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "incubation", "child_id") == "No organisation with this number."
    assert 'value="999999"' in page and 'value="2026-01-05"' in page
    assert db.session.scalar(select(func.count()).select_from(Incubation)) == 1


def test_returning_an_annual_report_without_a_reason_says_so_beside_it(client, officer):
    manager = make_user()
    org = approved_org(manager, officer)
    report = standing.submit_annual_report(org, 2025, Upload(), actor=manager)
    db.session.commit()
    login(client, officer.username)
    response = client.post(f"/orgs/annual-reports/{report.id}/return", data={"note": ""},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, f"report-{report.id}", "note") == "Please give a reason."
    db.session.refresh(report)
    assert report.status == "submitted"


def test_an_officer_finishes_an_incubation_from_the_hubs_page(client, officer, hub_with_group):
    hub, link, _manager = hub_with_group
    login(client, officer.username)
    page = client.get(f"/orgs/{hub.id}").get_data(as_text=True)
    assert f'action="/orgs/incubations/{link.id}/stage"' in page
    ended = local_today() - timedelta(days=3)
    response = client.post(f"/orgs/incubations/{link.id}/stage",
                           data={"stage": "graduated", "ended_on": ended.isoformat()})
    assert response.status_code == 302
    db.session.refresh(link)
    assert (link.stage, link.ended_on) == ("graduated", ended)
    assert audit_count("org.incubation_graduated") == 1
    # Finished: the form is gone, and a second attempt is refused without a change.
    assert f'action="/orgs/incubations/{link.id}/stage"' not in client.get(f"/orgs/{hub.id}").get_data(as_text=True)
    again = client.post(f"/orgs/incubations/{link.id}/stage", data={"stage": "ended", "ended_on": ""})
    assert again.status_code == 409
    db.session.refresh(link)
    assert link.stage == "graduated" and audit_count("org.incubation_ended") == 0


def test_an_end_date_in_the_future_is_refused_beside_it_with_the_choice_kept(client, officer, hub_with_group):
    hub, link, _manager = hub_with_group
    login(client, officer.username)
    future = (local_today() + timedelta(days=30)).isoformat()
    response = client.post(f"/orgs/incubations/{link.id}/stage", data={"stage": "ended", "ended_on": future},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, f"stage-{link.id}", "ended_on") == "The date cannot be in the future."
    assert f'value="{future}"' in page and '<option value="ended" selected>' in page
    db.session.refresh(link)
    assert link.stage == "incubating" and link.ended_on is None


def test_the_hubs_manager_neither_sees_nor_may_use_the_finish_form(client, hub_with_group):
    hub, link, manager = hub_with_group
    login(client, manager.username)
    assert "/stage" not in client.get(f"/orgs/{hub.id}").get_data(as_text=True)
    assert client.post(f"/orgs/incubations/{link.id}/stage", data={"stage": "graduated"}).status_code == 403
    db.session.refresh(link)
    assert link.stage == "incubating"
