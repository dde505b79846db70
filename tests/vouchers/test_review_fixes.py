"""Bugs found in review, each with the test that showed it."""

import pytest
from sqlalchemy import func, select

from core.db import db
from tests.orgs.helpers import category
from vouchers import issuance
from vouchers.models import Programme, Voucher
from vouchers.programmes import period_of
from vouchers.redemption_models import Settlement

from .helpers import running_programme, world


@pytest.fixture
def w(app):
    with app.test_request_context():
        made = world()
        db.session.commit()
        return made


@pytest.mark.parametrize("provider_id", ["²", "99999999999999999999999", "0", "-1"])
def test_malformed_provider_id_when_preparing_a_statement_is_400_not_500(w, client, login_as, provider_id):
    """'²'.isdigit() is True but int('²') fails; a huge id overflowed SQLite's integer."""
    login_as(w.officer)
    response = client.post(f"/vouchers/programmes/{w.programme.id}/settlements",
                           data={"provider_id": provider_id, "period": "2020-01"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Settlement.id))) == 0
