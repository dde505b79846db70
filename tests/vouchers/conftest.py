import pytest

from core.db import db
from vouchers import issuance, redemption

from .helpers import world
from .test_views import phone_resident


@pytest.fixture
def provider_world(app, session):
    """tests.vouchers.helpers.world() committed: an officer, staff, one provider with one service (¥500.00), a
    running programme and a resident holding this month's vouchers."""
    with app.test_request_context():
        made = world()
    db.session.commit()
    return made


@pytest.fixture
def voucher_redemption(app, session):
    """A resident who logs in (tests.vouchers.test_views.phone_resident) and one of their redemptions: (the user,
    the redemption)."""
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "张秀英")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        code, _row = redemption.issue_code(profile, actor=user)
        made = redemption.redeem(code, w.service, 4000, "k-1", actor=w.manager).redemption
    db.session.commit()
    return user, made
