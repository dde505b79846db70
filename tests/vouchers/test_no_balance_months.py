"""Why a resident has no balance, month by month (vouchers.no_balance): next month's vouchers, issued ahead, are
spendable only from the 1st (said with the day, not left unexplained because they hold value); this month's used up
or expired are said as this month's; with none this month, the last month's held are said with their month and this
month's are said to be still to come; a programme whose vouchers were valid until a day now past issues no more."""

from datetime import timedelta

from sqlalchemy import update

from core.db import db, utcnow
from core.timeutil import local_today
from vouchers import issuance, ledger, no_balance, redemption
from vouchers.models import Voucher
from vouchers.programmes import period_bounds, period_of, shift_period

from .helpers import resident, world
from .test_views import phone_resident

NAME = "高龄老人助餐服务券"
NOT_YET = f"您符合“{NAME}”的条件，但本月的服务券还没有发给您。"


def from_the_first(period: str) -> str:
    return f"您“{NAME}”{period} 的服务券从 {period}-01 起可以使用。"


def test_next_month_s_vouchers_are_said_to_be_usable_from_the_first(session):
    w = world()
    person = resident(w.staff)
    following = shift_period(period_of(), 1)
    issuance.issue_to_resident(w.programme, person, actor=w.officer, period=following)
    assert redemption.balance(person) == []  # held, but not spendable before its month
    assert no_balance.reasons(person) == [NOT_YET, from_the_first(following)]
    first = period_bounds(following)[0]  # from the 1st, it is simply spendable: nothing to explain
    assert [line.balance_fen for line in redemption.balance(person, now=first)] == [20_000]
    assert no_balance.reasons(person, now=first) == []


def test_this_month_s_vouchers_used_up_with_next_month_s_waiting(session):
    w = world()  # w.resident holds this month's 4 × ¥50.00
    code, _row = redemption.issue_code(w.resident, actor=w.staff)
    redemption.redeem(code, w.service, 20_000, "k-all", actor=w.manager)
    following = shift_period(period_of(), 1)
    issuance.issue_to_resident(w.programme, w.resident, actor=w.officer, period=following)
    assert no_balance.reasons(w.resident) == [f"您“{NAME}”本月的服务券已经用完了。", from_the_first(following)]


def test_last_month_s_expired_and_this_month_s_not_issued_yet(session):
    w = world()
    person = resident(w.staff)
    last = shift_period(period_of(), -1)
    issuance.issue_to_resident(w.programme, person, actor=w.officer, period=last,
                               now=period_bounds(last)[0] + timedelta(days=1))
    db.session.execute(update(Voucher).where(Voucher.resident_id == person.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))  # test set-up: its validity ran out
    ledger.expire_due(programme=w.programme)
    assert no_balance.reasons(person) == [f"您“{NAME}”{last} 的服务券已过期。", NOT_YET]
    issuance.issue_to_resident(w.programme, person, actor=w.officer)
    assert no_balance.reasons(person) == []  # this month's came: value to spend


def test_a_programme_valid_until_a_past_day_issues_no_more(session):
    w = world()
    person = resident(w.staff)
    w.programme.valid_until = local_today() - timedelta(days=1)  # test set-up: the programme's end date passed
    db.session.flush()
    day = w.programme.valid_until.isoformat()
    assert no_balance.reasons(person) == [f"“{NAME}”的服务券有效期到 {day} 为止，不再发放。"]


def test_the_vouchers_page_says_when_next_month_s_vouchers_can_be_used(app, client, login_as, session):
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "孙桂芳")
        following = shift_period(period_of(), 1)
        issuance.issue_to_resident(w.programme, profile, actor=w.officer, period=following)
    db.session.commit()
    login_as(user)
    page = client.get("/vouchers/me").get_data(as_text=True)
    assert 'id="no-balance-reasons"' in page and from_the_first(following) in page.replace("&#34;", '"')
