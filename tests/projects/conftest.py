"""Fixtures shared by the contract tests."""

import pytest

from core.db import db
from tests.projects.contract_helpers import active_contract


@pytest.fixture
def contract_world(app, session):
    """An active contract, committed: (officer, manager, contract)."""
    officer, manager, contract = active_contract(app)
    db.session.commit()
    return officer, manager, contract
