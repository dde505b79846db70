"""Evaluation history in the organisation's standing, and the call rule 'last evaluation at least 合格'."""

from datetime import timedelta

from core.timeutil import local_today
from evaluation import project_report
from orgs.services import standing
from projects import calls, eligibility
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all
from tests.projects.helpers import call_data


def _rule(call, org):
    return next(r for r in eligibility.check(call, org, local_today()) if r.code == "evaluation")


def test_standing_lists_issued_evaluations_and_the_call_rule_follows_the_last_grade(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    org = contract.org
    call = calls.create_call(call_data(require_passing_evaluation=True), actor=officer)
    assert call.require_passing_evaluation
    assert standing(org).evaluations == () and _rule(call, org).passed  # nothing on record: not excluded
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 119)})  # 59.5: 不合格
        project_report.issue_report(evaluation, "不合格，须整改。", [], actor=ev)
    facts = standing(org)
    assert [(e.grade, e.score, e.contract_id) for e in facts.evaluations] == [("fail", "59.50", contract.id)]
    assert not _rule(call, org).passed
    assert standing(org, on=local_today() - timedelta(days=1)).evaluations == ()  # as of a day: not yet issued
    plain = calls.create_call(call_data(), actor=officer)
    assert all(r.code != "evaluation" for r in eligibility.check(plain, org, local_today()))
