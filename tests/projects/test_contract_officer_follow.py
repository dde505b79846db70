"""An officer following contracts (QA walk): the contract page leads to commissioning an evaluation and says what a
final one still waits for; the final tranche's "after the final evaluation" leads to the evaluations; the projects
board lists the change requests waiting for a decision and says which payments need a second officer and who
approved them, as the contract page does; paid shares read as the shares they are (40.0%, never 39.9%)."""

import html
import re
from datetime import timedelta

import pytest

from accounts.enums import Role
from core.db import db
from core.money import split_by_percentages
from core.timeutil import format_local, local_today
from projects import contract_changes, contract_money, contract_reports, contracts
from tests.evaluation.project_helpers import commissioned, final_report
from tests.factories import make_user, statements_during
from tests.projects.contract_helpers import accepted_report, active_contract, awarded_decision, plan

ZH = {"Accept-Language": "zh-CN"}


def page_of(client, contract) -> str:
    return client.get(f"/contracts/{contract.id}", headers=ZH).get_data(as_text=True)


def section(page: str, start: str, length: int = 1500) -> str:
    return page[page.index(start):][:length]


# -- 1. The contract page leads to commissioning an evaluation -------------------------------------------------------

def test_the_officer_is_offered_to_commission_and_told_what_a_final_evaluation_waits_for(app, client, login_as):
    officer, _manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)
    page = page_of(client, contract)
    found = section(page, 'id="evaluations-section"')
    assert "尚未委托评估。" in found
    link = f'href="/evaluations/contracts/{contract.id}/new"'
    assert link in found and ">委托评估</a>" in found
    last = contract.milestones[-1]
    assert (f'id="final-evaluation-needs">末期里程碑“{last.title}”（截止 {last.due_on.isoformat()}）的报告尚未提交：'
            "提交后方可委托终期评估。") in found
    # The final tranche's "after the final evaluation" leads there.
    tranches = section(page, 'id="tranches"', 4000)
    assert re.search(r'<a class="inline-target final-evaluation-link" href="#evaluations-section">\s*'
                     r'<span class="tranche-waiting">', tranches)
    assert client.get(f"/evaluations/contracts/{contract.id}/new").status_code == 200  # the link leads to the form


def test_once_the_last_report_is_in_nothing_is_said_against_a_final_evaluation(app, client, login_as):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        final_report(contract, manager)
    db.session.commit()
    login_as(officer)
    found = section(page_of(client, contract), 'id="evaluations-section"')
    assert 'id="commission-link"' in found and 'id="final-evaluation-needs"' not in found


def test_a_returned_last_report_is_named_as_what_a_final_evaluation_waits_for(app, client, login_as):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        report = final_report(contract, manager)
        contract_reports.review_report(report, False, "请补充服务台账。", actor=officer)
    db.session.commit()
    login_as(officer)
    found = section(page_of(client, contract), 'id="evaluations-section"')
    assert (f"末期里程碑“{contract.milestones[-1].title}”的报告已退回承接机构：重新提交后方可委托终期评估。"
            in found)


def test_with_a_mid_term_evaluation_under_way_the_link_asks_for_a_final_one(app, client, login_as):
    officer, _manager, contract, evaluation, _evaluators = commissioned(app, kind="midterm")
    db.session.commit()
    login_as(officer)
    found = section(page_of(client, contract), 'id="evaluations-section"')
    assert f'href="/evaluations/{evaluation.id}">中期评估</a> · 进行中' in found
    assert f'href="/evaluations/contracts/{contract.id}/new?kind=final"' in found
    assert "尚未委托评估" not in found


def test_the_organisation_and_a_draft_get_no_commissioning_link(app, client, login_as):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(manager)
    page = page_of(client, contract)
    assert 'id="commission-link"' not in page and 'id="evaluations-section"' not in page
    assert "final-evaluation-link" not in page  # (no section to lead to)
    client.post("/logout")
    drafting, decision, _manager = awarded_decision(app, serial=7_733_401)
    with app.test_request_context():
        draft = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                         [40, 30, 30], "", actor=drafting)
    db.session.commit()
    login_as(drafting)
    assert 'id="commission-link"' not in page_of(client, draft)


# -- 2. The board: change requests, payments needing a second officer, contracts to confirm -------------------------

