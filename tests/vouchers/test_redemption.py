"""Redemption: earliest-expiring first, idempotent retries, one-time codes, caps, disputes, ratings."""

import json
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.resident_models import ResidentStatus
from accounts.residents import transition_resident
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from tests.factories import make_user
from tests.vouchers.helpers import events, provider, resident, running_programme, service, world
from vouchers import catalogue, disputes, issuance, ledger, redemption
from vouchers.enums import RedemptionStatus
from vouchers.models import Voucher
from vouchers.redemption_models import LedgerEntry, PeriodUsage, Redemption, RedemptionCode


def balances(resident_id: int) -> list[int]:
    return list(db.session.scalars(select(Voucher.balance_fen).where(Voucher.resident_id == resident_id)
                                   .order_by(Voucher.expires_at, Voucher.id)))


def fresh_code(w, **kwargs) -> str:
    return redemption.issue_code(w.resident, actor=w.resident.user, **kwargs)[0]


def redemption_count() -> int:
    return db.session.scalar(select(func.count(Redemption.id)))


def test_a_redemption_spans_vouchers_earliest_expiring_first(session):
    w = world()
    later = db.session.scalars(select(Voucher).where(Voucher.resident_id == w.resident.id).order_by(Voucher.seq))
    for i, v in enumerate(later):  # seq 4 expires first, seq 1 last
        v.expires_at = utcnow() + timedelta(days=40 - i)
    db.session.flush()
    result = redemption.redeem(fresh_code(w), w.service, 12_000, "order-1", actor=w.manager)
    assert not result.replayed and result.redemption.amount_fen == 12_000
    assert balances(w.resident.id) == [0, 0, 3000, 5000]
    parts = db.session.execute(select(LedgerEntry.amount_fen).where(
        LedgerEntry.redemption_id == result.redemption.id).order_by(LedgerEntry.id)).scalars().all()
    assert parts == [-5000, -5000, -2000]
    event = events("voucher.redeemed")[-1]
    assert event.target_id == str(result.redemption.id) and '"amount_fen":12000' in event.data
    assert ledger.check() == [] and ledger.reconciliation(w.programme).redeemed_fen == 12_000


def test_a_retry_with_the_same_key_returns_the_first_answer_and_changes_nothing(session):
    w = world()
    code = fresh_code(w)
    first = redemption.redeem(code, w.service, 3000, "k-42", actor=w.manager)
    audit_count = len(events("voucher.redeemed"))
    retry = redemption.redeem(code, w.service, 3000, "k-42", actor=w.manager)
    assert retry.replayed and retry.redemption.id == first.redemption.id
    assert sum(balances(w.resident.id)) == 17_000 and redemption_count() == 1
    assert len(events("voucher.redeemed")) == audit_count
    with pytest.raises(ServiceError) as exc:
        redemption.redeem(code, w.service, 3001, "k-42", actor=w.manager)
    assert exc.value.status == 422 and exc.value.code == "idempotency_mismatch"
    assert sum(balances(w.resident.id)) == 17_000


@pytest.mark.parametrize("case", ["unknown", "used", "expired"])
def test_bad_codes_are_conflicts(session, case):
    w = world()
    code = fresh_code(w)
    now = None
    if case == "unknown":
        code = "0" * redemption.CODE_DIGITS if code != "0" * redemption.CODE_DIGITS else "1" * redemption.CODE_DIGITS
    elif case == "used":
        redemption.redeem(code, w.service, 1000, "first", actor=w.manager)
    else:
        now = utcnow() + redemption.CODE_TTL + timedelta(seconds=1)
    with pytest.raises(Conflict) as exc:
        redemption.redeem(code, w.service, 1000, "second", actor=w.manager, now=now)
    assert exc.value.code == f"code_{case}"


def test_a_code_is_stored_only_as_a_keyed_hash(session):
    w = world()
    code, row = redemption.issue_code(w.resident, actor=w.resident.user)
    assert len(code) == redemption.CODE_DIGITS and code.isdigit()
    assert row.code_hash != code and code not in row.code_hash
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    assert code not in events("voucher.code_issued")[-1].data


def test_a_code_of_another_programme_is_refused(session):
    w = world()
    other = running_programme(w.officer, name="助残服务券", category_ids=[service_category("disability")])
    issuance.issue_to_resident(other, w.resident, actor=w.officer)
    code = fresh_code(w, programme=other)
    with pytest.raises(Forbidden) as exc:  # the provider offers nothing in the other programme
        redemption.redeem(code, w.service, 1000, "x", actor=w.manager)
    assert exc.value.code == "provider_not_allowed"
    db.session.rollback()


def service_category(code: str) -> int:
    from tests.orgs.helpers import category

    return category(code).id


def test_a_resident_with_two_programmes_must_choose(session):
    w = world()
    other = running_programme(w.officer, name="第二个项目")
    issuance.issue_to_resident(other, w.resident, actor=w.officer)
    with pytest.raises(ServiceError) as exc:
        redemption.issue_code(w.resident, actor=w.resident.user)
    assert exc.value.code == "programme_required"
    code = fresh_code(w, programme=other)
    result = redemption.redeem(code, w.service, 1000, "two", actor=w.manager)
    assert result.redemption.programme_id == other.id


