"""Project evaluation (issue 7): grades, the final tranche, rectification, exclusions, the state machines."""

import json
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from audit.documents import IssuedDocument
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from evaluation import (
    candidates,
    expert_conflicts,
    panels,
    project_report,
    project_services,
    project_sheets,
    project_status,
    rectification,
    score_sheets,
)
from evaluation.enums import SeatType, SheetStatus
from evaluation.project_enums import (
    EVALUATION_TRANSITIONS,
    TASK_TRANSITIONS,
    EvaluationStatus,
    Grade,
    TaskStatus,
    grade_for,
)
from orgs.services import standing
from projects import contract_money, contract_reports
from projects.final_tranche import final_tranche
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import (
    agency_with_evaluators,
    commissioned,
    final_report,
    half_points_for_total,
    project_template,
    score_all,
)
from tests.orgs.helpers import Upload


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize("score, grade", [
    (Fraction(119, 2), Grade.FAIL), (Fraction(60), Grade.PASS), (Fraction(159, 2), Grade.PASS),
    (Fraction(80), Grade.GOOD), (Fraction(179, 2), Grade.GOOD), (Fraction(90), Grade.EXCELLENT),
    (Fraction(100), Grade.EXCELLENT), (Fraction(0), Grade.FAIL)])
def test_grade_boundaries_are_exact(score, grade):
    assert grade_for(score) is grade


@pytest.mark.parametrize("total_half, grade, final", [(119, Grade.FAIL, "59.50"), (120, Grade.PASS, "60.00"),
                                                     (179, Grade.GOOD, "89.50"), (180, Grade.EXCELLENT, "90.00")])
def test_issued_report_carries_the_grade_of_the_exact_score(app, session, total_half, grade, final):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, total_half)})
        project_report.issue_report(evaluation, "评估结论：依据核查情况评定。", [], actor=ev)
    assert (evaluation.final_score, evaluation.grade) == (final, grade.value)
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == evaluation.report_code))
    assert document.doc_type == "evaluation_report" and document.content.startswith(b"%PDF")
    assert events("evaluation.report_issued")[-1].target_id == str(evaluation.id)


def test_final_tranche_blocked_before_a_passing_final_evaluation_and_released_after(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    last = final_tranche(contract)
    assert last.milestone_id is None and last.status == "pending"
    with pytest.raises(Conflict):
        contract_money.pay_tranche(last, "转账003", local_today(), actor=officer)
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 150)})  # 75: 合格
        project_report.issue_report(evaluation, "项目基本完成合同约定。", [], actor=ev)
    assert evaluation.status == EvaluationStatus.COMPLETED
    db.session.refresh(last)
    assert last.status == "pending"  # the last milestone's report (submitted by commissioned()) is not accepted yet
    with app.test_request_context():
        contract_reports.review_report(contract.milestones[-1].latest_report, True, "", actor=officer)
    db.session.refresh(last)
    assert last.status == "payable"
    released = events("contract.final_tranche_released")
    assert len(released) == 1 and released[0].target_id == str(contract.id)
    contract_money.pay_tranche(last, "转账003", local_today(), actor=officer)


def test_a_failed_final_evaluation_releases_the_tranche_only_once_rectification_is_verified(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        contract_reports.review_report(contract.milestones[-1].latest_report, True, "", actor=officer)
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 119)})
        project_report.issue_report(evaluation, "多项产出未完成，评为不合格。", [], actor=ev)
        assert evaluation.status == EvaluationStatus.RECTIFICATION
        (task,) = evaluation.tasks
        assert task.indicator_id is None and task.due_on == local_today() + timedelta(days=30)
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已补齐全部活动档案并整改。",
                                      evidence=Upload())
        assert final_tranche(contract).status == "pending"  # 不合格, rectification not verified yet
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="核实")
    assert evaluation.status == EvaluationStatus.COMPLETED
    assert final_tranche(contract).status == "payable"  # 整改验收合格: the final payment follows
    (released,) = events("contract.final_tranche_released")
    assert json.loads(released.data)["evaluation_id"] == evaluation.id


