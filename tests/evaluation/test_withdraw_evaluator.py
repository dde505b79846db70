"""An officer withdraws one evaluator from a project evaluation in progress, with a reason: the evaluator's sheet is
kept but no longer counts, they lose access and are told, the withdrawal is audited, and another may be added."""

import json
import re
import threading

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.notifications import Notification
from app import create_app
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from evaluation import project_report, project_services, project_sheets, project_status, score_sheets
from evaluation.enums import SeatType, SheetStatus
from evaluation.models import Score, ScoreSheet
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from projects import contract_reports
from projects.contract_report_input import FeeInput, ReportInput
from tests.conftest import app_config
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all
from tests.factories import login, logout, make_user

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
REASON = "评估期间收取了机构的专家费"


def stored() -> tuple:
    """Everything a withdrawal touches: withdrawn rows, audit events, notifications, sheets and scores."""
    return (db.session.scalar(select(func.count(EvaluationAssignment.id))
                              .where(EvaluationAssignment.withdrawn_at.is_not(None))),
            db.session.scalar(select(func.count(AuditEvent.seq))),
            db.session.scalar(select(func.count(Notification.id))),
            db.session.scalar(select(func.count(ScoreSheet.id))),
            db.session.scalar(select(func.count(Score.id))))


def assignment_of(evaluation, user) -> EvaluationAssignment:
    return next(a for a in evaluation.all_assignments if a.user_id == user.id)


def withdraw(app, evaluation, user, actor, reason=REASON):
    with app.test_request_context():
        return project_services.withdraw_evaluator(assignment_of(evaluation, user), reason, actor=actor)


def test_a_withdrawn_low_score_no_longer_counts_and_is_kept_audited_and_told(app, session):
    officer, manager, contract, evaluation, (high, mid, low) = commissioned(app, n=3)
    with app.test_request_context():
        score_all(evaluation, {high.id: half_points_for_total(evaluation, 180),  # 90
                               mid.id: half_points_for_total(evaluation, 160),  # 80
                               low.id: half_points_for_total(evaluation, 40)})  # 20
        assert project_sheets.result(evaluation).final < 70  # with the low sheet: (90 + 80 + 20) / 3
    low_sheet = project_sheets.existing_sheet(assignment_of(evaluation, low))
    low_scores = sorted((s.indicator_id, s.half_points) for s in low_sheet.scores)

    withdrawn = withdraw(app, evaluation, low, officer, reason=f"  {REASON}  ")

    assert withdrawn.withdrawn and withdrawn.withdrawn_by_id == officer.id and withdrawn.withdrawn_reason == REASON
    assert low.id not in {a.user_id for a in evaluation.assignments}
    assert {a.user_id for a in evaluation.all_assignments} == {high.id, mid.id, low.id}
    # kept for the record, scores and all
    kept = db.session.get(ScoreSheet, low_sheet.id)
    assert kept.status == SheetStatus.SUBMITTED
    assert sorted((s.indicator_id, s.half_points) for s in kept.scores) == low_scores
    with app.test_request_context():
        result = project_sheets.result(evaluation)
        assert set(result.totals) == {assignment_of(evaluation, high).id, assignment_of(evaluation, mid).id}
        project_report.issue_report(evaluation, "两位评估人员的平均得分。", [], actor=high)
    assert evaluation.final_score == "85.00" and evaluation.grade == "good"  # (90 + 80) / 2

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evaluation.evaluator_withdrawn"))
    data = json.loads(event.data)
    assert event.actor_id == officer.id
    assert data["user_id"] == low.id and data["reason"] == REASON and data["sheet_id"] == low_sheet.id
    assert data["sheet_status"] == "submitted" and data["paid_under_contract"] is False
    note = db.session.scalar(select(Notification).where(Notification.user_id == low.id,
                                                        Notification.code == "evaluation.evaluator_withdrawn"))
    assert note is not None and REASON in note.text and contract.title in note.text


