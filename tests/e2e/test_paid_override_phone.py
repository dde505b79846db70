"""An officer on a phone (375x740, in Chinese) has no other qualified evaluator than experts the organisation paid
under the contract: they commission the evaluation by ticking the override box for one of them and writing the
reason, and the evaluation's page shows the officer that reason beside the evaluator. Then they add the other paid
expert to the evaluation under way with the same override: refused beside the field without a reason (the choice
kept), added with one, the reason shown alike. Each page fits the phone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from core.db import db
from core.timeutil import local_today
from evaluation import panels, project_status
from evaluation.models import ExpertProfile
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from projects import contracts
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in
from tests.evaluation.project_helpers import project_template
from tests.evaluation.test_paid_evaluators import expert_fee, pay
from tests.factories import PASSWORD, make_user
from tests.projects.contract_helpers import awarded_decision, plan

REASON = "本领域仅此两位具备养老服务评估资质的专家，经处务会讨论同意"
LATER_REASON = "原评估人员退出后无其他合格专家，经分管领导同意"


def seed(app) -> dict:
    """A contract in force of a fresh organisation, and two pool experts of our own whom it paid under the
    contract (in an accepted progress report)."""
    with app.app_context(), app.test_request_context():
        officer, decision, manager = awarded_decision(app, serial=7_703_101)
        contract = contracts.draft_contract(decision, local_today() - timedelta(days=1),
                                            local_today() + timedelta(days=365), plan(), [40, 30, 30], "",
                                            actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        paid = []
        for name, expertise in (("周慧敏", "养老服务评估"), ("吴建国", "社区照护")):
            user = make_user(Role.EVALUATOR, display_name=name)
            panels.save_expert(user, "social_service", expertise, [], True, actor=officer)
            paid.append(user)
        pay(app, contract, manager, officer, *(expert_fee(u) for u in paid))
        project_template(officer)  # a template to commission by
        db.session.commit()
        return {"contract": contract.id, "officer": officer.username, "officer_id": officer.id,
                "ids": [u.id for u in paid], "names": [u.display_name for u in paid]}


@pytest.fixture
def scene(live_app):
    """seed(), and afterwards (passed or not) its experts leave the pool and what it commissioned is cancelled: the
    browser tests share one database, and the review journey draws its panel from the demo's pool as it is."""
    made = seed(live_app)
    yield made
    with live_app.app_context(), live_app.test_request_context():
        officer = db.session.get(User, made["officer_id"])
        for profile in db.session.scalars(select(ExpertProfile).where(ExpertProfile.user_id.in_(made["ids"]))):
            panels.save_expert(db.session.get(User, profile.user_id), profile.seat_type, profile.expertise, [],
                               False, actor=officer)
        for evaluation in db.session.scalars(select(ProjectEvaluation).where(
                ProjectEvaluation.contract_id == made["contract"],
                ProjectEvaluation.status.in_(["in_progress", "rectification"]))):
            project_status.transition_evaluation(evaluation, "cancelled", actor=officer, reason="测试结束")
        db.session.commit()


def test_an_officer_overrides_the_paid_exclusion_with_a_reason_on_a_phone(live_server, live_app, browser, scene):
    (first, second), (first_id, second_id) = scene["names"], scene["ids"]
    context = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE)
    page = context.new_page()
    log_in(page, live_server, scene["officer"], PASSWORD)
    page.goto(f"{live_server}/evaluations/contracts/{scene['contract']}/new?kind=midterm")
    expect(page.locator(f"#withheld-{first_id}")).to_contain_text("¥1,500.00")  # listed as paid, not offered
    expect(page.locator("#evaluators")).not_to_contain_text(first)
    fits_the_phone(page)

    page.locator("#template_id").select_option(label="项目评估标准")
    page.locator("#due_on").fill((local_today() + timedelta(days=25)).isoformat())
    page.get_by_role("checkbox", name=f"仍选用{first}（尽管其曾受款）").check()
    page.get_by_label(f"仍选用{first}的理由").fill(REASON)
    page.locator("#commission").click()
    expect(page.locator("#evaluation-status")).to_be_visible()
    shown = page.locator(f"#paid-override-{first_id}")
    expect(shown).to_contain_text("破例")
    expect(shown).to_contain_text("尽管曾在本合同下受承接组织付款，仍被选用")
    expect(shown).to_contain_text(REASON)
    fits_the_phone(page)

    # the other paid expert, added to the evaluation under way with the same override
    page.locator("#add-paid-evaluator summary").click()
    page.get_by_label("曾受承接组织付款的评估人员").select_option(label=second)
    page.locator("#add-paid").click()  # no reason
    expect(page.locator("#paid-reason-error")).to_have_text("请说明在其受款情况下仍选用的理由。")
    expect(page.get_by_label("曾受承接组织付款的评估人员")).to_have_value(str(second_id))  # the choice kept
    fits_the_phone(page)
    page.get_by_label("仍选用的理由").fill(LATER_REASON)
    page.locator("#add-paid").click()
    expect(page.locator(f"#paid-override-{second_id}")).to_contain_text(LATER_REASON)
    expect(page.locator(f"#paid-override-{first_id}")).to_contain_text(REASON)
    expect(page.locator("#add-paid-evaluator")).to_have_count(0)  # nobody else paid to add
    evaluation_id = int(page.url.split("?")[0].rstrip("/").rsplit("/", 1)[1])
    context.close()
    with live_app.app_context():
        reasons = dict(db.session.execute(
            select(EvaluationAssignment.user_id, EvaluationAssignment.paid_override_reason)
            .where(EvaluationAssignment.evaluation_id == evaluation_id)).all())
    assert reasons == {first_id: REASON, second_id: LATER_REASON}
