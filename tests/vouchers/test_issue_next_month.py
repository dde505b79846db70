"""Vouchers issued ahead for next month are spendable from its 1st (Beijing) and their validity counts from then."""

from datetime import UTC, datetime

import pytest

from accounts.enums import Role
from core.errors import Conflict
from core.timeutil import LOCAL_TZ
from tests.factories import make_user
from tests.vouchers.helpers import resident, running_programme, world
from vouchers import issuance, redemption
from vouchers.programmes import period_of, shift_period


def test_next_months_vouchers_wait_for_the_1st_and_expire_from_it(session):
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 on 12-07 in Beijing
    officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
    programme = running_programme(officer, validity_days=30)
    person = resident(staff)
    december = issuance.issue_to_resident(programme, person, actor=officer, period="2026-12", now=now)
    # valid through 2027-01-06 (30 days after today), i.e. until the start of 01-07 in Beijing: unchanged
    assert december[0].expires_at == datetime(2027, 1, 7, tzinfo=LOCAL_TZ)
    january = issuance.issue_to_resident(programme, person, actor=officer, period="2027-01", now=now)
    # valid through 2027-01-31: 30 days after 2027-01-01, not the same day as December's
    assert january[0].expires_at == datetime(2027, 2, 1, tzinfo=LOCAL_TZ)
    assert sum(line.balance_fen for line in redemption.balance(person, now=now)) == 20_000  # December's only
    last_of_december = datetime(2026, 12, 31, 23, 59, tzinfo=LOCAL_TZ)
    assert sum(line.balance_fen for line in redemption.balance(person, now=last_of_december)) == 20_000
    new_year = datetime(2027, 1, 1, 0, 0, tzinfo=LOCAL_TZ)
    assert sum(line.balance_fen for line in redemption.balance(person, now=new_year)) == 40_000


def test_next_months_vouchers_cannot_be_redeemed_before_the_1st(app, session):
    with app.test_request_context():
        w = world()  # this month's 4 × 50 元
        issuance.issue_to_resident(w.programme, w.resident, actor=w.officer, period=shift_period(period_of(), 1))
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        with pytest.raises(Conflict) as exc:
            redemption.redeem(code, w.service, 25_000, "k-next", actor=w.manager)
        assert exc.value.code == "insufficient_balance"
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        assert redemption.redeem(code, w.service, 20_000, "k-this", actor=w.manager).redemption.amount_fen == 20_000