def test_a_withdrawn_draft_with_partial_scores_does_not_hold_back_the_report(app, session):
    officer, manager, contract, evaluation, (stays, goes) = commissioned(app, n=2)
    with app.test_request_context():
        first = evaluation.template.criteria[0]
        partial = project_sheets.sheet_for(assignment_of(evaluation, goes))
        score_sheets.save_scores(partial, {first.id: (2, "仅评了一项")}, actor=goes)
        score_all(evaluation, {stays.id: 75, goes.id: 10}, submit=False)
        score_sheets.transition_sheet(project_sheets.existing_sheet(assignment_of(evaluation, stays)),
                                      SheetStatus.SUBMITTED, actor=stays)
        with pytest.raises(Conflict):  # still waiting for the other evaluator
            project_report.issue_report(evaluation, "尚有评估人员未提交。", [], actor=stays)
    withdraw(app, evaluation, goes, officer)
    assert db.session.get(ScoreSheet, partial.id).status == SheetStatus.DRAFT  # kept as it was
    with app.test_request_context():
        assert project_sheets.missing_work(evaluation) == []
        project_report.issue_report(evaluation, "一位评估人员的得分。", [], actor=stays)
    assert evaluation.issued


def test_the_withdrawn_evaluator_loses_the_evaluation_and_their_sheet(client, login_as, app, session):
    officer, manager, contract, evaluation, (stays, goes) = commissioned(app, n=2)
    with app.test_request_context():
        score_all(evaluation, {stays.id: 80, goes.id: 30}, submit=False)
    sheet = project_sheets.existing_sheet(assignment_of(evaluation, goes))
    db.session.commit()
    login_as(goes)
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 200
    withdraw(app, evaluation, goes, officer)
    db.session.commit()
    before = stored()
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 404
    assert client.get(f"/evaluations/{evaluation.id}").status_code == 404
    criterion = evaluation.template.criteria[0]
    posted = client.post(f"/evaluations/{evaluation.id}/workspace",
                         data={f"score_{criterion.id}": "1", f"comment_{criterion.id}": "改分"})
    assert posted.status_code in (403, 404)
    assert f"/evaluations/{evaluation.id}\"" not in client.get("/evaluations/mine").get_data(as_text=True)
    with app.test_request_context():  # nor through the services
        with pytest.raises(Forbidden):
            score_sheets.save_scores(sheet, {criterion.id: (1, "改分")}, actor=goes)
        with pytest.raises(Forbidden):
            project_services.declare(assignment_of(evaluation, goes), True, "亲属", actor=goes)
    db.session.rollback()
    assert stored() == before


def test_refusals_change_nothing(app, session):
    officer, manager, contract, evaluation, (first, second) = commissioned(app, n=2)
    auditor = make_user(Role.AUDITOR)
    target = assignment_of(evaluation, first)
    db.session.commit()  # so that rolling back a refusal, as a request does, keeps the setup
    before = stored()
    with app.test_request_context():
        for actor in (manager, second, first, auditor):
            with pytest.raises(Forbidden):
                project_services.withdraw_evaluator(target, REASON, actor=actor)
        with pytest.raises(ServiceError) as empty:
            project_services.withdraw_evaluator(target, "   ", actor=officer)
        assert set(empty.value.fields) == {"reason"}
        with pytest.raises(ServiceError) as long:
            project_services.withdraw_evaluator(target, "长" * (project_status.MAX_REASON + 1), actor=officer)
        assert set(long.value.fields) == {"reason"}
    db.session.rollback()
    assert stored() == before and not target.withdrawn

    withdraw(app, evaluation, first, officer)
    db.session.commit()
    before = stored()
    with app.test_request_context(), force_locale("en"), pytest.raises(Conflict, match="already been withdrawn"):
        project_services.withdraw_evaluator(target, "再撤一次", actor=officer)
    db.session.rollback()
    assert stored() == before and db.session.get(EvaluationAssignment, target.id).withdrawn_reason == REASON


