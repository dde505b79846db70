"""Signing a contract over the JSON API: GET /api/v1/contracts/<id> gives a signer the digest of the terms (and the
clauses, so that everything signed can be read), POST /api/v1/contracts/<id>/confirm sends it back and confirms
through contracts.confirm, the page's service. A digest left out or stale (the budget lines rebalanced meanwhile)
is refused, as are a second confirmation and anyone with nothing to confirm; every refusal changes nothing."""

import json
import re

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from orgs import services as org_services
from projects import contracts
from tests.factories import make_user
from tests.projects.contract_helpers import bearer, counts, drawn_contract, last_event
from tests.projects.helpers import good_org

CLAUSES = "1. 乙方应按季度提交服务台账。\n2. 甲方可对服务质量进行抽查。"
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def drawn(app, session):
    """A contract drawn up, awaiting both signatures: (officer, manager, contract)."""
    return drawn_contract(app, CLAUSES)


def url(contract_id: int) -> str:
    return f"/api/v1/contracts/{contract_id}"


def digest(client, contract, headers) -> str | None:
    response = client.get(url(contract.id), headers=headers)
    assert response.status_code == 200
    return response.get_json()["terms_digest"]


def confirm(client, contract, headers, **body):
    return client.post(f"{url(contract.id)}/confirm", headers=headers, json=body)


def confirmations() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contract.confirmed")
                                   .order_by(AuditEvent.seq)))


def unchanged(contract, before: dict) -> bool:
    """Nothing signed, no event written (the refused request's own token was made before `before`)."""
    db.session.expire_all()
    return (counts() == before and contract.org_confirmed_at is None and contract.officer_confirmed_at is None
            and contract.status == "draft")


def member_of(app, contract, role: str):
    user = make_user()
    manager = next(m.user for m in contract.org.memberships if m.role == "manager")
    with app.test_request_context():
        org_services.answer_invitation(org_services.invite_member(contract.org, user.username, role, actor=manager),
                                       True, actor=user)
    db.session.commit()
    return user


def test_a_signer_reads_the_terms_and_their_digest(client, drawn):
    officer, manager, contract = drawn
    for signer in (manager, officer):
        body = client.get(url(contract.id), headers=bearer(signer)).get_json()
        assert body["terms_digest"] == contracts.terms_digest(contract)
        assert body["clauses"] == CLAUSES  # what is signed can be read over the API too
        assert body["org_confirmed_at"] is None and body["officer_confirmed_at"] is None


def test_the_manager_then_an_officer_sign_and_it_becomes_active(client, drawn):
    officer, manager, contract = drawn
    as_manager = bearer(manager)
    response = confirm(client, contract, as_manager, terms_digest=digest(client, contract, as_manager))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "draft" and body["org_confirmed_at"] and body["officer_confirmed_at"] is None
    assert body["terms_digest"] is None  # the manager has nothing more to confirm
    db.session.expire_all()
    assert contract.org_confirmed_by_id == manager.id and contract.officer_confirmed_at is None
    as_officer = bearer(officer)
    response = confirm(client, contract, as_officer, terms_digest=digest(client, contract, as_officer))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "active" and body["officer_confirmed_at"] and body["terms_digest"] is None
    db.session.expire_all()
    assert contract.status == "active" and contract.officer_confirmed_by_id == officer.id and contract.document_code
    assert last_event("contract.active").actor_id == officer.id


def test_an_officer_may_sign_first(client, drawn):
    officer, manager, contract = drawn
    as_officer = bearer(officer)
    response = confirm(client, contract, as_officer, terms_digest=digest(client, contract, as_officer))
    assert response.status_code == 200 and response.get_json()["officer_confirmed_at"]
    db.session.expire_all()
    assert contract.officer_confirmed_by_id == officer.id and contract.org_confirmed_at is None
    assert contract.status == "draft"


def test_the_audit_event_is_the_one_the_page_records(client, login_as, drawn):
    """The manager signs on the page, the officer over the API: one contract.confirmed event each, alike but for
    the side and the actor."""
    officer, manager, contract = drawn
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}/confirm").get_data(as_text=True)
    terms = re.search(r'name="terms" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert client.post(f"/contracts/{contract.id}/confirm",
                       data={"terms": terms, "acknowledged": "y"}).status_code == 302
    as_officer = bearer(officer)
    assert confirm(client, contract, as_officer,
                   terms_digest=digest(client, contract, as_officer)).status_code == 200
    on_page, over_api = confirmations()
    assert [(e.actor_id, e.target_type, e.target_id, json.loads(e.data)) for e in (on_page, over_api)] == [
        (manager.id, "contracts", str(contract.id), {"side": "organisation"}),
        (officer.id, "contracts", str(contract.id), {"side": "officer"})]


