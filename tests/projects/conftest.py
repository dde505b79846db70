"""Fixtures shared by the project tests."""

import pytest

from accounts.enums import Role
from core.db import db
from projects import awards, proposals
from tests import prebuilt
from tests.conftest import side_database
from tests.evaluation.helpers import fully_scored
from tests.factories import make_user
from tests.projects.contract_helpers import accepted_report, active_contract
from tests.projects.helpers import good_org, published_call


@pytest.fixture
def contract_world(app, session):
    """An active contract, committed: (officer, manager, contract)."""
    officer, manager, contract = active_contract(app)
    db.session.commit()
    return officer, manager, contract


def build_open_call(app):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer)
    db.session.commit()
    return officer, manager, org, call


def build_draft(app, open_call):
    officer, manager, org, call = open_call
    with app.test_request_context():
        proposal = proposals.start_proposal(call, org, actor=manager)
    db.session.commit()
    return officer, manager, call, proposal


def build_in_publicity(app):
    officer = make_user(Role.OFFICER)
    call, orgs, props, ranking = fully_scored(app, officer)
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000, props[0].id: 15_000_000}, "两个名额", 5,
                      actor=officer)
    db.session.commit()
    loser = orgs[1]
    return call, loser, next(m.user for m in loser.memberships)


@pytest.fixture
def open_call(app, session):
    """A published call and an organisation in good standing, committed: (officer, manager, org, call)."""
    return prebuilt.take("open_call") or build_open_call(app)


@pytest.fixture
def draft(app, open_call):
    """The organisation's draft proposal to that call, committed: (officer, manager, call, proposal)."""
    return prebuilt.take("draft") or build_draft(app, open_call)


@pytest.fixture
def in_publicity(app, session):
    """A scored call with two awards proposed, in publicity, committed: (call, an organisation not awarded, its
    manager)."""
    return prebuilt.take("in_publicity") or build_in_publicity(app)


# The same states built once per process, for the tests that ask for these fixtures (tests.prebuilt).

@pytest.fixture(scope="session")
def open_call_database(app, migrated_database, tmp_path_factory):
    def build():
        officer, manager, org, call = build_open_call(app)
        return {"open_call": prebuilt.ids(officer=officer, manager=manager, org=org, call=call)}

    yield from side_database(app, migrated_database, tmp_path_factory, "open_call", build)


@pytest.fixture(scope="session")
def draft_database(app, migrated_database, tmp_path_factory):
    def build():
        officer, manager, org, call = made = build_open_call(app)
        _officer, _manager, _call, proposal = build_draft(app, made)
        return {"open_call": prebuilt.ids(officer=officer, manager=manager, org=org, call=call),
                "draft": prebuilt.ids(officer=officer, manager=manager, call=call, proposal=proposal)}

    yield from side_database(app, migrated_database, tmp_path_factory, "draft", build)


@pytest.fixture(scope="session")
def in_publicity_database(app, migrated_database, tmp_path_factory):
    def build():
        call, loser, manager = build_in_publicity(app)
        return {"in_publicity": prebuilt.ids(call=call, loser=loser, manager=manager)}

    yield from side_database(app, migrated_database, tmp_path_factory, "in_publicity", build)


@pytest.fixture
def payable(app, session):
    """An active contract of ¥120,000 whose first tranche (40%) is payable: (officer, manager, contract, its
    report)."""
    officer, manager, contract = active_contract(app)
    report = accepted_report(app, contract, officer, manager)
    db.session.commit()
    return officer, manager, contract, report
