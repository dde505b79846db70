"""The organisation's managers are told when a contract awaits their confirmation: when it is drawn up, and again when
the officer changes its budget lines after they had confirmed (their confirmation is withdrawn). The notice links to
the confirmation page. Members who are not managers (they cannot confirm) are not told."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from core.timeutil import local_today
from orgs import services as org_services
from projects import contracts
from tests.factories import make_user
from tests.projects.contract_helpers import awarded_decision, plan


def notices(user, code: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.code == code)))


@pytest.fixture
def drawn_up(app, session):
    officer, decision, manager = awarded_decision(app)
    member = make_user()
    org = decision.proposal.org
    with app.test_request_context():
        invited = org_services.invite_member(org, member.username, "member", actor=manager)
        org_services.answer_invitation(invited, True, actor=member)
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
    db.session.commit()
    return officer, manager, member, contract


def test_the_managers_are_asked_to_confirm_a_drawn_up_contract(client, login_as, drawn_up):
    _officer, manager, member, contract = drawn_up
    [notice] = notices(manager, "contract.drafted")
    assert notice.link == f"/contracts/{contract.id}/confirm"
    assert notices(member, "contract.drafted") == []
    login_as(manager)
    page = html.unescape(client.get("/notifications", headers={"Accept-Language": "en"}).text)
    assert f"The contract for “{contract.title}” (¥120,000.00) has been drawn up; please read and confirm it." \
           in page
    assert client.get(notice.link).status_code == 200


def test_changed_lines_ask_again_only_when_a_confirmation_was_withdrawn(app, drawn_up):
    officer, manager, _member, contract = drawn_up
    lines = {line.id: line.budget_fen for line in contract.lines}
    first, second = list(lines)[:2]
    with app.test_request_context():
        contracts.edit_lines(contract, {**lines, first: lines[first] - 100, second: lines[second] + 100},
                             actor=officer)  # not confirmed yet: nothing to ask again
        assert notices(manager, "contract.lines_edited") == []
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.edit_lines(contract, lines, actor=officer)
    db.session.commit()
    [notice] = notices(manager, "contract.lines_edited")
    assert notice.link == f"/contracts/{contract.id}/confirm"
    assert contract.org_confirmed_at is None
