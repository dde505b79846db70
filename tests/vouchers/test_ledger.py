"""The reconciliation identity after random sequences of operations (hypothesis), and `flask vouchers check`."""

from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select, update

from core.db import db, utcnow
from core.errors import ServiceError
from tests.vouchers.helpers import resident, world
from vouchers import disputes, issuance, ledger, programmes, redemption
from vouchers.models import Voucher
from vouchers.redemption_models import Dispute, Redemption

DONE: Counter = Counter()  # operations that went through, so the test can show it did something


class VoucherLedger(RuleBasedStateMachine):
    """Issue, redeem, dispute, decide, revoke, expire and close in any order; after every step
    issued = redeemed + expired + revoked + outstanding (to the fen), the budget holds and every balance can be
    rebuilt from the ledger."""

    @initialize()
    def setup(self):
        self.savepoint = db.session.begin_nested()
        self.w = world(budget_fen=150_000, face_value_fen=3000, vouchers_per_period=3, validity_days=20)
        self.people = [self.w.resident] + [resident(self.w.staff) for _ in range(2)]
        self.clock = utcnow()
        self.keys = 0

    def teardown(self):
        if getattr(self, "savepoint", None) is not None and self.savepoint.is_active:
            self.savepoint.rollback()
        db.session.expunge_all()

    def _attempt(self, call):
        """Refusals are fine; a refusal must change nothing (the savepoint is rolled back)."""
        try:
            with db.session.begin_nested():
                call()
            DONE[call.__qualname__.split(".")[1]] += 1
        except ServiceError:
            pass

    @rule(who=st.integers(0, 2), month=st.integers(1, 3))
    def issue(self, who, month):
        self._attempt(lambda: issuance.issue_to_resident(self.w.programme, self.people[who], actor=self.w.officer,
                                                         period=programmes.shift_period(
                                                             programmes.period_of(self.clock), month - 2),
                                                         now=self.clock))

    @rule(who=st.integers(0, 2), amount=st.integers(1, 9000))
    def redeem(self, who, amount):
        person = self.people[who]
        self.keys += 1

        def go():
            code = redemption.issue_code(person, actor=person.user, now=self.clock)[0]
            redemption.redeem(code, self.w.service, amount, f"k{self.keys}", actor=self.w.manager, now=self.clock)

        self._attempt(go)

    @rule(uphold=st.booleans())
    def dispute_and_decide(self, uphold):
        done = db.session.scalar(select(Redemption).where(Redemption.status == "completed").order_by(Redemption.id))
        if done is None:
            return

        def go():
            dispute = disputes.raise_dispute(done, "核实", actor=done.resident.user, now=done.created_at)
            disputes.decide_dispute(dispute, uphold, "决定", actor=self.w.officer)

        self._attempt(go)

    @rule()
    def dispute_only(self):
        done = db.session.scalar(select(Redemption).where(Redemption.status == "completed")
                                 .order_by(Redemption.id.desc()))
        if done is not None:
            self._attempt(lambda: disputes.raise_dispute(done, "有疑问", actor=done.resident.user,
                                                         now=done.created_at))

    @rule()
    def decide_open(self):
        dispute = db.session.scalar(select(Dispute).where(Dispute.status == "open").order_by(Dispute.id))
        if dispute is not None:
            self._attempt(lambda: disputes.decide_dispute(dispute, True, "属实", actor=self.w.officer))

    @rule()
    def revoke_one(self):
        voucher = db.session.scalar(select(Voucher).where(Voucher.status == "active").order_by(Voucher.id.desc()))
        if voucher is not None:
            self._attempt(lambda: ledger.revoke_voucher(voucher, actor=self.w.officer, reason="测试"))

    @rule(days=st.integers(1, 25))
    def time_passes_and_vouchers_expire(self, days):
        self.clock += timedelta(days=days)
        ledger.expire_due(now=self.clock)

    @rule()
    def close(self):
        if self.w.programme.status == "active":
            self._attempt(lambda: programmes.transition_programme(self.w.programme, "closed", actor=self.w.officer,
                                                                     reason="试点结束"))

    @invariant()
    def books_balance(self):
        rec = ledger.reconciliation(self.w.programme)
        assert rec.issued_fen == rec.redeemed_fen + rec.expired_fen + rec.revoked_fen + rec.outstanding_fen
        assert rec.allocated_fen == rec.redeemed_fen + rec.outstanding_fen <= rec.budget_fen
        assert rec.balanced and ledger.check() == []


def test_reconciliation_identity_holds_after_any_sequence(session):
    run_state_machine_as_test(VoucherLedger, settings=settings(
        # Derandomized: a random draw of 8 examples sometimes closed or expired everything before any redemption
        # succeeded (the check below then failed about one run in four); these 8 sequences always redeem.
        max_examples=8, stateful_step_count=12, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert DONE["issue"] and DONE["redeem"], DONE


def test_check_command_detects_a_tampered_balance(app, session):
    w = world()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["vouchers", "check"])
    assert ok.exit_code == 0 and "agree" in ok.output
    voucher_id = db.session.scalar(select(Voucher.id).where(Voucher.resident_id == w.resident.id).limit(1))
    db.session.execute(update(Voucher).where(Voucher.id == voucher_id).values(balance_fen=4999))
    bad = runner.invoke(args=["vouchers", "check"])
    assert bad.exit_code == 1 and f"voucher {voucher_id}: stored 4999 fen, ledger 5000 fen" in bad.output


def test_check_detects_a_tampered_allocation(app, session):
    w = world()
    db.session.execute(update(w.programme.__class__).where(w.programme.__class__.id == w.programme.id)
                       .values(allocated_fen=19_000))
    [mismatch] = ledger.check()
    assert (mismatch.what, mismatch.id, mismatch.stored_fen, mismatch.ledger_fen) == (
        "programme", w.programme.id, 19_000, 20_000)


def test_expire_command(app, session):
    world()
    result = app.test_cli_runner().invoke(args=["vouchers", "expire"])
    assert result.exit_code == 0 and "expired 0 voucher(s)" in result.output


def test_issue_command_says_why_it_refuses_and_issues_nothing(app, session):
    w = world()  # this month's vouchers are out already
    runner = app.test_cli_runner()
    before = db.session.scalar(select(func.count(Voucher.id)))
    far = runner.invoke(args=["vouchers", "issue", str(w.programme.id), "--period", "2035-01"])
    assert far.exit_code == 1 and "Error: 服务券只能按上个月、本月或下个月发放。" in far.output
    again = runner.invoke(args=["vouchers", "issue", str(w.programme.id)])
    assert again.exit_code == 1 and "都已领到" in again.output and "Traceback" not in again.output
    assert db.session.scalar(select(func.count(Voucher.id))) == before
