"""The voucher demo: a consistent month of activity, loaded once."""

from sqlalchemy import func, select

from accounts.resident_models import ResidentProfile
from core import demo
from core.db import db
from vouchers import ledger
from vouchers.demo import PROGRAMME_NAME
from vouchers.models import Programme, VoucherService
from vouchers.redemption_models import Dispute, Rating, Redemption, Settlement


def load_needed() -> None:
    """Only the loaders the voucher demo builds on (accounts, organisations), then its own."""
    for _order, name, loader in sorted(demo._loaders, key=lambda item: item[0]):
        if name in {"accounts", "orgs", "vouchers"}:
            loader()


def test_voucher_demo_is_consistent_and_idempotent(session):
    load_needed()
    programme = db.session.scalar(select(Programme).where(Programme.name == PROGRAMME_NAME))
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Redemption, Rating, Dispute, VoucherService, ResidentProfile)}
    rec = ledger.reconciliation(programme)
    assert programme.status == "active" and rec.balanced and rec.redeemed_fen > 0 and ledger.check() == []
    assert counts["Redemption"] >= 10 and counts["Rating"] == 8 and counts["Dispute"] == 1
    phoneless = db.session.scalars(select(ResidentProfile).where(ResidentProfile.registered_by_id.is_not(None)))
    assert len([p for p in phoneless if not p.has_phone]) == 5
    [paid] = db.session.scalars(select(Settlement).where(Settlement.programme_id == programme.id))
    assert paid.status == "paid" and paid.total_fen == rec.settled_fen > 0
    load_needed()
    assert db.session.scalar(select(func.count(Redemption.id))) == counts["Redemption"]
