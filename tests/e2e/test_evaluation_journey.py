"""An officer commissions a final evaluation; residents answer the survey (with a one-time code and logged in);
the evaluator declares, scores and issues a 合格 report; the contract's last tranche becomes payable."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from core.timeutil import local_today
from evaluation.project_models import ProjectEvaluation
from projects.final_tranche import final_tranche
from tests.e2e.test_org_registration import log_in


def _answer(page, code: str | None = None):
    if code:
        page.locator("#code").fill(code)
    for i in range(3):
        page.locator(f"#q{i}_4").check()
    page.locator("#q3_2").check()
    page.locator("textarea[name=q4]").fill("服务人员很耐心")
    page.locator("#send-answers").click()


def test_commission_survey_score_issue_and_release(live_server, live_app, browser):
    with live_app.app_context():  # the demo's project with only a mid-term evaluation under way
        midterm = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.kind == "midterm",
                                                                    ProjectEvaluation.status == "in_progress"))
        contract_id = midterm.contract_id
        assert final_tranche(midterm.contract).status == "pending"

    officer = browser.new_context(locale="zh-CN").new_page()
    log_in(officer, live_server, "officer")
    officer.goto(f"{live_server}/evaluations/contracts/{contract_id}/new")
    officer.locator("#kind").select_option("final")
    officer.locator("#template_id").select_option(label="项目评估通用标准")
    officer.get_by_role("checkbox", name="吴霞（社区工作者代表）").check()  # expert5, not affiliated
    officer.locator("#due_on").fill((local_today() + timedelta(days=20)).isoformat())
    officer.locator("#commission").click()
    expect(officer.locator("#evaluation-status")).to_be_visible()
    evaluation_id = int(re.search(r"/evaluations/(\d+)", officer.url).group(1))

    officer.goto(f"{live_server}/evaluations/{evaluation_id}/survey")
    officer.locator("#create-survey").click()
    expect(officer.locator("#survey-link")).to_be_visible()  # created (the form's page has no link)
    survey_url = officer.locator("#survey-link").get_attribute("href")
    officer.locator("#count").fill("2")
    officer.locator("#issue-codes").click()
    expect(officer.locator(".survey-code")).to_have_count(2)  # (all_inner_texts() does not wait for the answer)
    codes = [c.replace("-", "") for c in officer.locator(".survey-code").all_inner_texts()]
    assert len(codes) == 2

    anonymous = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    anonymous.goto(live_server + survey_url)
    _answer(anonymous, codes[0])
    expect(anonymous.locator(".alert-success")).to_be_visible()
    _answer(anonymous, codes[0])  # the same card twice
    expect(anonymous.locator(".alert-danger")).to_be_visible()

    resident = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    log_in(resident, live_server, "resident1")
    resident.goto(live_server + survey_url)
    _answer(resident)
    expect(resident.locator("#answer-form")).to_have_count(0)  # answered: a page.goto() at once could abort it
    resident.goto(live_server + survey_url)
    expect(resident.locator("#already-answered")).to_be_visible()

    evaluator = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    log_in(evaluator, live_server, "expert5")
    evaluator.goto(f"{live_server}/evaluations/{evaluation_id}")
    evaluator.locator("select[name=conflict]").select_option("no")  # no answer is preselected
    evaluator.locator("#declare").click()
    evaluator.locator("#open-workspace").click()
    expect(evaluator.locator("#evidence-satisfaction")).to_contain_text("100.00%")  # both answers rated 4
    expect(evaluator.locator("#submit-sheet")).to_be_visible()  # (.all() does not wait for the fields)
    for field in evaluator.locator("input[inputmode=decimal][id^=c]").all():
        maximum = int(re.search(r"0–(\d+)", field.evaluate("e => e.labels[0].textContent")).group(1))
        field.fill(str(maximum * 3 // 4))  # 75% of every criterion, in whole points
    asked = []
    evaluator.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    evaluator.locator("#submit-sheet").click()  # submitting locks the sheet: asked first
    expect(evaluator.locator("#issue-form")).to_be_visible()
    assert asked and asked[0].startswith("确定提交并锁定这份评分表吗？")
    evaluator.locator("#summary").fill("项目完成合同约定的主要产出，居民满意度高，评定为合格。")
    evaluator.locator("#issue-report").click()
    expect(evaluator.locator("#grade")).to_contain_text("合格")
    evaluator.locator("#report-link").click()
    expect(evaluator.locator("body")).to_contain_text("评估报告")

    with live_app.app_context():
        evaluation = db.session.get(ProjectEvaluation, evaluation_id)
        assert evaluation.grade == "pass" and evaluation.status == "completed"
        assert final_tranche(evaluation.contract).status == "payable"

    officer.goto(f"{live_server}/projects/{contract_id}")
    expect(officer.locator(".evaluation-summary").first).to_contain_text("评定为合格")
