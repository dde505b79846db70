"""An officer draws up a contract on a phone (375x740): the milestones and tranches are rows of labelled inputs, a
row added and removed (the tranches' choice of milestone follows), in English and then in Chinese; two milestones
and three tranches filled in, the shares' total shown as typed; shares not adding up to 100 are refused beside the
tranches with everything kept, corrected, and the contract is drawn up. Every page fits the phone's width, its
targets a finger's, with no serious accessibility fault."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from core.timeutil import local_today
from projects.contract_models import Contract
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in
from tests.factories import PASSWORD
from tests.projects.contract_helpers import awarded_decision


def seed(app) -> dict:
    with app.app_context(), app.test_request_context():
        officer, decision, _manager = awarded_decision(app, serial=7_700_901)
        db.session.commit()
        return {"officer": officer.username, "decision": decision.id, "proposal": decision.proposal_id}


def rows(page, kind: str):
    return page.locator(f"#{kind}-rows .{kind}-row")


def test_an_officer_draws_up_a_contract_with_rows_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    url = f"{live_server}/contracts/new/{scene['decision']}"
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["officer"], PASSWORD)

    # In English: a milestone added (offered to the tranches under its title) and removed again.
    page.goto(f"{live_server}/lang/en?next=/")
    page.goto(url)
    fits_the_phone(page)
    expect(rows(page, "milestone")).to_have_count(2)
    expect(rows(page, "tranche")).to_have_count(3)
    page.get_by_role("button", name="Add a milestone").click()
    expect(rows(page, "milestone")).to_have_count(3)
    expect(page.locator("#milestone-2-title")).to_be_focused()
    page.locator("#milestone-2-title").fill("Extra")
    expect(page.locator("#tranche-0-milestone option[value='2']")).to_have_text("Milestone 3: Extra")
    fits_the_phone(page)
    page.locator("#milestone-1 .remove-row").click()  # the second goes: the third becomes the second
    expect(rows(page, "milestone")).to_have_count(2)
    expect(page.locator("#milestone-1-title")).to_have_value("Extra")
    expect(page.locator("#milestone-1 legend")).to_have_text("Milestone 2")
    expect(page.locator("#tranche-0-milestone")).to_have_value("0")  # what was chosen stays chosen
    expect(page.locator("#tranche-1-milestone")).to_have_value("")  # its milestone was removed
    expect(page.locator("#tranche-0-milestone option[value='1']")).to_have_text("Milestone 2: Extra")
    page.get_by_role("button", name="Add a tranche").click()  # a tranche added, and one before it removed
    page.locator("#tranche-3-percent").fill("5")
    page.locator("#tranche-1 .remove-row").click()
    expect(rows(page, "tranche")).to_have_count(3)
    expect(page.locator("#tranche-2-percent")).to_have_value("5")
    expect(page.locator("#tranche-2 legend")).to_have_text("Tranche 3")
    expect(page.locator("label[for='tranche-2-percent']")).to_have_count(1)
    expect(page.locator("#tranche-total")).to_have_text("The shares add up to 5 (of 100).")

    # In Chinese, from the start: two milestones, three tranches, the total 90 at first.
    page.goto(f"{live_server}/lang/zh_Hans_CN?next=/")
    page.goto(url)
    today = local_today()
    page.get_by_label("结束日期").fill((today + timedelta(days=365)).isoformat())
    plan = [("中期评估", today + timedelta(days=150), "中期报告、服务台账", "活动照片、签到表"),
            ("末期评估", today + timedelta(days=330), "总结报告", "满意度调查")]
    for i, (title, due, deliverables, evidence) in enumerate(plan):
        row = page.locator(f"#milestone-{i}")
        row.get_by_label("标题").fill(title)
        row.get_by_label("截止日期").fill(due.isoformat())
        row.get_by_label("交付成果").fill(deliverables)
        row.get_by_label("所需佐证材料").fill(evidence)
    page.get_by_role("button", name="添加一批").click()  # a fourth tranche row, removed again
    expect(rows(page, "tranche")).to_have_count(4)
    page.locator("#tranche-3 .remove-row").click()
    expect(rows(page, "tranche")).to_have_count(3)
    for i, (share, paid_after) in enumerate([("40", "0"), ("30", "1"), ("20", "final")]):
        page.locator(f"#tranche-{i}-percent").fill(share)
        expect(page.locator(f"#tranche-{i}-milestone")).to_have_value(paid_after)
    expect(page.locator("#tranche-1-milestone option[value='1']")).to_have_text("里程碑 2：末期评估")
    expect(page.locator("#tranche-total")).to_have_text("各批比例合计 90（须为 100）。")
    expect(page.locator("#tranche-0 .tranche-amount")).to_have_text("约 ¥48,000.00")  # 40% of ¥120,000
    fits_the_phone(page)
    page.locator("#draw-up").click()

    # Refused beside the tranches, everything kept.
    expect(page.locator("#tranches-error")).to_have_text("各批拨付比例合计须恰好为 100（当前为 90）。")
    expect(page.locator("#milestone-1-title")).to_have_value("末期评估")
    expect(page.locator("#milestone-0-evidence")).to_have_value("活动照片、签到表")
    expect(page.locator("#tranche-2-percent")).to_have_value("20")
    expect(page.locator("#tranche-2-milestone")).to_have_value("final")
    fits_the_phone(page)
    page.locator("#tranche-2-percent").fill("30")
    expect(page.locator("#tranche-total")).to_have_text("各批比例合计 100（须为 100）。")
    page.locator("#draw-up").click()
    expect(page.locator("#contract-status")).to_be_visible()
    fits_the_phone(page)

    with live_app.app_context():
        contract = db.session.scalar(select(Contract).where(Contract.proposal_id == scene["proposal"]))
        assert [(m.title, m.due_on, m.deliverables, m.evidence_required) for m in contract.milestones] == plan
        ids = [m.id for m in contract.milestones]
        assert [(t.percent, t.milestone_id) for t in contract.tranches] == [(40, ids[0]), (30, ids[1]), (30, None)]
    page.context.close()
