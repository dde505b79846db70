"""A service price goes through core.money.parse_yuan: '1e5' was saved as ¥100,000 (10000000 fen); it is now
refused beside the field and nothing is saved. A full-width price typed by a Chinese IME is read."""

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from tests.orgs.helpers import category
from vouchers.models import VoucherService

EN = {"Accept-Language": "en"}


def post_service(client, w, price: str = "20", **fields):
    """The provider's new-service form, as a browser posts it (in English)."""
    return client.post(f"/vouchers/provider/{w.org.id}/services/new", headers=EN, data={
        "name": "上门理发", "category_id": str(category("elderly").id), "price_fen": price,
        "description": "", "active": "y", **fields})


def counts():
    """(services, audit events): a refused form changes neither."""
    return (db.session.scalar(select(func.count(VoucherService.id))),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.mark.parametrize("price", ["1e5", "1_000", "\u0663", "50.005"])
def test_a_price_that_is_not_an_amount_is_refused_and_nothing_is_saved(provider_world, client, login_as, price):
    login_as(provider_world.manager)
    before = counts()
    response = post_service(client, provider_world, price)
    assert response.status_code == 422
    assert "Enter an amount in yuan, with at most two decimals." in response.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before


def test_a_full_width_price_is_read(provider_world, client, login_as):
    login_as(provider_world.manager)
    assert post_service(client, provider_world, "３５．５０").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(VoucherService.price_fen).where(VoucherService.name == "上门理发")) == 3550