def test_flagged_criterion_keeps_the_tranche_until_rectification_is_verified(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    criterion = evaluation.template.criteria[0]
    with app.test_request_context():
        contract_reports.review_report(contract.milestones[-1].latest_report, True, "", actor=officer)
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 160)})  # 80: 良好
        due = local_today() + timedelta(days=20)
        project_report.issue_report(evaluation, "良好，但制度执行需加强。",
                                    [project_report.Flag(criterion.id, "完善管理制度并提交执行记录", due)], actor=ev)
        (task,) = evaluation.tasks
        assert evaluation.status == EvaluationStatus.RECTIFICATION and task.indicator_id == criterion.id
        assert final_tranche(contract).status == "pending"
        with pytest.raises(Forbidden):
            rectification.transition_task(task, TaskStatus.RESPONDED, actor=ev, text="evaluator cannot answer")
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已修订制度并附执行记录。",
                                      evidence=Upload())
        with pytest.raises(ServiceError):
            rectification.transition_task(task, TaskStatus.OPEN, actor=ev, text="")  # reopening needs a reason
        rectification.transition_task(task, TaskStatus.OPEN, actor=ev, text="缺少执行记录")
        assert final_tranche(contract).status == "pending"
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="补充了三个月的执行记录。",
                                      evidence=Upload())
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="")
    assert evaluation.status == EvaluationStatus.COMPLETED
    assert final_tranche(contract).status == "payable"
    assert [e.action for e in events("rectification.responded")] == ["rectification.responded"] * 2
    assert len(events("rectification.open")) == 1 and len(events("rectification.verified")) == 1
    assert standing(contract.org).last_evaluation.grade == "good"


def test_midterm_evaluation_does_not_release_the_final_tranche(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app, kind="midterm")
    with app.test_request_context():
        score_all(evaluation, {ev.id: 95})
        project_report.issue_report(evaluation, "中期执行优秀，继续保持。", [], actor=ev)
    assert evaluation.grade == "excellent" and final_tranche(contract).status == "pending"


def test_several_evaluators_aggregate_by_the_engine(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=3)
    with app.test_request_context():
        totals = [150, 161, 170]  # 75, 80.5, 85 → mean 80.1666…
        score_all(evaluation, {u.id: half_points_for_total(evaluation, t) for u, t in zip(evaluators, totals,
                                                                                          strict=True)})
        with pytest.raises(Forbidden):
            project_report.issue_report(evaluation, "未参与评估的人不能签发。", [], actor=officer)
        project_report.issue_report(evaluation, "三位评估人员平均得分。", [], actor=evaluators[0])
    assert evaluation.final_score == "80.17" and evaluation.grade == "good"


def test_report_waits_for_every_cleared_evaluator(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=2)
    with app.test_request_context():
        score_all(evaluation, {evaluators[0].id: 70, evaluators[1].id: 70}, submit=False)
        first = project_sheets.sheet_for(evaluation.assignments[0])
        score_sheets.transition_sheet(first, SheetStatus.SUBMITTED, actor=evaluators[0])
        with pytest.raises(Conflict):
            project_report.issue_report(evaluation, "尚有评估人员未提交。", [], actor=evaluators[0])
        # the engine's rules hold: locked after submit, reopened only by an officer with a reason
        with pytest.raises(Conflict):
            score_sheets.save_scores(first, {evaluation.template.criteria[0].id: (2, "x")}, actor=evaluators[0])
        with pytest.raises(Forbidden):
            score_sheets.transition_sheet(first, SheetStatus.DRAFT, actor=evaluators[0], reason="想改")
        score_sheets.transition_sheet(first, SheetStatus.DRAFT, actor=officer, reason="请复核财务指标")
    reopened = events("sheet.reopened")[-1]
    assert f'"evaluation_id":{evaluation.id}' in reopened.data.replace(" ", "")


