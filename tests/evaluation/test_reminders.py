"""Reminders for project evaluations (`flask evaluations remind`): who is told of what, with which link, and never
twice the same day."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from accounts.enums import Role
from accounts.notifications import Notification
from core.db import db
from core.timeutil import local_today
from core.views import path_for
from evaluation import (
    project_report,
    project_services,
    project_sheets,
    project_status,
    rectification,
    reminders,
    score_sheets,
)
from evaluation.enums import SheetStatus
from evaluation.project_enums import EvaluationStatus, TaskStatus
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all
from tests.factories import make_user
from tests.orgs.helpers import Upload

REMINDER_CODES = ("evaluation.sheet_due_soon", "evaluation.sheet_overdue", "evaluation.report_due_soon",
                  "evaluation.report_overdue", "evaluation.request_due_soon", "evaluation.request_overdue",
                  "rectification.task_due_soon", "rectification.task_overdue", "evaluation.overdue_digest")


def notices(user) -> list[tuple[str, str, dict]]:
    """The reminders a user received: (code, link, data), in order."""
    rows = db.session.execute(select(Notification.code, Notification.link, Notification.data)
                              .where(Notification.user_id == user.id, Notification.code.in_(REMINDER_CODES))
                              .order_by(Notification.id)).all()
    return [(code, link, json.loads(data)) for code, link, data in rows]


def codes(user) -> list[str]:
    return [code for code, _link, _data in notices(user)]


def total() -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.code.in_(REMINDER_CODES)))


def due_in(evaluation, days: int) -> None:
    evaluation.due_on = local_today() + timedelta(days=days)  # arranging the deadline directly, as a fixture
    db.session.flush()


def submit_sheet(evaluation, assignment, percent=70) -> None:
    entries = {c.id: (c.max_points * 2 * percent // 100, "依据核查材料") for c in evaluation.template.criteria}
    sheet = project_sheets.sheet_for(assignment)
    score_sheets.save_scores(sheet, entries, actor=assignment.user)
    score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=assignment.user)


def test_evaluators_are_reminded_when_due_soon_and_when_overdue_with_the_workspace_link(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=2)
    _o, _m, later_contract, later, (later_ev,) = commissioned(app)
    due_in(evaluation, 2)
    due_in(later, 4)  # beyond the three days: nothing yet
    result = reminders.remind()
    workspace = path_for("project_evaluation.workspace", evaluation_id=evaluation.id)
    data = {"project": contract.title, "due": evaluation.due_on.isoformat()}
    for ev in evaluators:
        assert notices(ev) == [("evaluation.sheet_due_soon", workspace, data)]
    assert notices(later_ev) == [] and notices(manager) == [] and notices(officer) == []  # nothing overdue
    assert result["evaluations_due_soon"] == 1 and result["evaluations_overdue"] == 0 and result["notices"] == 2
    text = db.session.scalar(select(Notification).where(Notification.user_id == evaluators[0].id,
                                                        Notification.code == "evaluation.sheet_due_soon")).text
    assert contract.title in text and evaluation.due_on.isoformat() in text

    result = reminders.remind(today=evaluation.due_on + timedelta(days=1))
    assert result["evaluations_overdue"] == 1 and result["evaluations_due_soon"] == 1  # `later` now due soon
    for ev in evaluators:
        assert codes(ev) == ["evaluation.sheet_due_soon", "evaluation.sheet_overdue"]
    assert notices(later_ev) == [("evaluation.sheet_due_soon",
                                  path_for("project_evaluation.workspace", evaluation_id=later.id),
                                  {"project": later_contract.title, "due": later.due_on.isoformat()})]
    (digest,) = notices(officer)
    assert digest == ("evaluation.overdue_digest", path_for("project_evaluation.index", overdue=1),
                      {"evaluations": 1, "requests": 0, "tasks": 0, "verifications": 0})


def test_conflicted_and_submitted_evaluators_are_not_reminded_until_the_report_is_due(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=3, declare=False)
    conflicted, done, owing = evaluation.assignments
    with app.test_request_context():
        project_services.declare(conflicted, True, "曾任该机构理事", actor=conflicted.user)
        project_services.declare(done, False, "", actor=done.user)
        project_services.declare(owing, False, "", actor=owing.user)
        submit_sheet(evaluation, done)
    due_in(evaluation, 0)  # due today: still "due soon"
    reminders.remind()
    assert codes(owing.user) == ["evaluation.sheet_due_soon"]
    assert codes(done.user) == [] and codes(conflicted.user) == []
    with app.test_request_context():
        submit_sheet(evaluation, owing)
    reminders.remind()  # every sheet in: any cleared evaluator may issue the report
    assert codes(owing.user) == ["evaluation.sheet_due_soon", "evaluation.report_due_soon"]
    assert codes(done.user) == ["evaluation.report_due_soon"] and codes(conflicted.user) == []


def test_an_undeclared_evaluator_holds_back_the_report_reminder(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=2, declare=False)
    cleared, undeclared = evaluation.assignments
    with app.test_request_context():
        project_services.declare(cleared, False, "", actor=cleared.user)
        submit_sheet(evaluation, cleared)
    due_in(evaluation, -1)
    reminders.remind()
    assert codes(cleared.user) == [] and codes(undeclared.user) == []  # the report cannot be issued yet
    assert codes(officer) == ["evaluation.overdue_digest"]


def test_evaluations_not_in_progress_are_not_reminded(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    _o, _m, _c, cancelled, (cancelled_ev,) = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 170)})  # 85: 良好, no task
        project_report.issue_report(evaluation, "良好，项目按合同完成。", [], actor=ev)
        project_status.transition_evaluation(cancelled, EvaluationStatus.CANCELLED, actor=officer, reason="项目终止")
    assert evaluation.status == EvaluationStatus.COMPLETED
    due_in(evaluation, -5)
    due_in(cancelled, -5)
    result = reminders.remind()
    assert codes(ev) == [] and codes(cancelled_ev) == [] and codes(officer) == []
    assert result["evaluations_overdue"] == 0 and result["notices"] == 0


def test_managers_are_reminded_of_unanswered_document_requests_only(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    member = make_user()
    second = make_user()
    with app.test_request_context():
        from orgs import services as org_services

        for user, role in ((member, "member"), (second, "manager")):
            invited = org_services.invite_member(contract.org, user.username, role, actor=manager)
            org_services.answer_invitation(invited, True, actor=user)
        request = rectification.request_documents(evaluation, "请补充全部财务凭证", local_today() + timedelta(days=5),
                                                  actor=ev)
    show = path_for("project_evaluation.show", evaluation_id=evaluation.id)
    data = {"project": contract.title, "due": request.due_on.isoformat()}
    reminders.remind()
    assert codes(manager) == []  # due in five days
    result = reminders.remind(today=local_today() + timedelta(days=2))
    assert result["requests_due_soon"] == 1
    assert notices(manager) == [("evaluation.request_due_soon", show, data)]
    assert notices(second) == [("evaluation.request_due_soon", show, data)]
    assert codes(member) == [] and "evaluation.request_due_soon" not in codes(ev)
    result = reminders.remind(today=request.due_on + timedelta(days=1))
    assert result["requests_overdue"] == 1
    assert notices(manager)[-1] == ("evaluation.request_overdue", show, data)
    assert notices(officer) == [("evaluation.overdue_digest", path_for("project_evaluation.index", overdue=1),
                                 {"evaluations": 0, "requests": 1, "tasks": 0, "verifications": 0})]
    with app.test_request_context():
        rectification.answer_request(request, "凭证见附件", [Upload()], actor=manager)
    before = total()
    result = reminders.remind(today=request.due_on + timedelta(days=2))
    assert result["requests_overdue"] == 0 and result["requests_due_soon"] == 0 and total() == before


def test_managers_are_reminded_of_open_rectification_tasks_not_responded_or_verified(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    criterion = evaluation.template.criteria[0]
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 160)})  # 80: 良好
        soon, far = local_today() + timedelta(days=10), local_today() + timedelta(days=30)
        project_report.issue_report(evaluation, "良好，但制度执行需加强。",
                                    [project_report.Flag(criterion.id, "完善管理制度并提交执行记录", soon),
                                     project_report.Flag(evaluation.template.criteria[1].id, "补充台账", far)],
                                    actor=ev)
    first, second = evaluation.tasks
    show = path_for("project_evaluation.show", evaluation_id=evaluation.id)
    result = reminders.remind(today=soon - timedelta(days=1))
    assert (result["tasks_due_soon"], result["tasks_overdue"]) == (1, 0)
    assert notices(manager) == [("rectification.task_due_soon", show,
                                 {"project": contract.title, "due": soon.isoformat()})]
    assert codes(ev) == []  # the organisation responds, not the evaluator
    with app.test_request_context():
        rectification.transition_task(first, TaskStatus.RESPONDED, actor=manager, text="已修订制度并附执行记录。",
                                      evidence=Upload())
    result = reminders.remind(today=soon + timedelta(days=1))
    assert (result["tasks_due_soon"], result["tasks_overdue"]) == (0, 0)  # responded: awaits the evaluator
    with app.test_request_context():
        rectification.transition_task(first, TaskStatus.OPEN, actor=ev, text="缺少执行记录")
    result = reminders.remind(today=soon + timedelta(days=1))  # reopened, past its date
    assert (result["tasks_due_soon"], result["tasks_overdue"]) == (0, 1)
    assert notices(manager)[-1] == ("rectification.task_overdue", show,
                                    {"project": contract.title, "due": soon.isoformat()})
    with app.test_request_context():
        rectification.transition_task(first, TaskStatus.RESPONDED, actor=manager, text="补充了三个月的执行记录。",
                                      evidence=Upload())
        rectification.transition_task(first, TaskStatus.VERIFIED, actor=ev, text="核实")
    assert first.status == TaskStatus.VERIFIED and second.status == TaskStatus.OPEN
    result = reminders.remind(today=far + timedelta(days=1))
    assert (result["tasks_due_soon"], result["tasks_overdue"]) == (0, 1)  # only the second, still open
    assert notices(manager)[-1] == ("rectification.task_overdue", show,
                                    {"project": contract.title, "due": far.isoformat()})


def test_a_second_run_the_same_day_sends_nothing_new(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    other_officer = make_user(Role.OFFICER)
    with app.test_request_context():
        rectification.request_documents(evaluation, "请补充全部财务凭证", local_today() + timedelta(days=1), actor=ev)
        rectification.request_documents(evaluation, "请补充活动照片", local_today() + timedelta(days=2), actor=ev)
    due_in(evaluation, -1)
    first = reminders.remind()
    sent = total()
    assert first["notices"] == sent == 5  # the evaluator, two requests to the manager, a digest to each officer
    assert codes(ev) == ["evaluation.sheet_overdue"] and codes(other_officer) == ["evaluation.overdue_digest"]
    assert codes(manager) == ["evaluation.request_due_soon"] * 2
    again = reminders.remind()
    assert again["notices"] == 0 and again["already_sent"] == 5 and total() == sent
    assert {k: v for k, v in again.items() if k not in ("notices", "already_sent")} == \
        {k: v for k, v in first.items() if k not in ("notices", "already_sent")}
    db.session.execute(Notification.__table__.update().where(Notification.user_id == ev.id)
                       .values(read_at=Notification.created_at))
    reminders.remind()  # read or not, it was already sent today
    assert total() == sent
    due_in(evaluation, -2)  # a different due date is a different notice
    reminders.remind()
    assert codes(ev) == ["evaluation.sheet_overdue"] * 2 and codes(officer) == ["evaluation.overdue_digest"]


def test_the_remind_command_commits_and_reports(app, session):
    runner = app.test_cli_runner()
    quiet = runner.invoke(args=["evaluations", "remind"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.startswith("evaluations due soon 0, overdue 0;") and "0 notices sent" in quiet.output
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    due_in(evaluation, -1)
    result = runner.invoke(args=["evaluations", "remind"])
    assert result.exit_code == 0, result.output
    assert "evaluations due soon 0, overdue 1;" in result.output and "2 notices sent" in result.output
    assert codes(ev) == ["evaluation.sheet_overdue"] and codes(officer) == ["evaluation.overdue_digest"]
    again = runner.invoke(args=["evaluations", "remind"])
    assert again.exit_code == 0 and "0 notices sent, 2 already sent today" in again.output
    wider = runner.invoke(args=["evaluations", "remind", "--soon-days", "40"])
    assert wider.exit_code == 0 and "0 notices sent" in wider.output
    assert runner.invoke(args=["evaluations", "remind", "--soon-days", "-1"]).exit_code == 2


def test_a_withdrawn_evaluator_is_not_reminded_and_does_not_hold_back_the_report(app, session):
    officer, manager, contract, evaluation, (stays, goes) = commissioned(app, n=2)
    with app.test_request_context():
        submit_sheet(evaluation, next(a for a in evaluation.assignments if a.user_id == stays.id))
        project_services.withdraw_evaluator(next(a for a in evaluation.assignments if a.user_id == goes.id),
                                            "评估期间收取了机构的专家费", actor=officer)
    due_in(evaluation, 1)
    reminders.remind()
    assert codes(goes) == []  # neither "sheet due" nor anything else
    assert codes(stays) == ["evaluation.report_due_soon"]  # the withdrawn sheet no longer holds it back


def test_the_api_lists_no_evaluation_the_evaluator_was_withdrawn_from(app, client, session):
    from accounts.tokens import create_token

    officer, manager, contract, evaluation, (stays, goes) = commissioned(app, n=2)
    with app.test_request_context():
        project_services.withdraw_evaluator(next(a for a in evaluation.assignments if a.user_id == goes.id),
                                            "评估期间收取了机构的专家费", actor=officer)
        tokens = {user.id: create_token(user, "t", actor=user)[1] for user in (stays, goes)}
    db.session.commit()

    def listed(user) -> list[int]:
        body = client.get("/api/v1/evaluation/project-evaluations",
                          headers={"Authorization": f"Bearer {tokens[user.id]}"}).get_json()
        return [item["evaluation_id"] for item in body["items"]]

    assert listed(stays) == [evaluation.id] and listed(goes) == []
