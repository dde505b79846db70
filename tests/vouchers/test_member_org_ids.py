"""Whose provider pages and statements a member sees comes from one rule (vouchers.permissions.member_org_ids): the
organisations they are an active member of, as is_member counts them. An invitation not yet accepted gives nothing:
not the organisation's provider page, nor its settlement statements over the API."""

from orgs import services as org_services
from tests.vouchers.helpers import provider
from tests.vouchers.test_api import bearer
from tests.vouchers.test_settlement_api import API, Month
from vouchers import pages_support, permissions


def test_an_invitation_not_yet_accepted_shows_nothing_of_the_organisation(app, session, client):
    month = Month()
    w = month.w
    mine, theirs = month.statement(w.org), month.statement(month.org2)
    other_org, other_manager = provider(w.officer)
    with app.test_request_context():
        org_services.invite_member(w.org, other_manager.username, "member", actor=w.manager)
    assert permissions.member_org_ids(other_manager) == [other_org.id]
    assert pages_support.provider_orgs(other_manager) == [other_org]
    assert permissions.member_org_ids(month.manager2) == [month.org2.id]
    answer = client.get(API, headers=bearer(other_manager))
    assert answer.status_code == 200 and answer.get_json()["items"] == []
    assert [i["id"] for i in client.get(API, headers=bearer(month.manager2)).get_json()["items"]] == [theirs.id]
    assert client.get(f"{API}/{mine.id}", headers=bearer(other_manager)).status_code == 404
    assert permissions.member_org_ids(w.resident.user) == []
    assert client.get(API, headers=bearer(w.resident.user)).status_code == 403