def test_the_board_lists_change_requests_waiting_for_a_decision(app, client, login_as):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        change = contract_changes.request_change(contract, contract_changes.ChangeInput(
            "schedule", "场地检修，活动顺延。", milestone_id=contract.milestones[0].id,
            new_due_on=contract.milestones[0].due_on + timedelta(days=10)), actor=manager)
    db.session.commit()
    login_as(officer)
    board = client.get("/contracts/", headers=ZH).get_data(as_text=True)
    listed = section(board, 'id="changes"', 800)
    when = format_local(change.requested_at)
    assert (f'<a href="/contracts/{contract.id}#change-{change.id}">{html.escape(contract.org.name)}</a> · 进度调整 · '
            f"{manager.display_name} 于 {when} 提出") in listed
    assert re.search(r'id="count-changes">\s*1\s*<', board)
    assert f'id="change-{change.id}"' in page_of(client, contract)  # where the link leads
    # Decided, it leaves the board.
    with app.test_request_context():
        contract_changes.transition_change(change, "rejected", actor=officer, reason="不同意。")
    db.session.commit()
    board = client.get("/contracts/", headers=ZH).get_data(as_text=True)
    assert f"#change-{change.id}" not in board and re.search(r'id="count-changes">\s*0\s*<', board)


def test_the_board_keeps_its_number_of_queries_whatever_the_change_requests(app, client, login_as):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)

    def ask(n):
        with app.test_request_context():
            for _ in range(n):
                contract_changes.request_change(contract, contract_changes.ChangeInput(
                    "budget", "调整。", from_line_id=contract.lines[0].id, to_line_id=contract.lines[1].id,
                    amount_fen=1_000), actor=manager)
        db.session.commit()
        return len(statements_during(lambda: client.get("/contracts/"))[0])

    assert ask(1) == ask(3)


@pytest.fixture
def two_officers(app):
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 4_000_000  # the first tranche (¥48,000) needs two officers
    yield
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous


def test_the_board_and_the_contract_say_who_approved_a_payment_and_what_it_waits_for(app, client, login_as, payable,
                                                                                     two_officers):
    officer, _manager, contract, _report = payable
    login_as(officer)
    payments = section(client.get("/contracts/", headers=ZH).get_data(as_text=True), 'id="payable"', 800)
    assert "¥48,000.00 · <span class=\"payable-step\">须两名工作人员办理：一人审批，另一人登记付款</span>" in payments
    assert client.post(f"/contracts/tranches/{contract.tranches[0].id}/approve").status_code == 302
    db.session.refresh(contract.tranches[0])
    at = format_local(contract.tranches[0].approved_at)
    payments = section(client.get("/contracts/", headers=ZH).get_data(as_text=True), 'id="payable"', 800)
    assert f"{officer.display_name} 已于 {at} 审批，待另一名工作人员登记付款" in payments
    tranches = section(page_of(client, contract), 'id="tranches"', 3000)
    assert f"已由 {officer.display_name} 于 {at} 审批，待另一名工作人员登记付款" in tranches
    # Paid by another officer: the approval stays stated.
    second = make_user(Role.OFFICER)
    with app.test_request_context():
        contract_money.pay_tranche(contract.tranches[0], "国库集中支付-01", local_today(), actor=second)
    db.session.commit()
    tranches = section(page_of(client, contract), 'id="tranches"', 3000)
    assert f'<span class="tranche-approval">{officer.display_name} 于 {at} 审批</span>' in tranches
    # ... and the payment says when and who recorded it (the second officer: QA walk, it said neither).
    assert f'<span class="tranche-paid">{local_today()} 拨付，{second.display_name} 登记</span>' in tranches


def member_of(app, contract, manager):
    from orgs import services as org_services

    member = make_user()
    with app.test_request_context():
        membership = org_services.invite_member(contract.org, member.username, "member", actor=manager)
        org_services.answer_invitation(membership, True, actor=member)
    db.session.commit()
    return member


