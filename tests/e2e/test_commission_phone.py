"""An officer on a phone (375x740) commissions a project evaluation by ticking evaluators' boxes, in Chinese: each box
says who the evaluator is (name, seat, expertise), an evaluator who declared a conflict of interest on the project's
cancelled evaluation is not offered but listed apart with what they declared, a commission with nobody ticked is
refused beside the evaluators with what was filled in kept, and the page fits the phone, its targets a finger's, with
no serious accessibility fault."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from core.db import db
from core.timeutil import local_today
from evaluation import panels, project_services, project_status
from evaluation.models import ExpertProfile
from evaluation.project_models import ProjectEvaluation
from projects.contract_models import Contract, ContractStatus
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in
from tests.evaluation.project_helpers import project_template
from tests.factories import make_user

RELATIONSHIP = "其配偶在该机构任职"


def seed(app) -> dict:
    """A demo project in force of an organisation with no evaluation under way (none another journey uses), and
    three pool experts of our own: the first declared a conflict on the project's mid-term evaluation, which was
    then cancelled."""
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        busy = set(db.session.scalars(select(Contract.org_id).join(ProjectEvaluation).where(
            ProjectEvaluation.status.in_(["in_progress", "rectification"]))))
        contract = next(c for c in db.session.scalars(select(Contract).where(Contract.status.in_(
            [ContractStatus.ACTIVE.value, ContractStatus.CLOSED.value])).order_by(Contract.id))
            if c.org_id not in busy)
        people = []
        for name, seat, expertise in (("赵立群", "social_service", "养老服务"), ("钱文静", "finance", "预算绩效评价"),
                                      ("孙海燕", "service_user", "社区居民代表")):
            user = make_user(Role.EVALUATOR, display_name=name)
            panels.save_expert(user, seat, expertise, [], True, actor=officer)
            people.append(user)
        earlier = project_services.commission(contract, "midterm", project_template(officer),
                                              local_today() + timedelta(days=30), actor=officer,
                                              evaluator_ids=[people[0].id])
        project_services.declare(earlier.assignments[0], True, RELATIONSHIP, actor=people[0])
        project_status.transition_evaluation(earlier, "cancelled", actor=officer, reason="评估人员声明回避")
        db.session.commit()
        return {"contract": contract.id, "ids": [u.id for u in people], "names": [u.display_name for u in people]}


@pytest.fixture
def scene(live_app):
    """seed(), and afterwards (passed or not) its experts leave the pool and what it commissioned is cancelled: the
    browser tests share one database, and the review journey draws its panel from the demo's pool as it is."""
    made = seed(live_app)
    yield made
    with live_app.app_context(), live_app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        for profile in db.session.scalars(select(ExpertProfile).where(ExpertProfile.user_id.in_(made["ids"]))):
            panels.save_expert(db.session.get(User, profile.user_id), profile.seat_type, profile.expertise, [],
                               False, actor=officer)
        for evaluation in db.session.scalars(select(ProjectEvaluation).where(
                ProjectEvaluation.contract_id == made["contract"],
                ProjectEvaluation.status.in_(["in_progress", "rectification"]))):
            project_status.transition_evaluation(evaluation, "cancelled", actor=officer, reason="测试结束")
        db.session.commit()


def test_an_officer_commissions_by_ticking_boxes_on_a_phone(live_server, live_app, browser, scene):
    (conflicted, first, second), ids = scene["names"], scene["ids"]
    context = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE)
    page = context.new_page()
    log_in(page, live_server, "officer", "gongzhi-demo")
    page.goto(f"{live_server}/evaluations/contracts/{scene['contract']}/new?kind=final")
    expect(page.locator(f"#conflicted-{ids[0]}")).to_contain_text(RELATIONSHIP)
    expect(page.locator(f"#conflicted-{ids[0]}")).to_contain_text(conflicted)
    expect(page.locator("#evaluators")).not_to_contain_text(conflicted)  # not offered
    expect(page.locator(f"#evaluator-{ids[1]}")).to_contain_text("财务审计专家")  # the seat, beside the name
    expect(page.locator(f"#evaluator-{ids[1]}")).to_contain_text("预算绩效评价")  # and the expertise
    fits_the_phone(page)

    due = (local_today() + timedelta(days=25)).isoformat()
    page.locator("#template_id").select_option(label="项目评估标准")
    page.locator("#aggregation").select_option("median")
    page.locator("#due_on").fill(due)
    page.locator("#commission").click()  # nobody ticked
    expect(page.locator("#evaluator_ids-error")).to_have_text("请选择评估机构或至少一名评估人员。")
    expect(page.locator("#form-errors")).to_contain_text("评估人员")
    expect(page.locator("#kind")).to_have_value("final")  # what was filled in is kept
    expect(page.locator("#aggregation")).to_have_value("median")
    expect(page.locator("#due_on")).to_have_value(due)
    fits_the_phone(page)

    page.get_by_role("checkbox", name=first).check()  # the label names the box: tapping the name ticks it
    page.locator(f"#evaluator-{ids[2]} label").click()
    expect(page.get_by_role("checkbox", name=second)).to_be_checked()
    page.locator("#commission").click()
    expect(page.locator("#evaluation-status")).to_be_visible()
    expect(page.locator("#assignments")).to_contain_text(first)
    expect(page.locator("#assignments")).to_contain_text(second)
    expect(page.locator("#assignments")).not_to_contain_text(conflicted)
    evaluation_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    context.close()
    with live_app.app_context():
        made = db.session.get(ProjectEvaluation, evaluation_id)
        assert made.aggregation == "median" and [a.user_id for a in made.assignments] == ids[1:]
