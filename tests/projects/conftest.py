"""Fixtures shared by the project tests."""

import pytest

from accounts.enums import Role
from core.db import db
from projects import awards, proposals
from tests.evaluation.helpers import fully_scored
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract
from tests.projects.helpers import good_org, published_call


@pytest.fixture
def contract_world(app, session):
    """An active contract, committed: (officer, manager, contract)."""
    officer, manager, contract = active_contract(app)
    db.session.commit()
    return officer, manager, contract


@pytest.fixture
def open_call(app, session):
    """A published call and an organisation in good standing, committed: (officer, manager, org, call)."""
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer)
    db.session.commit()
    return officer, manager, org, call


@pytest.fixture
def draft(app, open_call):
    """The organisation's draft proposal to that call, committed: (officer, manager, call, proposal)."""
    officer, manager, org, call = open_call
    with app.test_request_context():
        proposal = proposals.start_proposal(call, org, actor=manager)
    db.session.commit()
    return officer, manager, call, proposal


@pytest.fixture
def in_publicity(app, session):
    """A scored call with two awards proposed, in publicity, committed: (call, an organisation not awarded, its
    manager)."""
    officer = make_user(Role.OFFICER)
    call, orgs, props, ranking = fully_scored(app, officer)
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000, props[0].id: 15_000_000}, "两个名额", 5,
                      actor=officer)
    db.session.commit()
    loser = orgs[1]
    return call, loser, next(m.user for m in loser.memberships)