@pytest.mark.parametrize("ending", ["cancelled", "issued"])
def test_no_withdrawal_once_the_evaluation_is_finished_or_cancelled(app, session, ending):
    officer, manager, contract, evaluation, (first, second) = commissioned(app, n=2)
    with app.test_request_context():
        if ending == "cancelled":
            project_status.transition_evaluation(evaluation, "cancelled", actor=officer, reason="合同终止")
        else:
            score_all(evaluation, {first.id: 90, second.id: 90})
            project_report.issue_report(evaluation, "两位评估人员均给出优秀。", [], actor=first)
    db.session.commit()
    before = stored()
    with app.test_request_context(), force_locale("en"), pytest.raises(Conflict, match="no longer in progress"):
        project_services.withdraw_evaluator(assignment_of(evaluation, second), REASON, actor=officer)
    db.session.rollback()
    assert stored() == before and not assignment_of(evaluation, second).withdrawn


def test_the_withdrawn_evaluator_is_not_offered_again_and_another_can_be_added(app, session):
    officer, manager, contract, evaluation, (stays, goes) = commissioned(app, n=2)
    fresh = expert(SeatType.FINANCE, officer=officer)
    withdraw(app, evaluation, goes, officer)
    with app.test_request_context(), force_locale("en"):
        offered = {u.id for u in project_services.addable_evaluators(evaluation)}
        assert goes.id not in offered and fresh.id in offered
        with pytest.raises(Conflict, match="cannot be added again"):
            project_services.add_evaluator(evaluation, goes, actor=officer)
        project_services.add_evaluator(evaluation, fresh, actor=officer)
    assert [a.user_id for a in evaluation.assignments] == [stays.id, fresh.id]
    assert [a.user_id for a in evaluation.all_assignments] == [stays.id, goes.id, fresh.id]


