"""Money guards: a programme no provider may serve neither starts nor issues (its vouchers could be spent nowhere),
and issuing to everyone is refused up front when the budget left cannot pay for one resident's month."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from core.errors import Conflict
from orgs import services as org_services
from tests.factories import make_user
from tests.orgs.helpers import category
from tests.projects.contract_helpers import active_contract
from vouchers import issuance, ledger, programmes, provider_guard
from vouchers.enums import ProgrammeStatus
from vouchers.models import IssuanceBatch, Programme, Voucher

from .helpers import events, programme_data, provider, resident, running_programme, service


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


@pytest.fixture
def staff(session):
    return make_user(Role.COMMUNITY_STAFF)


def issued_count(programme_id: int) -> int:
    return db.session.scalar(select(func.count(Voucher.id)).where(Voucher.programme_id == programme_id))


def test_a_programme_no_provider_may_serve_does_not_start(officer):
    programme = programmes.create_programme(programme_data(category_ids=[category("disability").id]), actor=officer)
    elsewhere, manager = provider(officer)  # an elderly-care provider: not in the programme's category
    service(elsewhere, manager)
    with pytest.raises(Conflict) as refused:
        programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
    assert refused.value.code == "no_provider"
    assert "项目不能开始：目前还没有可以核销本项目服务券的承接方" in refused.value.message
    assert "承接方须信用良好，并在本项目的服务类别中提供在用的服务。" in refused.value.message
    assert programme.status == "draft" and programme.activated_at is None and not events("voucher_programme.active")
    org, manager = provider(officer, categories=("disability",))
    service(org, manager, category_code="disability")
    programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
    assert programme.status == "active"


def test_a_contracted_programme_needs_a_contract_holder_offering_a_service(app, session):
    officer, manager, contract = active_contract(app)
    other, other_manager = provider(officer)
    service(other, other_manager)  # in good standing and offering one, but holding no contract under the call
    data = programme_data(provider_mode="contracted", contract_call_id=contract.call_id,
                          category_ids=[category("elderly").id, contract.org.categories[0].id])
    programme = programmes.create_programme(data, actor=officer)
    with pytest.raises(Conflict) as refused:
        programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
    assert "在本项目所关联的项目征集下持有履行中的合同" in refused.value.message
    service(contract.org, manager, category_code=contract.org.categories[0].code)
    programmes.transition_programme(programme, ProgrammeStatus.ACTIVE, actor=officer)
    assert programme.status == "active"


def test_no_vouchers_are_issued_while_no_provider_may_redeem_them(officer, staff):
    programme = running_programme(officer)
    only = programmes.allowed_providers(programme)
    assert len(only) == 1  # the helper's own provider
    person = resident(staff)
    org_services.transition_org(only[0], "suspended", actor=officer, reason="整改")
    assert not provider_guard.has_allowed_provider(programme)
    for issue in (lambda: issuance.issue_to_resident(programme, person, actor=officer),
                  lambda: issuance.start_batch(programme, actor=officer)):
        with pytest.raises(Conflict) as refused:
            issue()
        assert refused.value.code == "no_provider" and "未发放服务券：目前没有可以核销" in refused.value.message
    assert issued_count(programme.id) == 0 and ledger.unallocated_fen(programme.id) == programme.budget_fen
    assert not db.session.scalar(select(IssuanceBatch.id).where(IssuanceBatch.programme_id == programme.id))
    org, manager = provider(officer)
    service(org, manager)
    assert len(issuance.issue_to_resident(programme, person, actor=officer)) == 4


def test_a_batch_the_budget_left_cannot_pay_one_resident_is_refused_up_front(officer, staff):
    programme = running_programme(officer, budget_fen=45_000)  # ¥200 a resident: two, then ¥50 left
    first, second, third = (resident(staff) for _ in range(3))
    issuance.issue_to_resident(programme, first, actor=officer)
    issuance.issue_to_resident(programme, second, actor=officer)
    with pytest.raises(Conflict) as refused:
        issuance.start_batch(programme, actor=officer)
    assert refused.value.code == "budget_exhausted"
    assert "剩余预算（¥50.00）" in refused.value.message and "（¥200.00）" in refused.value.message
    assert not db.session.scalar(select(IssuanceBatch.id).where(IssuanceBatch.programme_id == programme.id))
    assert not events("voucher.batch_started") and issued_count(programme.id) == 8
    programmes.raise_budget(programme, 60_000, actor=officer)  # ¥200 more: the third resident's month
    batch = issuance.start_batch(programme, actor=officer)
    assert issuance.run_chunk(batch) and batch.status == "done" and batch.residents_issued == 1
    assert third.id in set(db.session.scalars(select(Voucher.resident_id).where(Voucher.programme_id == programme.id)))


def test_the_programme_page_says_why_it_cannot_start(app, client, login_as, session):
    with app.test_request_context():
        officer = make_user(Role.OFFICER)
        made = programmes.create_programme(programme_data(category_ids=[category("disability").id]), actor=officer)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/vouchers/programmes/{made.id}/status/active", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "项目不能开始" in page and "承接方" in page
    assert db.session.get(Programme, made.id).status == "draft"


def test_the_programme_page_says_why_a_batch_is_refused(app, client, login_as, session):
    with app.test_request_context():
        officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
        programme = running_programme(officer, budget_fen=25_000)
        issuance.issue_to_resident(programme, resident(staff), actor=officer)
        resident(staff)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/vouchers/programmes/{programme.id}/batches", data={"period": programmes.period_of()})
    assert response.status_code == 422
    assert "剩余预算（¥50.00）不够" in response.get_data(as_text=True)
    assert not db.session.scalar(select(IssuanceBatch.id).where(IssuanceBatch.programme_id == programme.id))
