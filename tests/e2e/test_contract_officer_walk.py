"""An officer following contracts (QA walk), on a phone (390x844) and at a desk (1280x800): the projects board lists
the change request waiting for a decision and leads to it; on the contract page the decision is one labelled form,
the reasons first and "批准" / "驳回" under them, each on one line (they wrapped one character per line beside two
unlabelled inputs); refused without reasons, the reason stands beside the field; rejected with them, the board no
longer lists it. The back link is a finger's target. On the drawing-up form each tranche's amount follows the amount
field as it is typed and is the amount the contract then stores (the last tranche takes the rounding)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.timeutil import local_today
from projects import contract_changes, contracts
from projects.contract_change_models import ChangeRequest
from projects.contract_models import Contract, ContractStatus
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_phone_journey import log_in
from tests.factories import PASSWORD
from tests.projects.contract_helpers import awarded_decision, plan

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}


@pytest.fixture
def scene(live_app):
    """The walk's contract, terminated afterwards: other tests take the live app's latest active contract for the
    demo's (tests/e2e/test_expense_withdrawal.py logs in as its manager with the demo's password)."""
    made = seed(live_app)
    yield made
    with live_app.app_context(), live_app.test_request_context():
        contract, officer = db.session.get(Contract, made["contract"]), db.session.get(User, made["officer_id"])
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="走查结束。")
        db.session.commit()


def seed(app) -> dict:
    with app.app_context(), app.test_request_context():
        officer, decision, manager = awarded_decision(app, serial=7_733_101)
        today = local_today()
        contract = contracts.draft_contract(decision, today - timedelta(days=1), today + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
        for side in (manager, officer):
            contracts.confirm(contract, actor=side, terms=contracts.terms_digest(contract))
        change = contract_changes.request_change(contract, contract_changes.ChangeInput(
            "budget", "活动场次增加，需调整预算。", from_line_id=contract.lines[0].id, to_line_id=contract.lines[1].id,
            amount_fen=100_000), actor=manager)
        db.session.commit()
        return {"officer": officer.username, "officer_id": officer.id, "contract": contract.id, "change": change.id}


def fits(page, width: int) -> None:
    page.wait_for_load_state()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url
    assert serious_violations(page) == [], page.url


def one_line(button) -> None:
    """A button whose label stays on one line (no taller than a single line of a Bootstrap button), a finger's
    target."""
    box = button.bounding_box()
    assert box["width"] >= 44 and 38 <= box["height"] <= 50, box


def test_an_officer_decides_a_change_request_from_the_board_on_a_phone_and_at_a_desk(live_server, live_app, browser,
                                                                                       scene):
    change = scene["change"]
    for size in (DESK, PHONE):
        page = browser.new_context(locale="zh-CN", viewport=size).new_page()
        log_in(page, live_server, scene["officer"], PASSWORD)
        page.goto(f"{live_server}/contracts/")
        waiting = page.locator("#changes")
        expect(page.locator("#count-changes")).not_to_have_text("0")
        expect(waiting).to_contain_text("预算调整")
        fits(page, size["width"])
        waiting.locator(f"a[href='/contracts/{scene['contract']}#change-{change}']").click()
        expect(page.locator("h1")).to_be_visible()
        expect(page).to_have_url(f"{live_server}/contracts/{scene['contract']}#change-{change}")
        assert page.locator("#back-to-projects").bounding_box()["height"] >= 44
        form = page.locator(f"#decide-change-{change}")
        reasons = form.get_by_label("决定理由")
        expect(reasons).to_be_visible()
        approve, reject = form.get_by_role("button", name="批准"), form.get_by_role("button", name="驳回")
        for button in (approve, reject):
            one_line(button)
        # Under the reasons, not beside them (measured at one moment: the page may still scroll to the anchor).
        bottom, *tops = form.evaluate("f => [f.querySelector('textarea').getBoundingClientRect().bottom, "
                                      "...[...f.querySelectorAll('button')].map(b => b.getBoundingClientRect().top)]")
        assert len(tops) == 2 and all(top >= bottom for top in tops), (bottom, tops)
        fits(page, size["width"])
        if size is DESK:
            page.context.close()

    # On the phone: rejected without reasons (asked first), refused beside the field; then with them.
    page.once("dialog", lambda dialog: dialog.accept())
    reject.click()
    expect(page.locator(f"#change-{change}-reason-error")).to_have_text("请填写原因。")
    expect(page.locator(f"#change-{change}-reason")).to_be_focused()
    fits(page, PHONE["width"])
    page.locator(f"#change-{change}-reason").fill("本期预算执行正常，暂不调整。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#decide-change-{change}").get_by_role("button", name="驳回").click()
    expect(page.locator(f"#change-{change}")).to_contain_text("已驳回")
    expect(page.locator(f"#decide-change-{change}")).to_have_count(0)
    with live_app.app_context():
        decided = db.session.get(ChangeRequest, change)
        assert (decided.status, decided.decision_reason) == ("rejected", "本期预算执行正常，暂不调整。")
    page.locator("#back-to-projects").click()
    expect(page.locator(f"#changes a[href='/contracts/{scene['contract']}#change-{change}']")).to_have_count(0)
    page.context.close()


def test_the_tranche_amounts_follow_the_amount_typed_and_are_those_stored(live_server, live_app, browser):
    scene = drawable(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, live_server, scene["officer"], PASSWORD)
    page.goto(f"{live_server}/contracts/new/{scene['decision']}")
    for i, share in enumerate(("40", "30", "30")):
        page.locator(f"#tranche-{i}-percent").fill(share)
    expect(page.locator("#tranche-2 .tranche-amount")).to_have_text("约 ¥36,000.00")  # 30% of the award, ¥120,000
    page.locator("#amount").fill("99,999.99")  # each share floored to the fen, the last takes the rest
    expect(page.locator("#tranche-0 .tranche-amount")).to_have_text("约 ¥39,999.99")
    expect(page.locator("#tranche-1 .tranche-amount")).to_have_text("约 ¥29,999.99")
    expect(page.locator("#tranche-2 .tranche-amount")).to_have_text("约 ¥30,000.01")
    page.locator("#amount").fill("１０，０００．０３")  # as a Chinese IME types it
    expect(page.locator("#tranche-2 .tranche-amount")).to_have_text("约 ¥3,000.02")  # 1,000,003 fen - 400,001 - 300,000
    page.locator("#amount").fill("")  # empty: the award's amount, as the server takes it
    expect(page.locator("#tranche-0 .tranche-amount")).to_have_text("约 ¥48,000.00")
    page.locator("#amount").fill("99,999.99")
    today = local_today()
    page.get_by_label("结束日期").fill((today + timedelta(days=365)).isoformat())
    for i, (title, days) in enumerate((("中期", 150), ("末期", 330))):
        row = page.locator(f"#milestone-{i}")
        row.get_by_label("标题").fill(title)
        row.get_by_label("截止日期").fill((today + timedelta(days=days)).isoformat())
    shown = [page.locator(f"#tranche-{i} .tranche-amount").inner_text() for i in range(3)]
    page.locator("#draw-up").click()
    expect(page.locator("#contract-status")).to_be_visible()
    with live_app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.proposal_id == scene["proposal"]))
        stored = [t.amount_fen for t in contract.tranches]
    assert stored == [3_999_999, 2_999_999, 3_000_001]
    assert shown == ["约 ¥39,999.99", "约 ¥29,999.99", "约 ¥30,000.01"]
    page.context.close()


def drawable(app) -> dict:
    with app.app_context(), app.test_request_context():
        officer, decision, _manager = awarded_decision(app, serial=7_733_301)
        db.session.commit()
        return {"officer": officer.username, "decision": decision.id, "proposal": decision.proposal_id}