def test_a_contract_awaiting_the_organisation_is_on_its_board_and_a_member_is_told_who_confirms(app, client,
                                                                                                 login_as):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
    db.session.commit()
    member = member_of(app, contract, manager)
    login_as(manager)
    board = client.get("/contracts/", headers=ZH).get_data(as_text=True)
    waiting = section(board, 'id="to-confirm"', 600)
    assert f'<a href="/contracts/{contract.id}/confirm">{html.escape(contract.title)}</a>' in waiting
    assert "请阅读并确认" in waiting and re.search(r'id="count-to-confirm">\s*1\s*<', board)
    client.post("/logout")

    login_as(member)
    waiting = section(client.get("/contracts/", headers=ZH).get_data(as_text=True), 'id="to-confirm"', 600)
    org = html.escape(contract.org.name)
    assert f'<a href="/contracts/{contract.id}">' in waiting and f"由{org}的负责人确认" in waiting
    told = f"只有{org}的负责人才能代表机构确认合同：请联系负责人阅读并确认。"
    response = client.get(f"/contracts/{contract.id}/confirm", headers=ZH, follow_redirects=True)
    assert response.request.path == f"/contracts/{contract.id}" and told in response.get_data(as_text=True)
    assert f'id="not-confirming">{told}' in page_of(client, contract)  # and the contract page says it too
    client.post("/logout")

    # Confirmed by the organisation: it leaves the organisation's board.
    login_as(manager)
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
    db.session.commit()
    board = client.get("/contracts/", headers=ZH).get_data(as_text=True)
    assert f"/contracts/{contract.id}/confirm" not in board
    assert "已确认本合同" in client.get(f"/contracts/{contract.id}/confirm", headers=ZH,
                                        follow_redirects=True).get_data(as_text=True)


def test_officers_get_no_confirmation_box(app, client, login_as, contract_world):
    officer, _manager, _contract = contract_world
    login_as(officer)
    assert 'id="to-confirm"' not in client.get("/contracts/").get_data(as_text=True)


# -- 4. Paid shares and the back link --------------------------------------------------------------------------------

@pytest.mark.parametrize(("part", "whole", "shown"), [
    (4_799_999, 11_999_999, "40.0"),  # a 40% tranche cut to the fen: 39.99997%, floored it read 39.9
    (7_599_995, 18_999_989, "40.0"),
    (99_951, 100_000, "99.9"),  # a remainder is never read as all of it
    (99_999, 100_000, "99.9"),
    (100_000, 100_000, "100.0"),
    (1, 100_000, "0.1"),  # a first fen is never read as nothing
    (0, 100_000, "0.0"),
    (2, 3, "66.7"),  # halves and above round up
    (1, 16, "6.3"),
    (1, 3, "33.3"),
    (5, 0, "0.0"),
])
def test_shares_round_half_up_and_only_all_of_it_is_100(part, whole, shown):
    assert contracts.percent_of(part, whole) == shown


def test_every_tranche_share_paid_reads_as_its_share():
    """Tranches split as a contract splits them (each share floored, the last taking the rest): what has been paid
    after each tranche reads as the shares paid so far, 100.0 only once the last is paid. (A share floored is less
    than a fen short: under 0.05% of any amount above ¥20, which rounds back to the share.)"""
    for amount in (11_999_999, 18_999_989, 7_599_993, 10_000_001, 2_001):
        for percents in ([40, 30, 30], [30, 30, 40], [10, 20, 30, 40], [33, 33, 34]):
            parts = split_by_percentages(amount, percents)
            for i in range(1, len(parts) + 1):
                assert contracts.percent_of(sum(parts[:i]), amount) == f"{sum(percents[:i])}.0", (amount, percents)


def test_a_paid_40_percent_tranche_reads_40_percent_on_the_contract_page(app, client, login_as):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today() - timedelta(days=1),
                                            local_today() + timedelta(days=365), plan(), [40, 30, 30], "",
                                            actor=officer, amount_fen=11_999_999)
        for side in (manager, officer):
            contracts.confirm(contract, actor=side, terms=contracts.terms_digest(contract))
    accepted_report(app, contract, officer, manager)
    with app.test_request_context():
        contract_money.pay_tranche(contract.tranches[0], "国库集中支付-02", local_today(), actor=officer)
    db.session.commit()
    assert contract.paid_fen == 4_799_999
    login_as(officer)
    page = page_of(client, contract)
    assert 'data-key="paid" data-percent="40.0"' in page
    assert '<a class="inline-target" href="/contracts/" id="back-to-projects">← 项目管理</a>' in page