def test_the_page_offers_withdrawal_suggests_it_for_a_paid_evaluator_and_warns_when_none_is_left(
        client, login_as, app, session):
    officer, manager, contract, evaluation, (only,) = commissioned(app)
    with app.test_request_context():  # the organisation pays the evaluator after the assignment
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            "完成入户探访 300 人次，建立服务档案。", fees=[FeeInput(
                "expert_fee", "", 150_000, local_today(), username=only.username)]), actor=manager)
        contract_reports.review_report(report, True, "", actor=officer)
    target = assignment_of(evaluation, only)
    db.session.commit()
    login_as(officer)
    url = f"/evaluations/{evaluation.id}"
    page = client.get(url, headers=EN).get_data(as_text=True)
    form = re.search(rf'<form[^>]*id="withdraw-{target.id}".*?</form>', page, re.S).group(0)
    assert "data-confirm=" in form and only.display_name in form and 'class="btn btn-danger' in form
    assert "csrf_token" in form and "No evaluator able to score would be left" in form  # the only one
    paid_line = re.search(rf'<span class="badge[^"]*" id="paid-{only.id}">.*?</div>', page, re.S).group(0)
    assert "Paid under this contract" in paid_line and "¥1,500.00" in paid_line and "Withdraw them below." in paid_line
    # the withdrawal is open for a paid evaluator, its reason field the next thing to fill in
    assert re.search(rf'<details class="withdraw mt-2" open>(?:(?!</details>).)*id="withdraw-reason-{target.id}"',
                     page, re.S)
    assert 'id="no-evaluator-left"' not in page

    before = stored()
    refused = client.post(f"{url}/evaluators/{target.id}/withdraw", data={"text": "  "}, headers=ZH)
    assert refused.status_code == 422  # the page again, the reason beside the field
    assert "请填写原因" in refused.get_data(as_text=True).split(f'id="withdraw-reason-{target.id}-error"')[1]
    assert stored() == before

    done = client.post(f"{url}/evaluators/{target.id}/withdraw", data={"text": REASON}, headers=EN,
                       follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "withdrawn from the evaluation" in text
    assert 'id="no-evaluator-left"' in text and f'id="withdraw-{target.id}"' not in text
    row = re.search(rf'<li[^>]*id="assignment-{target.id}">(.*?)</li>', text, re.S).group(1)
    assert "Withdrawn from the evaluation" in row and REASON in row
    data = json.loads(db.session.scalar(select(AuditEvent.data)
                                        .where(AuditEvent.action == "evaluation.evaluator_withdrawn")))
    assert data["paid_under_contract"] is True

    again = client.post(f"{url}/evaluators/{target.id}/withdraw", data={"text": REASON}, headers=ZH,
                        follow_redirects=True)
    assert "该评估人员已被撤出" in again.get_data(as_text=True)


def test_only_officers_see_and_use_the_withdrawal(client, login_as, app, session):
    officer, manager, contract, evaluation, (first, second) = commissioned(app, n=2)
    auditor = make_user(Role.AUDITOR)
    target = assignment_of(evaluation, first)
    other = commissioned(app)[3]
    db.session.commit()
    login_as(auditor)
    page = client.get(f"/evaluations/{evaluation.id}", headers=EN).get_data(as_text=True)
    assert 'id="assignments"' in page and "/withdraw" not in page
    before = stored()
    assert client.post(f"/evaluations/{evaluation.id}/evaluators/{target.id}/withdraw",
                       data={"text": REASON}).status_code == 403
    assert stored() == before
    logout(client)
    login_as(officer)
    before = stored()
    # an assignment of another evaluation through this one's address
    foreign = other.assignments[0].id
    assert client.post(f"/evaluations/{evaluation.id}/evaluators/{foreign}/withdraw",
                       data={"text": REASON}).status_code == 404
    assert stored() == before


@pytest.mark.committing
def test_two_officers_withdrawing_at_once_one_succeeds(migrated_url, tmp_path):
    application = create_app(app_config(migrated_url, tmp_path))
    with application.app_context():
        officer, _manager, _contract, evaluation, (first, _second) = commissioned(application, n=2)
        colleague = make_user(Role.OFFICER)
        db.session.commit()
        assignment_id, evaluation_id = assignment_of(evaluation, first).id, evaluation.id
        officer_ids, names = [officer.id, colleague.id], [officer.username, colleague.username]

    clients = [application.test_client() for _ in officer_ids]
    for web, name in zip(clients, names, strict=True):  # each officer signed in, through the login form
        assert login(web, name).status_code == 302
    outcomes, start = [], threading.Barrier(2)

    def withdraw_as(n):
        start.wait()
        response = clients[n].post(f"/evaluations/{evaluation_id}/evaluators/{assignment_id}/withdraw",
                                   data={"text": f"撤换理由{n}"}, headers=EN, follow_redirects=True)
        page = response.get_data(as_text=True)
        outcomes.append("withdrawn" if "withdrawn from the evaluation; they have been told" in page
                        else "refused" if "already been withdrawn" in page else page[:300])

    threads = [threading.Thread(target=withdraw_as, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with application.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "evaluation.evaluator_withdrawn")))
        notes = db.session.scalar(select(func.count(Notification.id)).where(
            Notification.code == "evaluation.evaluator_withdrawn"))
        kept = db.session.get(EvaluationAssignment, assignment_id)
        reason, by = kept.withdrawn_reason, kept.withdrawn_by_id
        evaluation_status = db.session.get(ProjectEvaluation, kept.evaluation_id).status
        db.engine.dispose()
    assert sorted(outcomes) == ["refused", "withdrawn"]
    assert len(events) == 1 and notes == 1
    assert json.loads(events[0].data)["reason"] == reason and events[0].actor_id == by
    assert evaluation_status == "in_progress"