def test_a_digest_gone_stale_after_a_budget_line_edit_is_refused(app, client, drawn):
    officer, manager, contract = drawn
    as_manager = bearer(manager, **ZH)
    read = digest(client, contract, as_manager)
    first, second = contract.lines[0], contract.lines[1]
    with app.test_request_context():  # the officer moves ¥1,000 between two lines while the manager reads
        contracts.edit_lines(contract, {line.id: line.budget_fen + {first.id: -100_000, second.id: 100_000}.get(
            line.id, 0) for line in contract.lines}, actor=officer)
    db.session.commit()
    fresh = contracts.terms_digest(contract)
    assert fresh != read
    before = counts()
    response = confirm(client, contract, as_manager, terms_digest=read)
    error = response.get_json()["error"]
    assert response.status_code == 409 and error["code"] == "terms_changed"
    assert "合同在您阅读期间已更改" in error["message"] and set(error["fields"]) == {"terms_digest"}
    assert fresh not in response.get_data(as_text=True)  # the new terms are to be read, not signed from here
    assert unchanged(contract, before) and confirmations() == []
    # Having read the contract again, the manager signs what it now says.
    assert confirm(client, contract, as_manager, terms_digest=digest(client, contract, as_manager)).status_code == 200
    db.session.expire_all()
    assert contract.org_confirmed_by_id == manager.id


def test_a_digest_of_other_terms_is_refused(client, drawn):
    _officer, manager, contract = drawn
    as_manager = bearer(manager)
    before = counts()
    response = confirm(client, contract, as_manager, terms_digest="0" * 32)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "terms_changed"
    assert unchanged(contract, before)


@pytest.mark.parametrize("body", [{}, {"terms_digest": None}, {"terms_digest": ""}])
def test_a_missing_digest_is_refused(client, drawn, body):
    _officer, manager, contract = drawn
    as_manager = bearer(manager, **ZH)
    before = counts()
    response = confirm(client, contract, as_manager, **body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and set(error["fields"]) == {"terms_digest"}
    reason = error["fields"]["terms_digest"]
    assert f"GET /api/v1/contracts/{contract.id}" in reason and "您确认的是您读过的条款" in reason
    assert unchanged(contract, before)


@pytest.mark.parametrize("body", [None, b"terms", {"terms_digest": 12}, {"terms_digest": ["a" * 32]},
                                  {"terms_digest": "a" * 65}])
def test_a_body_that_is_not_a_digest_is_refused(client, drawn, body):
    _officer, manager, contract = drawn
    as_manager = bearer(manager)
    before = counts()
    if isinstance(body, dict):
        response = confirm(client, contract, as_manager, **body)
    else:
        response = client.post(f"{url(contract.id)}/confirm", data=body or b"",
                               headers={**as_manager, "Content-Type": "application/json"})
    assert response.status_code == 422
    assert unchanged(contract, before)


def test_confirming_twice_is_refused(client, drawn):
    officer, manager, contract = drawn
    as_manager, as_officer = bearer(manager), bearer(officer)
    terms = digest(client, contract, as_manager)
    assert confirm(client, contract, as_manager, terms_digest=terms).status_code == 200
    before = counts()
    again = confirm(client, contract, as_manager, terms_digest=terms)  # the terms are still current
    assert again.status_code == 403 and again.get_json()["error"]["code"] == "forbidden"
    db.session.expire_all()
    assert counts() == before and contract.officer_confirmed_at is None and contract.status == "draft"
    assert confirm(client, contract, as_officer, terms_digest=terms).status_code == 200
    before = counts()
    late = confirm(client, contract, as_officer, terms_digest=terms)  # signed by both: no longer awaiting signatures
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "conflict"
    assert counts() == before and len(confirmations()) == 2


def test_who_may_see_but_not_sign_is_refused(app, client, drawn):
    """A member who is not a manager, and an auditor, see the contract (without a digest) and may not sign it,
    even sending the current digest."""
    _officer, _manager, contract = drawn
    terms = contracts.terms_digest(contract)
    for user in (member_of(app, contract, "member"), make_user(Role.AUDITOR)):
        headers = bearer(user)
        assert digest(client, contract, headers) is None
        before = counts()
        for body in ({"terms_digest": terms}, {}):  # who may not sign hears so before anything about the body
            response = confirm(client, contract, headers, **body)
            assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
        assert unchanged(contract, before)


def test_who_may_not_see_it_gets_a_404(app, client, drawn):
    """Another organisation's manager, a resident: not found, as for reading it."""
    officer, _manager, contract = drawn
    other_manager = make_user()
    with app.test_request_context():
        good_org(other_manager, officer, name="另一家服务中心")
    db.session.commit()
    terms = contracts.terms_digest(contract)
    for user in (other_manager, make_user(Role.RESIDENT)):
        headers = bearer(user)
        before = counts()
        assert client.get(url(contract.id), headers=headers).status_code == 404
        response = confirm(client, contract, headers, terms_digest=terms)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
        assert unchanged(contract, before)


def test_an_unknown_contract_is_not_found_and_no_token_is_a_401(client, drawn):
    _officer, manager, contract = drawn
    missing = db.session.scalar(select(func.max(type(contract).id))) + 1
    as_manager = bearer(manager)
    before = counts()
    response = client.post(f"{url(missing)}/confirm", headers=as_manager, json={"terms_digest": "0" * 32})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.post(f"{url(contract.id)}/confirm", json={"terms_digest": contracts.terms_digest(contract)})
    assert response.status_code == 401
    assert unchanged(contract, before)