def test_comment_rule_and_half_points_apply_to_project_sheets(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    criterion = evaluation.template.criteria[0]  # max 7
    sheet = project_sheets.sheet_for(evaluation.assignments[0])
    with app.test_request_context():
        with pytest.raises(ServiceError):  # 2 of 7 is below 40%: a comment is required (on submitting)
            score_sheets.save_scores(sheet, {criterion.id: (4, "")}, actor=ev, submitting=True)
        with pytest.raises(ServiceError):
            score_sheets.save_scores(sheet, {criterion.id: (15, "over the maximum")}, actor=ev)
        score_sheets.save_scores(sheet, {criterion.id: (11, "")}, actor=ev)  # 5.5 points
    assert sheet.scores[0].half_points == 11


def test_affiliated_evaluators_and_agencies_cannot_be_chosen(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    template = project_template(officer)
    due = local_today() + timedelta(days=30)
    affiliated = expert(SeatType.FINANCE, affiliations=[contract.org], officer=officer)
    assert affiliated.id not in {p.user_id for p in candidates.eligible_experts(contract)}
    declared = expert(SeatType.FINANCE, officer=officer)  # a standing conflict declared with the organisation
    expert_conflicts.declare(declared, contract.org, "曾任该机构理事", actor=declared)
    assert declared.id not in {p.user_id for p in candidates.eligible_experts(contract)}
    with app.test_request_context():
        with pytest.raises(Conflict):
            project_services.commission(contract, "midterm", template, due, actor=officer,
                                        evaluator_ids=[affiliated.id])
        agency, staff = agency_with_evaluators(officer)
        assert agency.id in {a.org_id for a in candidates.eligible_agencies(contract)}
        # one of the agency's evaluators is also affiliated with the organisation: the whole agency is excluded
        panels.save_expert(staff[0], "finance", "审计", [contract.org.id], True, actor=officer)
        assert agency.id not in {a.org_id for a in candidates.eligible_agencies(contract)}
        with pytest.raises(Conflict):
            project_services.commission(contract, "midterm", template, due, actor=officer, agency=agency)
        # the organisation itself, registered as an agency, is affiliated with itself
        candidates.register_agency(contract.org, True, actor=officer)
        with pytest.raises(Conflict):
            project_services.commission(contract, "midterm", template, due, actor=officer, agency=contract.org)
        with pytest.raises(Conflict):  # one final evaluation at a time
            project_services.commission(contract, "final", template, due, actor=officer, evaluator_ids=[ev.id])


def test_agency_evaluation_assigns_its_evaluators(app, session):
    officer, manager, contract, evaluation, _ev = commissioned(app, kind="midterm")
    agency, staff = agency_with_evaluators(officer, n=2)
    with app.test_request_context():
        final_report(contract, manager)  # a final evaluation follows the last milestone's report
        chosen = project_services.commission(contract, "final", project_template(officer),
                                             local_today() + timedelta(days=30), actor=officer, agency=agency)
    assert {a.user_id for a in chosen.assignments} == {u.id for u in staff} and chosen.agency_org_id == agency.id
    assert events("evaluation.commissioned")[-1].target_id == str(chosen.id)


def test_a_conflicted_evaluator_sees_and_scores_nothing(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=2, declare=False)
    conflicted, clear = evaluation.assignments
    with app.test_request_context():
        with pytest.raises(Forbidden):
            project_services.declare(conflicted, False, "", actor=clear.user)
        with pytest.raises(ServiceError):
            project_services.declare(conflicted, True, "", actor=conflicted.user)  # relationship required
        project_services.declare(conflicted, True, "曾任该机构理事", actor=conflicted.user)
        project_services.declare(clear, False, "", actor=clear.user)
        with pytest.raises(Conflict):
            project_services.declare(clear, True, "改主意", actor=clear.user)
        sheet = project_sheets.sheet_for(conflicted)
        with pytest.raises(Forbidden):
            score_sheets.save_scores(sheet, {evaluation.template.criteria[0].id: (10, "")}, actor=conflicted.user)
        score_all(evaluation, {clear.user_id: 70})
        assert project_sheets.missing_work(evaluation) == []
        project_report.issue_report(evaluation, "仅由无利益冲突的评估人员评分。", [], actor=clear.user)
        assert len(project_sheets.result(evaluation).totals) == 1
    assert [e.action for e in events("evaluation.conflict_declared")] == ["evaluation.conflict_declared"]


@pytest.mark.parametrize("start", list(EvaluationStatus))
def test_evaluation_transition_table(app, session, start):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    evaluation.status = start.value  # arranging the starting state directly, as a fixture
    for target in EvaluationStatus:
        allowed = target in EVALUATION_TRANSITIONS[start]
        nested = db.session.begin_nested()
        try:
            project_status.transition_evaluation(evaluation, target, actor=officer, reason="测试")
            moved = True
        except (Conflict, Forbidden, ServiceError):
            moved = False
        nested.rollback()
        db.session.refresh(evaluation)
        evaluation.status = start.value
        if not allowed:
            assert not moved, (start, target)
        elif target is EvaluationStatus.CANCELLED:
            assert moved  # an officer with a reason
        else:
            assert not moved  # needs an issued report first


@pytest.mark.parametrize("start", list(TaskStatus))
def test_task_transition_table(app, session, start):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {ev.id: 50})
        project_report.issue_report(evaluation, "不合格，需要整改。", [], actor=ev)
        (task,) = evaluation.tasks
        for target in TaskStatus:
            nested = db.session.begin_nested()
            task.status = start.value
            actor = manager if target is TaskStatus.RESPONDED else ev
            try:
                rectification.transition_task(task, target, actor=actor, text="整改说明与核实意见",
                                              evidence=Upload())
                moved = True
            except (Conflict, Forbidden, ServiceError):
                moved = False
            nested.rollback()
            assert moved == (target in TASK_TRANSITIONS[start]), (start, target)
