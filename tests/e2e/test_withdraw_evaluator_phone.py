"""An officer on a phone (375x740) withdraws an evaluator from a project evaluation and adds another, in Chinese,
then looks at the page in English: withdrawing asks first (naming the evaluator), a withdrawal without a reason is
refused beside the reason field (the field focused, what the officer sees the next thing to fix), and the page fits
the phone, its targets a finger's, with no serious accessibility fault."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.timeutil import local_today
from evaluation import candidates, project_services
from evaluation.models import IndicatorTemplate
from projects.contract_models import Contract, ContractStatus
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in


def seed(app) -> dict:
    """A new evaluation in progress, of two pool experts, on a demo contract with none of its kind under way; a
    third eligible expert is left to add."""
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        template = db.session.scalar(select(IndicatorTemplate).where(IndicatorTemplate.name == "项目评估通用标准",
                                                                     IndicatorTemplate.frozen.is_(False)))
        for contract in db.session.scalars(select(Contract).where(Contract.status.in_(
                [ContractStatus.ACTIVE.value, ContractStatus.CLOSED.value])).order_by(Contract.id)):
            kind = next((k for k in ("midterm", "final") if not project_services.under_way(contract.id, k)), None)
            experts = [p.user for p in candidates.eligible_experts(contract)]
            if kind and len(experts) >= 3:
                break
        evaluation = project_services.commission(contract, kind, template, local_today() + timedelta(days=30),
                                                 actor=officer, evaluator_ids=[experts[0].id, experts[1].id])
        db.session.commit()
        first, second = evaluation.assignments
        return {"id": evaluation.id, "first": first.id, "first_name": first.user.display_name,
                "second": second.id, "spare_name": experts[2].display_name}


def test_an_officer_withdraws_and_replaces_an_evaluator_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    url, first = f"{live_server}/evaluations/{scene['id']}", scene["first"]
    context = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE)
    page = context.new_page()
    log_in(page, live_server, "officer", "gongzhi-demo")
    page.goto(url)
    fits_the_phone(page)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    row = page.locator(f"#assignment-{first}")
    row.get_by_text("撤出该评估人员").click()  # opens the withdrawal
    row.get_by_role("button", name="确认撤出").click()  # with no reason
    expect(page.locator(f"#withdraw-reason-{first}-error")).to_have_text("请填写原因。")
    expect(page.locator(f"#withdraw-reason-{first}")).to_be_focused()
    assert asked and scene["first_name"] in asked[0]  # it asked first, naming the evaluator
    fits_the_phone(page)

    page.locator(f"#withdraw-reason-{first}").fill("评估人员长期病假")
    page.locator(f"#assignment-{first}").get_by_role("button", name="确认撤出").click()
    expect(page.locator(".alert-success")).to_contain_text("撤出本次评估，并已通知本人")
    expect(page.locator(f"#assignment-{first}")).to_contain_text("评估人员长期病假")
    page.locator("#user_id").select_option(label=scene["spare_name"])
    page.get_by_role("button", name="增加", exact=True).click()
    expect(page.locator("#assignments")).to_contain_text(scene["spare_name"])
    fits_the_phone(page)
    context.close()

    context = browser.new_context(locale="en", viewport=PHONE_SIZE)
    page = context.new_page()
    log_in(page, live_server, "officer", "gongzhi-demo")
    page.goto(url)
    expect(page.locator(f"#assignment-{first}")).to_contain_text("Withdrawn from the evaluation")
    page.locator(f"#assignment-{scene['second']}").get_by_text("Withdraw the evaluator").click()
    page.locator("#cancel-evaluation summary").click()
    fits_the_phone(page)  # with both panels open
    context.close()
