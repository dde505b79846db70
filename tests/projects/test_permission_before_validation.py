"""DESIGN.md 4.1: a POST view loads what it acts on (404), checks permission (403), then validates. An auditor, or an
organisation's manager, posting (empty or filled) forms to an officer's action got the validation's answer instead
(QA, an auditor: /contracts/tranches/1/pay 422, /contracts/1/terminate 409, /calls/2/status 400): they learnt what the
form wants from an action that is not theirs. Now a 403, and nothing changes. An officer's empty form is still
refused by validation, as before."""

import pytest

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from projects.contract_models import ContractStatus
from tests.factories import login, make_user
from tests.projects.contract_helpers import active_contract, drawn_contract

ACTIVE = {  # officer-only actions on an active contract: (url, a filled form)
    "pay": (lambda c: f"/contracts/tranches/{c.tranches[0].id}/pay", {"paid_on": "2026-01-05", "reference": "X1"}),
    "terminate": (lambda c: f"/contracts/{c.id}/terminate", {"reason": "违约"}),
    "call status": (lambda c: f"/calls/{c.call_id}/status", {"to": "cancelled", "reason": "预算调整"}),
}
DRAWN = {  # on a contract awaiting signatures
    "lines": (lambda c: f"/contracts/{c.id}/lines", lambda c: {f"line-{line.id}": "1" for line in c.lines}),
    "confirm": (lambda c: f"/contracts/{c.id}/confirm", lambda c: {"acknowledged": "y"}),
}


def events() -> int:
    return db.session.query(AuditEvent).count()


def posted(client, url, form) -> list[int]:
    return [client.post(url, data=data).status_code for data in ({}, form)]


@pytest.mark.parametrize("action", sorted(ACTIVE))
def test_an_auditor_or_the_organisation_gets_403_on_an_officers_action_whatever_it_sends(app, client, session,
                                                                                        login_as, action):
    officer, manager, contract = active_contract(app)
    url, form = ACTIVE[action][0](contract), ACTIVE[action][1]
    for who in (make_user(Role.AUDITOR), manager):
        browser = app.test_client()
        assert login(browser, who.username).status_code == 302
        before = events()
        assert posted(browser, url, form) == [403, 403], (action, who.username)
        assert events() == before
    db.session.refresh(contract)
    assert contract.status == ContractStatus.ACTIVE


@pytest.mark.parametrize("action", sorted(DRAWN))
def test_one_who_signs_for_neither_side_gets_403_before_the_form_is_read(app, client, session, login_as, action):
    _officer, _manager, contract = drawn_contract(app)
    url, form = DRAWN[action][0](contract), DRAWN[action][1](contract)
    login_as(make_user(Role.AUDITOR))
    before = events()
    assert posted(client, url, form) == [403, 403]
    assert events() == before


def test_an_officers_empty_form_is_still_refused_by_validation(app, client, session, login_as):
    officer, _manager, contract = active_contract(app)
    login_as(officer)
    assert client.post(ACTIVE["pay"][0](contract), data={}).status_code == 422
    assert client.post(ACTIVE["terminate"][0](contract), data={}).status_code == 422
    assert client.post(ACTIVE["call status"][0](contract), data={}).status_code == 400


def test_a_proposals_status_is_not_the_auditors_to_change_whatever_it_sends(app, client, session, login_as):
    """Its organisation's managers submit or withdraw it, officers screen it; an auditor's empty form was a 400."""
    _officer, _manager, contract = active_contract(app)
    login_as(make_user(Role.AUDITOR))
    before = events()
    url = f"/proposals/{contract.proposal_id}/status"
    assert posted(client, url, {"to": "withdrawn", "reason": "看看"}) == [403, 403]
    assert events() == before


def test_our_proposals_is_for_organisations_members(app, client, session, login_as):
    _officer, manager, _contract = active_contract(app)
    login_as(make_user(Role.AUDITOR))
    refused = client.get("/proposals/mine", headers={"Accept-Language": "en"})
    assert refused.status_code == 403 and 'id="for-members-only"' in refused.get_data(as_text=True)
    browser = app.test_client()
    assert login(browser, manager.username).status_code == 302
    page = browser.get("/proposals/mine").get_data(as_text=True)
    assert 'id="for-members-only"' not in page and "/proposals/" in page
