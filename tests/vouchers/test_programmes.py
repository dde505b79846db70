"""Programmes: set-up validation, the transition table, eligibility (Python and SQL agree), allowed providers."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.resident_models import ResidentProfile, ResidentStatus
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import format_until, local_day_bounds, local_today, to_local
from orgs import standing
from tests.factories import make_user
from tests.orgs.helpers import category, community
from tests.projects.contract_helpers import active_contract
from tests.vouchers.helpers import events, programme_data, provider, resident, running_programme, service
from vouchers import issuance, ledger, programmes
from vouchers.enums import ProgrammeStatus, VoucherStatus
from vouchers.models import Voucher


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


@pytest.fixture
def staff(session):
    return make_user(Role.COMMUNITY_STAFF)


def years_ago(n: int, days: int = 0) -> date:
    today = local_today()
    return today.replace(year=today.year - n) - timedelta(days=days)


# rules, resident (birth, community, tags, status) -> eligible
ELIGIBILITY = [
    ({}, (years_ago(30), "和平社区", [], "verified"), True),
    ({}, (years_ago(30), "和平社区", [], "pending"), False),
    ({}, (years_ago(30), "和平社区", [], "suspended"), False),
    ({"min_age": 70}, (years_ago(70), "和平社区", [], "verified"), True),  # birthday today counts
    ({"min_age": 70}, (years_ago(70, days=-1), "和平社区", [], "verified"), False),  # turns 70 tomorrow
    ({"communities": ["光明社区"]}, (years_ago(75), "和平社区", [], "verified"), False),
    ({"communities": ["光明社区", "和平社区"]}, (years_ago(75), "和平社区", [], "verified"), True),
    ({"tags": ["low_income", "disability"], "mode": "any"}, (years_ago(40), "和平社区", ["disability"], "verified"),
     True),
    ({"tags": ["low_income", "disability"], "mode": "all"}, (years_ago(40), "和平社区", ["disability"], "verified"),
     False),
    ({"tags": ["low_income", "disability"], "mode": "all"},
     (years_ago(40), "和平社区", ["disability", "low_income", "living_alone"], "verified"), True),
    ({"tags": ["aged_80"], "mode": "any"}, (years_ago(80), "和平社区", [], "verified"), True),
    ({"tags": ["aged_80"], "mode": "any"}, (years_ago(79, days=300), "和平社区", [], "verified"), False),
    ({"tags": ["aged_80", "living_alone"], "mode": "all"}, (years_ago(85), "和平社区", ["living_alone"], "verified"),
     True),
    ({"tags": ["extreme_poverty"], "mode": "any", "min_age": 60},
     (years_ago(65), "和平社区", ["low_income"], "verified"), False),
]


@pytest.mark.parametrize(("rules", "person", "eligible"), ELIGIBILITY)
def test_eligibility_table(officer, staff, rules, person, eligible):
    programme = running_programme(officer, min_age=rules.get("min_age"), required_tags=rules.get("tags", []),
                                  tags_mode=rules.get("mode", "any"),
                                  community_ids=[community(c).id for c in rules.get("communities", [])])
    birth, community_name, tags, status = person
    profile = resident(staff, birth=birth, community_name=community_name, tags=tags)
    profile.status = status  # test set-up only
    db.session.flush()
    assert programmes.is_eligible(programme, profile) is eligible
    sql = db.session.scalar(select(ResidentProfile.id).where(
        ResidentProfile.id == profile.id, *programmes.eligibility_conditions(programme, local_today())))
    assert (sql is not None) is eligible  # the batch's SQL says the same as the Python rule


@pytest.mark.parametrize(("start", "to", "allowed"), [
    ("draft", "active", True), ("active", "closed", True), ("draft", "closed", False), ("active", "draft", False),
    ("closed", "active", False), ("closed", "draft", False)])
def test_programme_transitions(officer, start, to, allowed):
    org, manager = provider(officer)
    service(org, manager)  # (a programme starts only once a provider may redeem its vouchers)
    programme = programmes.create_programme(programme_data(), actor=officer)
    programme.status = start  # test set-up only
    if allowed:
        programmes.transition_programme(programme, to, actor=officer, reason="试点结束")
        assert programme.status == to and events(f"voucher_programme.{to}")[-1].target_id == str(programme.id)
    else:
        with pytest.raises(Conflict):
            programmes.transition_programme(programme, to, actor=officer, reason="试点结束")
        assert programme.status == start


def test_only_officers_set_up_programmes(session):
    with pytest.raises(Forbidden):
        programmes.create_programme(programme_data(), actor=make_user(Role.COMMUNITY_STAFF))


@pytest.mark.parametrize(("override", "field"), [
    ({"category_ids": []}, "category_ids"), ({"validity_days": None}, "validity_days"),
    ({"budget_fen": 0}, "budget_fen"), ({"face_value_fen": -5}, "face_value_fen"),
    ({"vouchers_per_period": 0}, "vouchers_per_period"), ({"provider_mode": "contracted"}, "contract_call_id"),
    ({"required_tags": ["rich"]}, "required_tags"), ({"name": ""}, "name"), ({"budget_fen": 1.5}, "budget_fen"),
    ({"validity_days": 3661}, "validity_days"), ({"valid_until": date(9999, 12, 31)}, "valid_until"),
    # a month's vouchers for one resident (4 × 50 元) cost more than the budget
    ({"budget_fen": 19_999}, "budget_fen"), ({"face_value_fen": 2_500_001}, "budget_fen"),
    ({"valid_until": local_today() - timedelta(days=1)}, "valid_until")])
def test_programme_validation(officer, override, field):
    with pytest.raises(ServiceError) as exc:
        programmes.create_programme(programme_data(**override), actor=officer)
    assert field in exc.value.fields


def test_a_budget_of_exactly_one_resident_s_month_and_an_end_date_today_are_fine(officer):
    programme = programmes.create_programme(programme_data(budget_fen=20_000, valid_until=local_today()),
                                            actor=officer)
    assert programme.budget_fen == 20_000


def test_a_running_programme_cannot_be_edited_but_its_budget_can_be_raised(officer):
    programme = running_programme(officer)
    with pytest.raises(Conflict):
        programmes.update_programme(programme, programme_data(name="改名"), actor=officer)
    programmes.raise_budget(programme, programme.budget_fen + 100, actor=officer)
    with pytest.raises(ServiceError):
        programmes.raise_budget(programme, 1, actor=officer)
    assert events("voucher_programme.budget_raised")


def test_validity_by_days_or_date_whichever_first(officer):
    until = local_today() + timedelta(days=10)
    programme = running_programme(officer, validity_days=30, valid_until=until)
    now = utcnow()
    end_of_until = local_day_bounds(until)[1]
    assert programmes.voucher_expiry(programme, now) == end_of_until  # the date comes first
    programme.validity_days = 5
    fifth_day = to_local(now).date() + timedelta(days=5)
    assert programmes.voucher_expiry(programme, now) == local_day_bounds(fifth_day)[1]  # the days come first


@pytest.mark.parametrize(("issued", "through"), [
    (datetime(2026, 12, 6, 1, 51, tzinfo=UTC), "2027-02-04"),  # 09:51 in Beijing on 6 December
    (datetime(2026, 12, 5, 16, 30, tzinfo=UTC), "2027-02-04"),  # 00:30 on 6 December in Beijing, 5th in UTC
    (datetime(2026, 12, 6, 15, 59, tzinfo=UTC), "2027-02-04"),  # 23:59 on 6 December in Beijing
])
def test_vouchers_are_good_through_whole_beijing_days(officer, issued, through):
    """60 days from 6 December: good through 4 February, to its end in Beijing, whatever the hour of issue (it was
    60 × 24 hours from the moment of issue, a minute of a morning on the resident's page)."""
    programme = running_programme(officer, validity_days=60)
    expiry = programmes.voucher_expiry(programme, issued)
    assert to_local(expiry).time() == time.min and format_until(expiry) == through


def test_period_bounds_are_beijing_months():
    start, end = programmes.period_bounds("2026-01")
    assert start.isoformat() == "2025-12-31T16:00:00+00:00" and end.isoformat() == "2026-01-31T16:00:00+00:00"
    assert programmes.period_of(start) == "2026-01" and programmes.period_of(end) == "2026-02"
    with pytest.raises(ServiceError):
        programmes.parse_period("2026-13")


def test_closing_revokes_outstanding_vouchers_and_returns_their_value(officer, staff):
    programme = running_programme(officer)
    person = resident(staff)
    issuance.issue_to_resident(programme, person, actor=officer)
    programmes.transition_programme(programme, ProgrammeStatus.CLOSED, actor=officer, reason="试点结束")
    statuses = set(db.session.scalars(select(Voucher.status).where(Voucher.programme_id == programme.id)))
    rec = ledger.reconciliation(programme)
    assert statuses == {VoucherStatus.REVOKED.value}
    assert rec.revoked_fen == 20_000 and rec.allocated_fen == 0 and rec.balanced
    assert '"revoked_fen":20000' in events("voucher_programme.closed")[-1].data


def test_providers_in_good_standing_offering_an_eligible_service(officer):
    programme = running_programme(officer)
    org, manager = provider(officer)
    assert not programmes.provider_allowed(programme, org)  # no service yet
    service(org, manager, category_code="education")
    assert not programmes.provider_allowed(programme, org)  # not an eligible category
    service(org, manager)
    assert programmes.provider_allowed(programme, org)
    assert org in programmes.allowed_providers(programme)
    assert programmes.in_good_standing(org)
    standing.add_credit_entry(org, "abnormal", "未按时年报", "民政局", local_today(), None, actor=officer)
    assert not programmes.provider_allowed(programme, org) and not programmes.in_good_standing(org)
    assert org not in programmes.allowed_providers(programme)
    assert programmes.provider_allowed(programme, org, local_today() - timedelta(days=1))  # not listed yet


def test_a_suspended_provider_is_not_allowed(officer):
    programme = running_programme(officer)
    org, manager = provider(officer)
    service(org, manager)
    from orgs import services as org_services

    org_services.transition_org(org, "suspended", actor=officer, reason="整改")
    assert not programmes.provider_allowed(programme, org) and not programmes.in_good_standing(org)


def test_contracted_programme_admits_only_contract_holders(app, session):
    officer, manager, contract = active_contract(app)
    service(contract.org, manager, category_code=contract.org.categories[0].code)  # (before: it starts with one)
    programme = running_programme(officer, provider_mode="contracted", contract_call_id=contract.call_id,
                                  category_ids=[category("elderly").id, contract.org.categories[0].id])
    other, other_manager = provider(officer)
    service(other, other_manager)
    assert programmes.provider_allowed(programme, contract.org)
    assert not programmes.provider_allowed(programme, other)


def test_suspended_residents_are_not_eligible(officer, staff):
    programme = running_programme(officer)
    person = resident(staff)
    from accounts import residents

    residents.transition_resident(person, ResidentStatus.SUSPENDED, actor=staff, reason="迁出")
    assert programmes.eligibility_problems(programme, person)
    with pytest.raises(Conflict):
        issuance.issue_to_resident(programme, person, actor=officer)
