"""A resident who qualifies and waits for a programme's vouchers is told, in the "why no balance" explanation, when
the next monthly issuance is expected (issue_requests.next_issuances, from the programme's latest batch): its month
and about which day; the month only once that day has passed; nothing when the programme was never issued by batch."""

from datetime import timedelta

from core.timeutil import LOCAL_TZ
from vouchers import issuance, issue_requests, no_balance
from vouchers.programmes import shift_period

from .helpers import resident, world

NAME = "高龄老人助餐服务券"
NOT_YET = f"您符合“{NAME}”的条件，但服务券还没有发给您。"


def batch_then_newcomer():
    """A programme whose month was issued by a batch today, and a resident registered after it."""
    w = world()
    resident(w.staff)  # (someone for the batch to issue to)
    batch = issuance.start_batch(w.programme, actor=w.officer)
    return w, batch, resident(w.staff)


def test_the_next_issuance_is_said_with_its_month_and_day(session):
    _w, batch, newcomer = batch_then_newcomer()
    ran = batch.started_at.astimezone(LOCAL_TZ).date()
    month, day = shift_period(batch.period, 1), issue_requests._month_later(ran)
    expected = f"“{NAME}”下一次按月发放（{month}）预计在 {day.isoformat()} 前后。"
    assert no_balance.reasons(newcomer) == [NOT_YET, expected]


def test_a_day_past_is_not_said_only_the_month(session):
    _w, batch, newcomer = batch_then_newcomer()
    late = batch.started_at + timedelta(days=40)  # the expected day has passed: the batch is late
    month = shift_period(batch.period, 1)
    said = no_balance.reasons(newcomer, now=late)
    assert f"“{NAME}”下一次按月发放为 {month} 的服务券，具体日期尚未确定。" in said
    assert not any("预计在" in line for line in said)


def test_never_issued_by_batch_nothing_is_said_of_the_next_issuance(session):
    w = world()
    newcomer = resident(w.staff)
    assert no_balance.reasons(newcomer) == [NOT_YET]
    assert not any("下一次按月发放" in line for line in no_balance.reasons(newcomer))


def test_a_resident_who_holds_this_month_s_vouchers_is_told_nothing(session):
    w, _batch, _newcomer = batch_then_newcomer()
    assert no_balance.reasons(w.resident) == []  # value to spend: nothing to explain
