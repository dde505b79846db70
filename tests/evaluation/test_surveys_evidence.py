"""Resident surveys (once per resident, anonymous) and the measured evidence against hand-computed values."""

import hashlib
import re
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from core.timeutil import local_today
from evaluation import evidence, project_report, surveys
from evaluation.project_models import SurveyResponse
from projects import contract_money, contract_reports
from projects.contract_report_input import FeeInput, ReportInput
from projects.contract_report_models import ReceiptStatus
from tests.evaluation.project_helpers import commissioned, score_all
from tests.factories import make_user

QUESTIONS = surveys.parse_outline("rating: 总体满意度\nrating: 服务态度\nchoice: 参加次数 | 1 次 / 2 次以上\n"
                                  "text: 意见建议")


def answers(*values, choice="1 次", text=""):
    return {"q0": str(values[0]), "q1": str(values[1]), "q2": choice, "q3": text}


@pytest.fixture
def surveyed(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        survey = surveys.create_survey(evaluation, "居民满意度调查", QUESTIONS, actor=ev)
    return officer, manager, contract, evaluation, ev, survey


def test_a_logged_in_resident_answers_once(app, surveyed):
    *_, survey = surveyed
    resident = make_user(Role.RESIDENT)
    surveys.answer(survey, answers(5, 4), user=resident)
    with pytest.raises(Conflict):
        surveys.answer(survey, answers(1, 1), user=resident)
    assert surveys.already_answered(survey, resident)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1
    with pytest.raises(ServiceError):  # not a resident, and no code
        surveys.answer(survey, answers(3, 3), user=make_user())


def test_a_one_time_code_answers_once(app, surveyed):
    officer, *_rest, survey = surveyed
    code_a, code_b = surveys.issue_codes(survey, 2, actor=officer)
    surveys.answer(survey, answers(4, 4), code=code_a.lower())  # codes are read case-insensitively
    with pytest.raises(Conflict):
        surveys.answer(survey, answers(4, 4), code=code_a)
    with pytest.raises(Conflict):
        surveys.answer(survey, answers(4, 4), code="NOTACODE")
    with pytest.raises(ServiceError):  # a rating out of range changes nothing, the code stays unused
        surveys.answer(survey, answers(6, 4), code=code_b)
    surveys.answer(survey, answers(2, 3, text="希望增加活动场次"), code=code_b)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 2
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.answered")))
    assert len(events) == 2 and all(e.actor_id is None for e in events)  # the trail names no respondent


def test_answers_carry_no_link_to_the_resident(app, surveyed):
    *_, survey = surveyed
    resident = make_user(Role.RESIDENT)
    response = surveys.answer(survey, answers(5, 5), user=resident)
    stored = {c.name for c in SurveyResponse.__table__.columns}
    assert stored == {"id", "survey_id", "respondent_key", "answers", "created_at"}
    assert resident.username not in str(response.answers)
    # a keyed hash: without the key nobody can test guesses of (survey, user) against it
    assert response.respondent_key != hashlib.sha256(f"{survey.id}:{resident.id}".encode()).hexdigest()
    assert len(response.respondent_key) == 64


def test_survey_rules_and_closing(app, surveyed):
    officer, manager, contract, evaluation, ev, survey = surveyed
    with pytest.raises(ServiceError):
        surveys.parse_outline("rating: 满意度\nbogus line")
    with pytest.raises(Conflict):
        surveys.create_survey(evaluation, "第二份", QUESTIONS, actor=officer)
    with app.test_request_context():
        score_all(evaluation, {ev.id: 70})
        project_report.issue_report(evaluation, "评估完成，问卷关闭。", [], actor=ev)
    with pytest.raises(Conflict):
        surveys.answer(survey, answers(5, 5), user=make_user(Role.RESIDENT))


@pytest.mark.parametrize("outline", ["rating: 满意度", "rating: a\nrating: b", "rating: a\ntext: b\ntext: c",
                                     "choice: a | 只有一个\ntext: b", "text: a\nchoice: b | x / y"])
def test_invalid_surveys_are_refused(app, outline):
    with app.test_request_context(), pytest.raises(ServiceError):
        surveys._check_questions(surveys.parse_outline(outline))


def test_evidence_figures_against_hand_computed_values(app, surveyed):
    officer, manager, contract, evaluation, ev, survey = surveyed
    personnel, _management, activities = contract.lines  # 6,000,000 / 600,000 / 5,400,000 fen
    assert (personnel.budget_fen, activities.budget_fen, contract.amount_fen) == (6_000_000, 5_400_000, 12_000_000)
    yes, no = make_user(), make_user()
    with app.test_request_context():
        contract_money.record_expense(contract, personnel, local_today(), "张明", 1_500_000, None, actor=manager)
        contract_money.record_expense(contract, activities, local_today(), "场地", 900_000, None, actor=manager)
        fees = [FeeInput("expert_fee", "", 50_000, local_today(), username=yes.username),
                FeeInput("expert_fee", "", 60_000, local_today(), username=no.username),
                FeeInput("volunteer_allowance", "王阿姨", 20_000, local_today(), phone="13700000001")]
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            "完成入户探访 300 人次，建立服务档案。", outputs={"探访": 300}, fees=fees), actor=manager)
        contract_reports.review_report(report, True, "", actor=officer)
        contract_reports.transition_receipt(report.fees[0], ReceiptStatus.CONFIRMED, actor=yes)
        contract_reports.transition_receipt(report.fees[1], ReceiptStatus.DENIED, actor=no, reason="未收到")
    for pair in ((5, 4), (3, 2), (4, 1)):
        surveys.answer(survey, answers(*pair), user=make_user(Role.RESIDENT))
    found = evidence.figures(evaluation, as_of=local_today() + timedelta(days=400))
    assert found["budget_execution"].value == Fraction(2_400_000, 12_000_000)  # 20%
    assert found["budget_execution"].text.startswith("20.00%")
    assert found["output_completion"].value == Fraction(300, 1200)  # 25%
    assert found["milestones_on_time"].value == Fraction(1, 2)  # the first reported on time, the second not yet
    assert found["fee_receipts"].value == Fraction(2, 3)  # one unconfirmed, one denied, of three
    assert found["satisfaction"].value == Fraction(3, 6)  # ratings of 4 or 5: 5, 4, 4 of six ratings
    assert re.match(r"50\.00%（答卷 3 份）", found["satisfaction"].text)
    assert evidence.figures(evaluation)["milestones_on_time"].value is None  # nothing due yet today
