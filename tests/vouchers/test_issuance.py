"""Issuance: to one resident, batches (resumable, never twice, budget never exceeded), expiry and revocation."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from tests.factories import make_user
from tests.vouchers.helpers import events, resident, running_programme, world
from vouchers import issuance, ledger, redemption
from vouchers.enums import BatchStatus, LedgerKind, VoucherStatus
from vouchers.models import IssuanceBatch, Voucher
from vouchers.programmes import period_of, shift_period
from vouchers.redemption_models import LedgerEntry


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


@pytest.fixture
def staff(session):
    return make_user(Role.COMMUNITY_STAFF)


def voucher_count(programme) -> int:
    return db.session.scalar(select(func.count(Voucher.id)).where(Voucher.programme_id == programme.id))


def test_issue_to_one_resident_writes_vouchers_ledger_and_audit(officer, staff):
    programme = running_programme(officer)
    person = resident(staff)
    vouchers = issuance.issue_to_resident(programme, person, actor=officer)
    assert [(v.seq, v.balance_fen, v.status) for v in vouchers] == [(i, 5000, "active") for i in range(1, 5)]
    rows = db.session.scalars(select(LedgerEntry).where(LedgerEntry.programme_id == programme.id)).all()
    assert sorted((r.voucher_id, r.kind, r.amount_fen) for r in rows) == [(v.id, "issue", 5000) for v in vouchers]
    assert programme.allocated_fen == 20_000
    event = events("voucher.issued")[-1]
    assert event.target_id == str(person.id) and '"fen":20000' in event.data and '"vouchers":4' in event.data
    with pytest.raises(Conflict) as exc:
        issuance.issue_to_resident(programme, person, actor=officer)
    assert exc.value.code == "already_issued" and voucher_count(programme) == 4
    issuance.issue_to_resident(programme, person, actor=officer, period=shift_period(period_of(), 1))  # next month
    assert voucher_count(programme) == 8


def test_issue_refused_when_the_budget_is_short(officer, staff):
    programme = running_programme(officer, budget_fen=30_000)
    issuance.issue_to_resident(programme, resident(staff), actor=officer)
    with pytest.raises(Conflict) as exc:
        issuance.issue_to_resident(programme, resident(staff), actor=officer)
    assert exc.value.code == "budget_exhausted" and programme.allocated_fen == 20_000


def test_only_officers_issue_and_only_while_running(officer, staff):
    programme = running_programme(officer)
    with pytest.raises(Forbidden):
        issuance.issue_to_resident(programme, resident(staff), actor=staff)
    from vouchers import programmes

    programmes.transition_programme(programme, "closed", actor=officer, reason="试点结束")
    with pytest.raises(Conflict):
        issuance.start_batch(programme, actor=officer)


def test_batch_issues_every_eligible_resident_once_in_chunks(officer, staff):
    programme = running_programme(officer, min_age=70)
    old = [resident(staff, birth=date(1940, 1, 1 + i)) for i in range(5)]
    resident(staff, birth=date(1990, 1, 1))  # too young
    batch = issuance.start_batch(programme, actor=officer)
    assert batch.expected_residents == 5 and batch.progress_pct == 0
    assert issuance.run_chunk(batch, chunk_size=2) is False
    assert batch.residents_issued == 2 and batch.progress_pct == 40
    # A crash here: starting again returns the unfinished batch and continues from its cursor.
    assert issuance.start_batch(programme, actor=officer).id == batch.id
    while not issuance.run_chunk(batch, chunk_size=2):
        pass
    assert batch.status == BatchStatus.DONE and batch.residents_issued == 5 and batch.issued_fen == 100_000
    holders = set(db.session.scalars(select(Voucher.resident_id).where(Voucher.programme_id == programme.id)))
    assert holders == {p.id for p in old} and voucher_count(programme) == 20
    assert len(events("voucher.batch_chunk")) == 3 and events("voucher.batch_done")
    with pytest.raises(Conflict):  # everyone eligible has them: no empty second run
        issuance.start_batch(programme, actor=officer)
    assert voucher_count(programme) == 20
    assert ledger.check() == [] and ledger.reconciliation(programme).balanced


def test_batch_stops_at_the_budget(officer, staff):
    programme = running_programme(officer, budget_fen=50_000)
    for i in range(4):
        resident(staff, birth=date(1940, 2, 1 + i))
    batch = issuance.start_batch(programme, actor=officer)
    issuance.run_chunk(batch, chunk_size=10)
    assert batch.status == BatchStatus.BUDGET_EXHAUSTED and batch.residents_issued == 2
    assert programme.allocated_fen == 40_000 <= programme.budget_fen
    assert '"message":"budget used up"' in events("voucher.batch_budget_exhausted")[-1].data


def test_run_batch_commits_chunks_and_resumes(officer, staff):
    programme = running_programme(officer)
    for i in range(3):
        resident(staff, birth=date(1945, 3, 1 + i))
    batch = issuance.start_batch(programme, actor=officer)
    db.session.commit()
    done = issuance.run_batch(batch.id, chunk_size=2)
    assert done.status == BatchStatus.DONE and done.residents_issued == 3


def test_expiry_returns_unspent_value_to_the_budget(session):
    w = world(validity_days=10)
    code, _row = redemption.issue_code(w.resident, actor=w.resident.user)
    redemption.redeem(code, w.service, 4000, "k-1", actor=w.manager)
    assert ledger.expire_due(now=utcnow() + timedelta(days=9)) == (0, 0)
    count, fen = ledger.expire_due(now=utcnow() + timedelta(days=11))
    assert (count, fen) == (4, 16_000)
    db.session.refresh(w.programme)
    assert w.programme.allocated_fen == 4000  # what was spent stays allocated
    assert set(db.session.scalars(select(Voucher.status).where(Voucher.resident_id == w.resident.id))) == {"expired"}
    assert sum(db.session.scalars(select(LedgerEntry.amount_fen).where(LedgerEntry.kind == LedgerKind.EXPIRE))) \
        == -16_000
    assert '"returned_fen":16000' in events("voucher.expired")[-1].data
    rec = ledger.reconciliation(w.programme)
    assert (rec.expired_fen, rec.outstanding_fen, rec.redeemed_fen) == (16_000, 0, 4000) and rec.balanced
    assert ledger.check() == []


def test_revoking_one_voucher(officer, staff):
    programme = running_programme(officer)
    vouchers = issuance.issue_to_resident(programme, resident(staff), actor=officer)
    assert ledger.revoke_voucher(vouchers[1], actor=officer, reason="重复发放") == 5000
    assert vouchers[1].status == VoucherStatus.REVOKED and vouchers[1].balance_fen == 0
    with pytest.raises(Conflict):
        ledger.revoke_voucher(vouchers[1], actor=officer, reason="again")
    rec = ledger.reconciliation(programme)
    assert rec.revoked_fen == 5000 and rec.allocated_fen == 15_000 and rec.balanced
    assert events("voucher.revoked")[-1].target_id == str(vouchers[1].id)


def test_launch_runs_inline_without_redis(officer, staff):
    programme = running_programme(officer)
    resident(staff)
    batch = issuance.start_batch(programme, actor=officer)
    db.session.commit()
    issuance.launch_batch(batch.id)  # no REDIS_URL in tests: done now, in this process
    db.session.refresh(batch)
    assert batch.status == BatchStatus.DONE and batch.vouchers_issued == 4


def test_a_batch_whose_programme_closed_stops_as_failed(officer, staff):
    programme = running_programme(officer)
    resident(staff)
    batch = issuance.start_batch(programme, actor=officer)
    from vouchers import programmes

    programmes.transition_programme(programme, "closed", actor=officer, reason="试点结束")
    assert issuance.run_chunk(batch) is True
    assert batch.status == BatchStatus.FAILED and voucher_count(programme) == 0
    assert events("voucher.batch_failed")


@pytest.mark.parametrize(("now", "allowed", "refused"), [
    (datetime(2026, 12, 6, 4, tzinfo=UTC), ["2026-11", "2026-12", "2027-01"],
     ["2025-12", "2026-10", "2027-02", "2036-12"]),
    # 2027-01-01 00:30 in Beijing is still 2026-12-31 in UTC: the months are Beijing's
    (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), ["2026-12", "2027-01", "2027-02"], ["2026-11", "2027-03"]),
])
def test_vouchers_are_issued_only_for_last_this_or_next_month(officer, staff, now, allowed, refused):
    programme = running_programme(officer)
    person = resident(staff)
    for period in refused:
        with pytest.raises(ServiceError) as exc:
            issuance.issue_to_resident(programme, person, actor=officer, period=period, now=now)
        assert set(exc.value.fields) == {"period"} and allowed[0] in exc.value.fields["period"]
        with pytest.raises(ServiceError):
            issuance.start_batch(programme, actor=officer, period=period, now=now)
    assert voucher_count(programme) == 0 and programme.allocated_fen == 0
    assert db.session.scalar(select(func.count(IssuanceBatch.id))) == 0
    for period in allowed:
        issuance.issue_to_resident(programme, person, actor=officer, period=period, now=now)
    assert voucher_count(programme) == 12


def test_shift_period_crosses_years():
    assert [shift_period("2026-12", n) for n in (-12, -1, 0, 1, 13)] == [
        "2025-12", "2026-11", "2026-12", "2027-01", "2028-01"]


def test_no_vouchers_once_the_programme_s_end_date_has_passed(officer, staff):
    last_day = date(2026, 12, 31)
    programme = running_programme(officer, validity_days=None, valid_until=last_day)
    person = resident(staff)
    after = datetime(2026, 12, 31, 16, 0, 1, tzinfo=UTC)  # 2027-01-01 00:00:01 in Beijing
    for issue in (lambda: issuance.issue_to_resident(programme, person, actor=officer, now=after),
                  lambda: issuance.start_batch(programme, actor=officer, now=after)):
        with pytest.raises(Conflict) as exc:
            issue()
        assert exc.value.code == "programme_expired" and "2026-12-31" in exc.value.message
    assert voucher_count(programme) == 0 and programme.allocated_fen == 0
    issuance.issue_to_resident(programme, person, actor=officer, now=after - timedelta(seconds=2))
    assert voucher_count(programme) == 4


def test_a_second_batch_for_a_month_everyone_has_is_refused_not_an_empty_run(officer, staff):
    programme = running_programme(officer)
    resident(staff), resident(staff)
    first = issuance.start_batch(programme, actor=officer)
    assert issuance.run_chunk(first) is True
    with pytest.raises(Conflict) as exc:
        issuance.start_batch(programme, actor=officer)
    assert exc.value.code == "already_issued" and period_of() in exc.value.message
    assert db.session.scalar(select(func.count(IssuanceBatch.id))) == 1
    late = resident(staff)  # verified after the run: a new batch issues to them alone
    second = issuance.start_batch(programme, actor=officer)
    assert second.id != first.id and second.expected_residents == 1
    assert issuance.run_chunk(second) is True
    assert db.session.scalar(select(func.count(Voucher.id)).where(Voucher.resident_id == late.id)) == 4


def test_a_batch_stopped_by_a_suspension_says_so_and_the_month_is_issued_again_once_resumed(officer, staff):
    from flask_babel import force_locale

    from vouchers import programmes
    from vouchers.officer_views import why_stopped

    programme = running_programme(officer, min_age=70)
    old = [resident(staff, birth=date(1940, 3, 1 + i)) for i in range(4)]
    batch = issuance.start_batch(programme, actor=officer)
    assert issuance.run_chunk(batch, chunk_size=2) is False
    programmes.transition_programme(programme, "suspended", actor=officer, reason="核查异常核销")
    assert issuance.run_chunk(batch, chunk_size=2) is True
    assert batch.status == BatchStatus.FAILED and batch.message == "programme suspended"
    with force_locale("zh_Hans_CN"):
        assert why_stopped(batch.message) == "项目已暂停：恢复后请重新发放本月服务券，已发放的居民不会重复发放。"
    with force_locale("en"):
        assert "once it resumes, issue the month again" in why_stopped(batch.message)
    programmes.transition_programme(programme, "active", actor=officer)
    again = issuance.start_batch(programme, actor=officer)
    assert again.id != batch.id and again.expected_residents == 2  # only those the first run had not reached
    while not issuance.run_chunk(again, chunk_size=2):
        pass
    holders = set(db.session.scalars(select(Voucher.resident_id).where(Voucher.programme_id == programme.id)))
    assert holders == {p.id for p in old} and voucher_count(programme) == 16
