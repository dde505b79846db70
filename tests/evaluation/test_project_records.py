"""Agencies, document requests, cancellation and added evaluators: their rules and audit events; list pages with
a constant number of queries."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from accounts.notifications import Notification
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from evaluation import affiliations, candidates, project_services, project_status, rectification, surveys
from evaluation.project_enums import EvaluationStatus
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import agency_with_evaluators, commissioned, project_template
from tests.orgs.helpers import Upload


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_document_request_and_answer(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    due = local_today() + timedelta(days=5)
    with app.test_request_context():
        with pytest.raises(Forbidden):
            rectification.request_documents(evaluation, "财务凭证", due, actor=manager)
        with pytest.raises(ServiceError):
            rectification.request_documents(evaluation, "财务凭证", local_today(), actor=ev)
        request = rectification.request_documents(evaluation, "请补充全部财务凭证", due, actor=ev)
        assert db.session.scalar(select(Notification.id).where(Notification.user_id == manager.id,
                                                               Notification.code == "evaluation.documents_requested"))
        with pytest.raises(Forbidden):
            rectification.answer_request(request, "x", [Upload()], actor=ev)
        with pytest.raises(ServiceError):
            rectification.answer_request(request, "没有附件", [], actor=manager)
        rectification.answer_request(request, "凭证见附件", [Upload(), Upload(filename="明细.pdf")], actor=manager)
        with pytest.raises(Conflict):
            rectification.answer_request(request, "再答一次", [Upload()], actor=manager)
    assert len(request.files) == 2 and request.answered_by_id == manager.id
    done = actions()
    assert done.count("evaluation.documents_requested") == 1 and done.count("evaluation.documents_provided") == 1


def test_cancel_needs_an_officer_and_a_reason_then_a_new_evaluation_may_be_commissioned(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with pytest.raises(Forbidden):
        project_status.transition_evaluation(evaluation, EvaluationStatus.CANCELLED, actor=ev, reason="x")
    with pytest.raises(ServiceError):
        project_status.transition_evaluation(evaluation, EvaluationStatus.CANCELLED, actor=officer)
    project_status.transition_evaluation(evaluation, EvaluationStatus.CANCELLED, actor=officer, reason="评估机构变更")
    assert actions()[-1] == "evaluation.cancelled"
    with app.test_request_context():
        again = project_services.commission(contract, "final", project_template(officer),
                                            local_today() + timedelta(days=30), actor=officer, evaluator_ids=[ev.id])
    assert again.status == EvaluationStatus.IN_PROGRESS
    with pytest.raises(Conflict):  # a cancelled evaluation stays cancelled
        project_services.declare(evaluation.assignments[0], False, "", actor=ev)


def test_an_evaluator_is_added_when_one_declares_a_conflict(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app, declare=False)
    replacement = expert(officer=officer)
    with app.test_request_context():
        project_services.declare(evaluation.assignments[0], True, "亲属在该机构任职", actor=ev)
        with pytest.raises(Forbidden):
            project_services.add_evaluator(evaluation, replacement, actor=ev)
        project_services.add_evaluator(evaluation, replacement, actor=officer)
        with pytest.raises(Conflict):
            project_services.add_evaluator(evaluation, replacement, actor=officer)
    assert [a.user_id for a in evaluation.assignments] == [ev.id, replacement.id]
    assert actions().count("evaluation.evaluator_added") == 1


def test_agency_registration_is_audited_and_only_for_officers(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    agency, staff = agency_with_evaluators(officer, n=1)
    assert affiliations.agency_evaluators(agency.id) == staff
    with pytest.raises(Forbidden):
        candidates.register_agency(agency, False, actor=ev)
    candidates.register_agency(agency, False, actor=officer)
    assert actions()[-1] == "evaluation.agency_registered"
    assert agency.id not in {a.org_id for a in candidates.eligible_agencies(contract)}  # inactive


def test_survey_creation_and_codes_are_audited(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with pytest.raises(Forbidden):
        surveys.create_survey(evaluation, "问卷", surveys.parse_outline(surveys.DEFAULT_OUTLINE), actor=manager)
    survey = surveys.create_survey(evaluation, "问卷", surveys.parse_outline(surveys.DEFAULT_OUTLINE), actor=officer)
    assert actions()[-1] == "survey.created"
    with pytest.raises(ServiceError):
        surveys.issue_codes(survey, 0, actor=officer)
    codes = surveys.issue_codes(survey, 3, actor=ev)
    assert len(set(codes)) == 3 and actions()[-1] == "survey.codes_issued"


def test_evaluation_list_uses_a_constant_number_of_queries(app, client, session, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    db.session.commit()
    login_as(officer)

    def count(path):
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine = db.engines[None]
        event.listen(engine, "before_cursor_execute", before)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return counter["n"]

    few = count("/evaluations/")
    for _ in range(3):
        project_status.transition_evaluation(evaluation, EvaluationStatus.CANCELLED, actor=officer, reason="重新委托")
        evaluation = project_services.commission(contract, "final", project_template(officer),
                                                 local_today() + timedelta(days=30), actor=officer,
                                                 evaluator_ids=[ev.id])
    db.session.commit()
    assert count("/evaluations/") == few


def test_workspace_queries_do_not_grow_with_the_records(app, client, session, login_as):
    from projects import contract_money, contract_reports
    from projects.contract_report_input import ActivityInput, FeeInput, ReportInput

    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    db.session.commit()
    login_as(ev)
    path = f"/evaluations/{evaluation.id}/workspace"
    client.get(path)  # creates the sheet

    def count():
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine = db.engines[None]
        event.listen(engine, "before_cursor_execute", before)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return counter["n"]

    def deliver(milestone, n):
        with app.test_request_context():
            if milestone.latest_report is not None:  # the last milestone's, which commissioned() submitted: returned
                contract_reports.review_report(milestone.latest_report, False, "请补充活动记录。", actor=officer)
            activities = [ActivityInput(local_today(), f"活动中心{i}", 20) for i in range(n)]
            fees = [FeeInput("volunteer_allowance", f"志愿者{i}", 5_000, local_today(),
                             phone=f"1370000000{i}") for i in range(n)]
            report = contract_reports.submit_report(milestone, ReportInput(
                "阶段服务完成情况说明。", outputs={"探访": 100}, activities=activities, fees=fees), actor=manager)
            contract_reports.review_report(report, True, "", actor=officer)
            for line in contract.lines:
                for _ in range(n):
                    contract_money.record_expense(contract, line, local_today(), "供应商", 1_000, None, actor=manager)
        db.session.commit()

    deliver(contract.milestones[0], 1)
    few = count()
    deliver(contract.milestones[1], 5)
    assert count() == few