def test_a_provider_cannot_charge_more_than_the_services_listed_price(session):
    """The resident chose the service at the price the catalogue lists: ¥80 listed, ¥150 taken was accepted."""
    w = world()
    bath = service(w.org, w.manager, price_fen=8000)
    code = fresh_code(w)
    with force_locale("en"), pytest.raises(ServiceError) as exc:
        redemption.redeem(code, bath, 8001, "over", actor=w.manager)
    with force_locale("en"):
        assert {k: str(v) for k, v in exc.value.fields.items()} == {
            "amount_fen": "At most the service's listed price, ¥80.00."}
    assert redemption_count() == 0 and sum(balances(w.resident.id)) == 20_000
    assert redemption.redeem(code, bath, 8000, "at-price", actor=w.manager).redemption.amount_fen == 8000
    assert sum(balances(w.resident.id)) == 12_000


def test_insufficient_balance_is_a_conflict(session):
    w = world()
    with pytest.raises(Conflict) as exc:
        redemption.redeem(fresh_code(w), w.service, 20_001, "too-much", actor=w.manager)
    assert exc.value.code == "insufficient_balance"


@pytest.mark.parametrize(("field", "kwargs"), [
    ("amount_fen", {"amount_fen": 0}), ("amount_fen", {"amount_fen": "100"}), ("amount_fen", {"amount_fen": True}),
    ("idempotency_key", {"idempotency_key": ""}), ("idempotency_key", {"idempotency_key": "has space"}),
    ("idempotency_key", {"idempotency_key": "x" * 101}), ("code", {"code": "12ab"})])
def test_malformed_requests(session, field, kwargs):
    w = world()
    args = {"code": fresh_code(w), "amount_fen": 1000, "idempotency_key": "ok", **kwargs}
    with pytest.raises(ServiceError) as exc:
        redemption.redeem(args["code"], w.service, args["amount_fen"], args["idempotency_key"], actor=w.manager)
    assert exc.value.status == 422 and field in exc.value.fields


def test_only_provider_members_redeem(session):
    w = world()
    for outsider in (w.officer, w.resident.user, make_user()):
        with pytest.raises(Forbidden):
            redemption.redeem(fresh_code(w), w.service, 1000, "k", actor=outsider)


def test_resident_and_provider_monthly_caps(session):
    w = world(resident_cap_fen=6000, provider_cap_fen=9000)
    # (once the month's limit is used up, no code is issued; printed: a second code on the screen replaces the first)
    first, second = fresh_code(w, printed=True), fresh_code(w, printed=True)
    redemption.redeem(first, w.service, 6000, "a", actor=w.manager)
    with pytest.raises(Conflict) as exc:
        redemption.redeem(second, w.service, 1, "b", actor=w.manager)
    assert exc.value.code == "resident_cap"
    db.session.rollback()


def test_provider_cap(session):
    w = world(provider_cap_fen=9000)
    second = resident(w.staff)
    issuance.issue_to_resident(w.programme, second, actor=w.officer)
    redemption.redeem(fresh_code(w), w.service, 6000, "a", actor=w.manager)
    code = redemption.issue_code(second, actor=second.user)[0]
    with pytest.raises(Conflict) as exc:
        redemption.redeem(code, w.service, 3001, "b", actor=w.manager)
    assert exc.value.code == "provider_cap"


def test_dispute_upheld_restores_the_balance_rejected_goes_back(session):
    w = world()
    first = redemption.redeem(fresh_code(w), w.service, 7000, "d1", actor=w.manager).redemption
    second = redemption.redeem(fresh_code(w), w.service, 2000, "d2", actor=w.manager).redemption
    d1 = disputes.raise_dispute(first, "服务没有提供", actor=w.resident.user)
    d2 = disputes.raise_dispute(second, "金额不对", actor=w.resident.user)
    assert first.status == RedemptionStatus.DISPUTED and events("voucher.disputed")
    with pytest.raises(Forbidden):
        disputes.decide_dispute(d1, True, "x", actor=w.manager)
    disputes.decide_dispute(d1, True, "核实未提供服务", actor=w.officer)
    disputes.decide_dispute(d2, False, "服务已提供", actor=w.officer)
    assert (first.status, second.status) == ("reversed", "completed")
    assert sum(balances(w.resident.id)) == 20_000 - 2000
    rec = ledger.reconciliation(w.programme)
    assert rec.redeemed_fen == 2000 and rec.reversed_fen == 7000 and rec.balanced and ledger.check() == []
    assert '"amount_fen":7000' in events("voucher.dispute_upheld")[-1].data
    assert events("voucher.dispute_rejected")[-1].target_id == str(second.id)
    with pytest.raises(Conflict):
        disputes.decide_dispute(d1, False, "again", actor=w.officer)


