"""Follow-up fixes to calls and contracts: each test failed before its fix."""

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from accounts.enums import Role
from audit.documents import IssuedDocument
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from projects import contract_money, contract_reports, contracts
from projects.contract_models import Contract, Expense, TrancheStatus
from projects.contract_report_input import FeeInput, ReportInput
from tests.factories import make_user
from tests.projects.contract_helpers import accepted_report, active_contract, awarded_decision, plan
from tests.projects.helpers import published_call

STRICT_RULES = dict(allowed_kinds=["agency", "foundation"], min_grade=3, min_years_registered=2,
                    min_certified_social_workers=4, require_annual_report=True, require_clean_credit=True,
                    require_passing_evaluation=True)


@pytest.mark.parametrize("lang, expected", [
    ("zh-CN", ["仅限以下类型的组织申报：社会服务机构、基金会", "3A", "登记满 2 年", "持证社会工作者不少于 4 人",
               "上一年度报告已通过", "未被列入信用名录", "最近一次项目评估等级为合格及以上"]),
    ("en", ["Only these kinds may apply: Social service agency, Foundation", "3A", "at least 2 years",
            "At least 4 certified social workers", "annual report", "credit list", "at least Pass"]),
])
def test_the_call_page_states_the_eligibility_rules_in_advance(app, client, session, lang, expected):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer, **STRICT_RULES)
    page = client.get(f"/calls/{call.id}", headers={"Accept-Language": lang}).get_data(as_text=True)
    rules = page.split('id="eligibility-rules"', 1)[1].split("</dd>", 1)[0]
    for text in expected:
        assert text in rules, text


def test_the_announcement_states_the_last_evaluation_rule(app, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer, **STRICT_RULES)
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == call.announcement_code))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.content)).pages).replace("\n", "")
    for rule in ("社会服务机构、基金会", "3A", "登记满 2 年", "上一年度报告已通过", "未被列入信用名录",
                 "最近一次项目评估等级为合格及以上"):
        assert rule in text, rule


@pytest.mark.parametrize("query, field", [
    ("status=zzz", "status"), ("status=draft", "status"),
    ("page=abc", "page"), ("per_page=1.5", "per_page"), ("status=published&page=x", "page"),
])
def test_a_malformed_call_list_filter_is_a_422_naming_the_field(client, session, query, field):
    response = client.get(f"/api/v1/calls?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"] and error["fields"][field]


def test_a_known_call_status_still_filters(app, client, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
    ids = [c["id"] for c in client.get("/api/v1/calls?status=published").get_json()["items"]]
    assert call.id in ids
    assert call.id not in [c["id"] for c in client.get("/api/v1/calls?status=closed").get_json()["items"]]


@pytest.mark.parametrize("length, ok", [(100, True), (101, False)])
def test_an_expense_payee_longer_than_100_characters_is_refused_not_cut(app, session, length, ok):
    officer, manager, contract = active_contract(app)
    line = contract.lines[0]
    with app.test_request_context():
        if ok:
            expense = contract_money.record_expense(contract, line, local_today(), "供" * length, 100, None,
                                                    actor=manager)
            assert expense.payee == "供" * length
            return
        with pytest.raises(ServiceError) as caught:
            contract_money.record_expense(contract, line, local_today(), "供" * length, 100, None, actor=manager)
    assert caught.value.fields["payee"]
    db.session.refresh(line)
    assert line.spent_fen == 0 and db.session.scalar(select(Expense.id).where(Expense.contract_id == contract.id)) \
        is None


@pytest.mark.parametrize("length, ok", [(100, True), (101, False)])
def test_a_fee_recipient_name_longer_than_100_characters_is_refused_not_cut(app, session, length, ok):
    officer, manager, contract = active_contract(app)
    fee = FeeInput("volunteer_allowance", "赵" * length, 20_000, local_today(), phone="13700000009")
    data = ReportInput("本阶段工作已完成，详见附件。", fees=[fee])
    with app.test_request_context():
        if ok:
            report = contract_reports.submit_report(contract.milestones[0], data, actor=manager)
            assert report.fees[0].recipient_name == "赵" * length
            return
        with pytest.raises(ServiceError) as caught:
            contract_reports.submit_report(contract.milestones[0], data, actor=manager)
    assert caught.value.fields["fees"]
    assert contract.milestones[0].reports == []


@pytest.mark.parametrize("days, ok", [
    (-2, False),  # before the contract started (yesterday)
    (-1, False),  # after the start, but before the milestone report was accepted (today)
    (1, False),  # in the future
    (0, True),
])
def test_a_tranche_is_paid_on_or_after_its_report_was_accepted_and_not_in_the_future(app, session, days, ok):
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, index=1)
    tranche = contract.tranches[1]
    paid_on = local_today() + timedelta(days=days)
    with app.test_request_context():
        if ok:
            contract_money.pay_tranche(tranche, "转账002", paid_on, actor=officer)
        else:
            with pytest.raises(ServiceError) as caught:
                contract_money.pay_tranche(tranche, "转账002", paid_on, actor=officer)
            assert caught.value.fields["paid_on"]
    db.session.refresh(tranche)
    db.session.refresh(contract)
    assert tranche.status == (TrancheStatus.PAID if ok else TrancheStatus.PAYABLE)
    assert contract.paid_fen == (tranche.amount_fen if ok else 0)


@pytest.mark.parametrize("amount_fen, percents, ok", [
    (1, [40, 30, 30], False),  # 0, 0 and 1 fen
    (3, [34, 33, 33], False),  # 1, 0 and 2 fen
    (10, [40, 30, 30], True),  # 4, 3 and 3 fen
])
def test_a_tranche_plan_giving_a_0_fen_tranche_is_refused(app, session, amount_fen, percents, ok):
    officer, decision, _manager = awarded_decision(app)
    decision.amount_fen = amount_fen
    start, end = local_today() - timedelta(days=1), local_today() + timedelta(days=365)
    with app.test_request_context():
        if ok:
            contract = contracts.draft_contract(decision, start, end, plan(), percents, "", actor=officer)
            assert [t.amount_fen for t in contract.tranches] == [4, 3, 3]
            return
        with pytest.raises(ServiceError) as caught:
            contracts.draft_contract(decision, start, end, plan(), percents, "", actor=officer)
    assert "0" in caught.value.fields["percents"]
    assert db.session.scalar(select(Contract.id).where(Contract.proposal_id == decision.proposal_id)) is None
