"""Ending a credit-list entry early from the organisation's page: the form beside each entry still in force, for
those who may record the organisation's standing only, and the end route's per-object permission check."""

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from orgs import services, standing
from orgs.models import CreditListEntry
from tests.factories import make_user
from tests.orgs.helpers import approved_org

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(session):
    """A registered organisation with its manager, a plain member and an officer, on one list that is in force
    (60 days ago to 60 days from now) and on one that ended yesterday."""
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    member = make_user()
    membership = services.invite_member(org, member.username, "member", actor=manager)
    services.answer_invitation(membership, True, actor=member)
    today = local_today()
    active = standing.add_credit_entry(org, "abnormal", "未按规定接受年度检查", "东民社〔2026〕12号",
                                       today - timedelta(days=60), today + timedelta(days=60), actor=officer)
    ended = standing.add_credit_entry(org, "serious", "虚假宣传", "东民社〔2025〕3号", today - timedelta(days=90),
                                      today - timedelta(days=1), actor=officer)
    db.session.commit()
    return {"org": org, "manager": manager, "member": member, "officer": officer, "active": active, "ended": ended}


def end_action(entry_id: int) -> str:
    return f'action="/orgs/credit/{entry_id}/end"'


def page(client, org_id: int) -> str:
    response = client.get(f"/orgs/{org_id}", headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def entry_state(entry_id: int) -> tuple[date | None, int]:
    """(the entry's end date, the number of "entry ended" audit events)."""
    db.session.expire_all()
    events = db.session.scalar(select(func.count(AuditEvent.seq))
                               .where(AuditEvent.action == "org.credit_entry_ended"))
    return db.session.get(CreditListEntry, entry_id).end_on, events


# --- Who sees the form ------------------------------------------------------------------------------------------

def test_the_officer_sees_the_form_for_an_entry_in_force_and_not_for_an_ended_one(app, client, world, login_as,
                                                                                   monkeypatch):
    login_as(world["officer"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production: the form carries its token
    html = page(client, world["org"].id)
    assert html.count(end_action(world["active"].id)) == 1
    assert end_action(world["ended"].id) not in html
    form = re.search(r'<form[^>]*' + re.escape(end_action(world["active"].id)) + r'.*?</form>', html, re.S).group(0)
    assert 'type="date"' in form and 'name="end_on"' in form
    assert f'value="{local_today().isoformat()}"' in form  # today in China by default
    assert 'name="csrf_token"' in form
    assert "Ends on" in form and "End early" in form


@pytest.mark.parametrize("who", ["manager", "member", "auditor", "admin", "community_staff", "anonymous"])
def test_others_do_not_see_the_form_and_cannot_post(client, world, login_as, who):
    users = {"auditor": Role.AUDITOR, "admin": Role.ADMIN, "community_staff": Role.COMMUNITY_STAFF}
    if who in users:
        login_as(make_user(users[who]))
    elif who != "anonymous":
        login_as(world[who])
    html = page(client, world["org"].id)
    assert end_action(world["active"].id) not in html and "End early" not in html
    before = entry_state(world["active"].id)
    response = client.post(f"/orgs/credit/{world['active'].id}/end", headers=EN,
                           data={"end_on": local_today().isoformat()})
    if who == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert entry_state(world["active"].id) == before


def test_the_entries_are_shown_to_the_auditor_without_the_form(client, world, login_as):
    login_as(make_user(Role.AUDITOR))
    html = page(client, world["org"].id)
    assert f'id="credit-entry-{world["active"].id}"' in html and "credit-end-form" not in html


# --- Ending an entry through the page ---------------------------------------------------------------------------

def test_the_officer_ends_an_entry_early_through_the_page(client, world, login_as):
    org, entry, officer = world["org"], world["active"], world["officer"]
    login_as(officer)
    html = page(client, org.id)
    assert "Abnormal" in re.search(r"Credit lists:.*?</li>", html, re.S).group(0)
    date_input = re.search(rf'<input[^>]*id="credit-end-on-{entry.id}"[^>]*>', html).group(0)
    end_on = re.search(r'value="([^"]+)"', date_input).group(1)
    assert end_on == local_today().isoformat()
    _, events_before = entry_state(entry.id)
    response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN, data={"end_on": end_on})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/orgs/{org.id}")
    html = page(client, org.id)
    assert "Credit-list entry ended." in html
    assert entry_state(entry.id) == (local_today(), events_before + 1)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "org.credit_entry_ended")
                               .order_by(AuditEvent.seq.desc())).first()
    assert event.target_id == str(org.id) and event.actor_id == officer.id
    assert json.loads(event.data) == {"entry_id": entry.id, "end_on": local_today().isoformat()}
    # The standing no longer counts it, and the entry has no form any more.
    assert services.standing(db.session.get(type(org), org.id)).credit_entries == ()
    assert "none" in re.search(r"Credit lists:.*?</li>", html, re.S).group(0)
    assert end_action(entry.id) not in html


