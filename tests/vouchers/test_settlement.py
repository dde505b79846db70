"""Settlement (disputed redemptions held out, approve, pay, a follow-up statement) and fraud signals."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from orgs import services as org_services
from tests.vouchers.helpers import events, resident, world
from vouchers import disputes, fraud, issuance, ledger, pages_support, redemption, settlement
from vouchers.enums import FraudKind, SettlementStatus
from vouchers.programmes import period_bounds, period_of
from vouchers.redemption_models import LedgerEntry


def redeem(w, amount: int, key: str, *, at=None, person=None):
    person = person or w.resident
    code = redemption.issue_code(person, actor=person.user, now=at)[0]
    return redemption.redeem(code, w.service, amount, key, actor=w.manager, now=at).redemption


@pytest.fixture
def settled_month(session):
    """Redemptions early this month, looked at from the 8th of next month (their dispute window closed)."""
    w = world()
    start, end = period_bounds(period_of())
    at = start + timedelta(hours=1)
    a, b, c = (redeem(w, amount, f"s{amount}", at=at) for amount in (1000, 2000, 4000))
    dispute = disputes.raise_dispute(c, "未提供", actor=w.resident.user, now=at + timedelta(days=1))
    return w, (a, b, c), dispute, end + timedelta(days=8)


def test_statement_holds_out_disputed_redemptions_and_pays_through_the_ledger(settled_month):
    w, (a, b, c), dispute, later = settled_month
    [ready] = settlement.settleable(w.programme, now=later)
    assert (ready.provider_org_id, ready.redemptions, ready.total_fen) == (w.org.id, 2, 3000)
    statement = settlement.prepare_settlement(w.programme, w.org, ready.period, actor=w.officer, now=later)
    assert (statement.total_fen, statement.redemption_count, statement.seq) == (3000, 2, 1)
    assert {r.id for r in pages_support.statement_lines(statement)} == {a.id, b.id}
    with pytest.raises(Conflict):
        settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference="x")
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    with pytest.raises(ServiceError):
        settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer)
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference="财付2026-11")
    row = db.session.scalar(select(LedgerEntry).where(LedgerEntry.settlement_id == statement.id))
    assert (row.kind, row.amount_fen, row.voucher_id) == ("settle", 3000, None)
    assert [e.action for e in events("voucher.settlement_paid")] == ["voucher.settlement_paid"]
    assert ledger.reconciliation(w.programme).settled_fen == 3000 and ledger.check() == []
    # The dispute is rejected later: the redemption goes into a second statement for the same month.
    disputes.decide_dispute(dispute, False, "服务已提供", actor=w.officer)
    follow_up = settlement.prepare_settlement(w.programme, w.org, ready.period, actor=w.officer, now=later)
    assert (follow_up.seq, follow_up.total_fen) == (2, 4000)
    with pytest.raises(Conflict) as exc:
        settlement.prepare_settlement(w.programme, w.org, ready.period, actor=w.officer, now=later)
    assert exc.value.code == "nothing_to_settle"


def test_settled_redemptions_cannot_be_disputed_and_months_settle_after_they_end(settled_month):
    w, (a, _b, _c), _dispute, later = settled_month
    with pytest.raises(Conflict):
        settlement.prepare_settlement(w.programme, w.org, period_of(), actor=w.officer)
    with pytest.raises(Forbidden):
        settlement.prepare_settlement(w.programme, w.org, a.period, actor=w.manager, now=later)
    settlement.prepare_settlement(w.programme, w.org, a.period, actor=w.officer, now=later)
    with pytest.raises(Conflict):
        disputes.raise_dispute(a, "x", actor=w.resident.user, now=a.created_at + timedelta(days=6))


SETTLEMENT_TRANSITIONS = [("draft", "approved", True), ("approved", "paid", True), ("draft", "paid", False),
                          ("paid", "approved", False), ("approved", "draft", False)]


@pytest.mark.parametrize(("start", "to", "allowed"), SETTLEMENT_TRANSITIONS)
def test_settlement_transition_table(settled_month, start, to, allowed):
    w, (a, _b, _c), _dispute, later = settled_month
    statement = settlement.prepare_settlement(w.programme, w.org, a.period, actor=w.officer, now=later)
    statement.status = start  # test set-up only
    if allowed:
        settlement.transition_settlement(statement, to, actor=w.officer, payment_reference="ref-1")
        assert statement.status == to and events(f"voucher.settlement_{to}")
    else:
        with pytest.raises(Conflict):
            settlement.transition_settlement(statement, to, actor=w.officer, payment_reference="ref-1")


def test_fraud_signals_with_evidence(session):
    w = world(provider_cap_fen=3000)
    # the provider's own staff member is a resident
    staff_resident = resident(w.staff)
    membership = org_services.invite_member(w.org, staff_resident.user.username, "member", actor=w.manager)
    org_services.answer_invitation(membership, True, actor=staff_resident.user)
    issuance.issue_to_resident(w.programme, staff_resident, actor=w.officer)
    own = redeem(w, 1000, "own", person=staff_resident)
    # a burst of five within ten minutes, at the provider cap this month and last month
    now = utcnow()
    burst = [redeem(w, 400, f"b{i}", at=now + timedelta(minutes=i)) for i in range(5)]
    from vouchers.redemption import use_cap

    last_month = period_of(period_bounds(period_of())[0] - timedelta(days=1))
    assert use_cap(w.programme.id, last_month, "provider", w.org.id, 3000, 3000)
    signals = fraud.fraud_signals(w.programme)
    kinds = {s.kind for s in signals}
    assert {FraudKind.OWN_STAFF, FraudKind.BURST, FraudKind.AT_CAP} <= kinds
    [own_signal] = [s for s in signals if s.kind is FraudKind.OWN_STAFF]
    assert own_signal.redemption_ids == (own.id,) and own_signal.resident_id == staff_resident.id
    [burst_signal] = [s for s in signals if s.kind is FraudKind.BURST]
    assert set(burst_signal.redemption_ids) >= {r.id for r in burst}
    [cap_signal] = [s for s in signals if s.kind is FraudKind.AT_CAP]
    assert cap_signal.evidence["periods"] == sorted([last_month, period_of()])


def test_many_disputes_signal(session):
    w = world()
    for i in range(3):
        done = redeem(w, 500, f"m{i}")
        disputes.raise_dispute(done, "有问题", actor=w.resident.user)
    [signal] = fraud.many_disputes(w.programme)
    assert signal.kind is FraudKind.DISPUTES and signal.evidence == {"disputes": 3} and len(signal.redemption_ids) == 3