def test_an_upheld_dispute_in_a_capped_programme_gives_the_caps_back(session):
    """Both monthly counters go down by the reversed amount, so the resident and the provider may spend it again."""
    w = world(resident_cap_fen=6000, provider_cap_fen=6000)
    done = redemption.redeem(fresh_code(w), w.service, 6000, "c1", actor=w.manager).redemption

    def used() -> dict:
        return dict(db.session.execute(select(PeriodUsage.subject, PeriodUsage.used_fen)).all())

    assert used() == {"resident": 6000, "provider": 6000}  # both at the cap
    dispute = disputes.raise_dispute(done, "未服务", actor=w.resident.user)
    disputes.decide_dispute(dispute, True, "属实", actor=w.officer)
    assert used() == {"resident": 0, "provider": 0}
    assert sum(balances(w.resident.id)) == 20_000
    again = redemption.redeem(fresh_code(w), w.service, 6000, "c3", actor=w.manager).redemption
    assert again.amount_fen == 6000 and ledger.check() == []


def test_disputes_only_within_seven_days_and_by_the_resident(session):
    w = world()
    done = redemption.redeem(fresh_code(w), w.service, 1000, "late", actor=w.manager).redemption
    with pytest.raises(Forbidden):
        disputes.raise_dispute(done, "x", actor=w.manager)
    with pytest.raises(Conflict) as exc:
        disputes.raise_dispute(done, "太晚了", actor=w.resident.user, now=utcnow() + timedelta(days=7, seconds=1))
    assert exc.value.code == "dispute_window_closed"


def test_upheld_dispute_on_an_expired_voucher_returns_the_value_to_the_budget(session):
    w = world(validity_days=3)
    done = redemption.redeem(fresh_code(w), w.service, 5000, "exp", actor=w.manager).redemption
    dispute = disputes.raise_dispute(done, "未服务", actor=w.resident.user)
    ledger.expire_due(now=utcnow() + timedelta(days=4))
    disputes.decide_dispute(dispute, True, "属实", actor=w.officer)
    rec = ledger.reconciliation(w.programme)
    assert rec.redeemed_fen == 0 and rec.expired_fen == 20_000 and rec.allocated_fen == 0 and rec.balanced
    assert ledger.check() == [] and sum(balances(w.resident.id)) == 0


def test_ratings_once_and_provider_average(session):
    w = world()
    first = redemption.redeem(fresh_code(w), w.service, 1000, "r1", actor=w.manager).redemption
    second = redemption.redeem(fresh_code(w), w.service, 1000, "r2", actor=w.manager).redemption
    catalogue.rate(first, 5, "很好", actor=w.resident.user)
    catalogue.rate(second, 4, actor=w.resident.user)
    with pytest.raises(Conflict):
        catalogue.rate(first, 1, actor=w.resident.user)
    with pytest.raises(ServiceError):
        catalogue.rate(second, 6, actor=w.resident.user)
    with pytest.raises(Forbidden):
        catalogue.rate(second, 3, actor=w.manager)
    rating = catalogue.provider_rating(w.org)
    assert (str(rating.average), rating.count) == ("4.5", 2)
    rated = json.loads(events("voucher.rated")[0].data)
    assert (rated["stars"], rated["commented"]) == (5, True) and set(rated) == {"rating_id", "stars", "commented"}
    assert "很好" not in events("voucher.rated")[0].data  # the resident's words are not in the trail


def test_catalogue_filters_by_category_and_community(session):
    w = world()
    other_org, other_manager = provider(w.officer)
    far = service(other_org, other_manager, communities=["光明社区"])
    near = service(other_org, other_manager, communities=["和平社区"])
    service(other_org, other_manager, category_code="education")  # not in the programme
    from tests.orgs.helpers import community

    listed, ratings = catalogue.catalogue(w.programme, community_id=community("和平社区").id)
    assert {s.id for s in listed} == {w.service.id, near.id}  # w.service serves anywhere
    listed, _ratings = catalogue.catalogue(w.programme)
    assert {s.id for s in listed} == {w.service.id, near.id, far.id}
    assert set(ratings) == {w.org.id, other_org.id}


def test_balance_lists_spendable_vouchers(session):
    w = world()
    running_programme(w.officer, name="另一个项目")  # the resident holds nothing there
    redemption.redeem(fresh_code(w), w.service, 1500, "b", actor=w.manager)
    [line] = redemption.balance(w.resident)
    assert (line.balance_fen, line.vouchers, line.programme_id) == (18_500, 4, w.programme.id)
    assert line.next_expiry is not None and line.next_expiry.tzinfo is not None
    assert db.session.scalar(select(func.count(RedemptionCode.id))) == 1


def test_a_resident_suspended_after_getting_a_code_cannot_be_redeemed_for(session):
    w = world()
    code = fresh_code(w)
    transition_resident(w.resident, ResidentStatus.SUSPENDED, actor=w.staff, reason="搬离本社区")
    db.session.flush()
    db.session.expire_all()  # as in the provider's own request: nothing loaded beforehand
    with pytest.raises(Conflict) as exc:
        redemption.redeem(code, w.service, 3000, "after-suspension", actor=w.manager)
    assert exc.value.code == "resident_not_verified"
    assert redemption_count() == 0 and sum(balances(w.resident.id)) == 20_000