def test_an_entry_ended_on_a_later_day_still_counts_until_then(client, world, login_as):
    org, entry = world["org"], world["active"]
    login_as(world["officer"])
    later = local_today() + timedelta(days=10)
    response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN, data={"end_on": later.isoformat()},
                           follow_redirects=True)
    assert "Credit-list entry ended." in response.get_data(as_text=True)
    assert entry_state(entry.id)[0] == later
    org = db.session.get(type(org), org.id)
    assert services.standing(org, on=later - timedelta(days=1)).credit_entries == ("abnormal",)
    assert services.standing(org, on=later).credit_entries == ()


# --- Refusals change nothing ------------------------------------------------------------------------------------

def test_a_date_on_or_after_the_scheduled_end_is_refused_with_the_reason(client, world, login_as):
    entry = world["active"]
    scheduled = entry.end_on
    login_as(world["officer"])
    before = entry_state(entry.id)
    for day in (scheduled, scheduled + timedelta(days=1)):
        response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN, data={"end_on": day.isoformat()},
                               follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert (f"The entry is already scheduled to end on {scheduled.isoformat()}: choose an earlier date to end "
                "it early.") in html
        assert "Credit-list entry ended." not in html
        assert entry_state(entry.id) == before


def test_a_date_not_after_the_start_is_refused(client, world, login_as):
    entry = world["active"]
    login_as(world["officer"])
    before = entry_state(entry.id)
    response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN, data={"end_on": entry.start_on.isoformat()},
                           follow_redirects=True)
    assert "The end must come after the start." in response.get_data(as_text=True)
    assert entry_state(entry.id) == before


def test_an_entry_that_has_ended_is_refused(client, world, login_as):
    entry = world["ended"]
    login_as(world["officer"])
    before = entry_state(entry.id)
    response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN,
                           data={"end_on": (local_today() - timedelta(days=10)).isoformat()}, follow_redirects=True)
    assert "This entry has already ended." in response.get_data(as_text=True)
    assert entry_state(entry.id) == before


@pytest.mark.parametrize("value", ["2026-13-45", "tomorrow", ""])
def test_a_malformed_or_missing_date_is_refused_with_the_field_named(client, world, login_as, value):
    entry = world["active"]
    login_as(world["officer"])
    before = entry_state(entry.id)
    response = client.post(f"/orgs/credit/{entry.id}/end", headers=EN, data={"end_on": value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Some of the information is not valid." in html and "Ends on" in html
    assert entry_state(entry.id) == before


def test_the_refusal_is_in_chinese_by_default(client, world, login_as):
    entry = world["active"]
    login_as(world["officer"])
    response = client.post(f"/orgs/credit/{entry.id}/end", data={"end_on": entry.end_on.isoformat()},
                           follow_redirects=True)
    assert f"该记录已定于 {entry.end_on.isoformat()} 结束" in response.get_data(as_text=True)


def test_an_unknown_entry_is_not_found(client, world, login_as):
    login_as(world["officer"])
    assert client.post("/orgs/credit/999999/end", data={"end_on": local_today().isoformat()}).status_code == 404
