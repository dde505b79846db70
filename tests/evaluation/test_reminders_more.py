"""Reminders for project evaluations, continued: evaluators asked to declare, responses awaiting verification, the
officers' digest linking to the overdue evaluations (the list's `?overdue=1` filter), and the index that serves the
once-a-day check."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from accounts.enums import Role
from accounts.notifications import Notification
from core.db import db
from core.timeutil import local_today
from core.views import path_for
from evaluation import project_report, project_services, project_status, rectification, reminders
from evaluation.enums import SeatType
from evaluation.project_enums import EvaluationStatus, TaskStatus
from evaluation.project_models import DocumentRequest
from orgs.models import Membership
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import commissioned, half_points_for_total, project_template, score_all
from tests.evaluation.test_reminders import REMINDER_CODES, due_in, submit_sheet
from tests.factories import make_user
from tests.orgs.helpers import Upload

NEW_CODES = ("evaluation.declare_due_soon", "evaluation.declare_overdue", "rectification.verify_due_soon",
             "rectification.verify_overdue")
ALL_CODES = REMINDER_CODES + NEW_CODES


def notices(user) -> list[tuple[str, str, dict]]:
    """Every reminder (old and new codes) a user received: (code, link, data), in order."""
    rows = db.session.execute(select(Notification.code, Notification.link, Notification.data)
                              .where(Notification.user_id == user.id, Notification.code.in_(ALL_CODES))
                              .order_by(Notification.id)).all()
    return [(code, link, json.loads(data)) for code, link, data in rows]


def codes(user) -> list[str]:
    return [code for code, _link, _data in notices(user)]


def total() -> int:
    return len(db.session.scalars(select(Notification.id).where(Notification.code.in_(ALL_CODES))).all())


def midterm_of(app, officer, contract, n=1, declare=True):
    """A mid-term evaluation of a contract that already has commissioned()'s final one: a second evaluation (its own
    evaluators, due date, requests and tasks) without building a second contract, most of such a test's time.
    Returns (evaluation, evaluators)."""
    evaluators = [expert(SeatType.SOCIAL_SERVICE, officer=officer) for _ in range(n)]
    with app.test_request_context():
        evaluation = project_services.commission(contract, "midterm", project_template(officer),
                                                 local_today() + timedelta(days=30), actor=officer,
                                                 evaluator_ids=[u.id for u in evaluators])
        if declare:
            for a in evaluation.assignments:
                project_services.declare(a, False, "", actor=a.user)
    return evaluation, evaluators


# 1. Evaluators who have not declared yet

def test_undeclared_evaluators_are_asked_to_declare_on_the_evaluation_page(app, session):
    officer, manager, contract, evaluation, evaluators = commissioned(app, n=3, declare=False)
    conflicted, cleared, undeclared = evaluation.assignments
    with app.test_request_context():
        project_services.declare(conflicted, True, "曾任该机构理事", actor=conflicted.user)
        project_services.declare(cleared, False, "", actor=cleared.user)
    due_in(evaluation, 4)
    result = reminders.remind()
    assert total() == 0 and result["declarations_awaited"] == 0  # beyond the three days: nothing yet

    due_in(evaluation, 2)
    result = reminders.remind()
    show = path_for("project_evaluation.show", evaluation_id=evaluation.id)
    data = {"project": contract.title, "due": evaluation.due_on.isoformat()}
    assert notices(undeclared.user) == [("evaluation.declare_due_soon", show, data)]
    assert codes(cleared.user) == ["evaluation.sheet_due_soon"]  # declared: the sheet, not the declaration
    assert codes(conflicted.user) == []  # takes no part
    assert result["declarations_awaited"] == 1
    text = db.session.scalar(select(Notification).where(Notification.user_id == undeclared.user_id,
                                                        Notification.code == "evaluation.declare_due_soon")).text
    assert contract.title in text and evaluation.due_on.isoformat() in text

    result = reminders.remind(today=evaluation.due_on + timedelta(days=1))
    assert notices(undeclared.user)[-1] == ("evaluation.declare_overdue", show, data)
    assert codes(undeclared.user) == ["evaluation.declare_due_soon", "evaluation.declare_overdue"]
    assert codes(conflicted.user) == []

    with app.test_request_context():
        project_services.declare(undeclared, False, "", actor=undeclared.user)
        submit_sheet(evaluation, cleared)
    result = reminders.remind(today=evaluation.due_on + timedelta(days=2))
    assert result["declarations_awaited"] == 0
    assert codes(undeclared.user)[-1] == "evaluation.sheet_overdue"  # now owes a sheet, no longer a declaration
    assert codes(undeclared.user).count("evaluation.declare_overdue") == 1


def test_all_undeclared_evaluators_of_each_evaluation_are_asked_and_nobody_else(app, session):
    officer, manager, contract, evaluation, (first, second) = commissioned(app, n=2, declare=False)
    other, (declared_ev,) = midterm_of(app, officer, contract)  # everyone declared
    due_in(evaluation, -3)
    due_in(other, -3)
    result = reminders.remind()
    show = path_for("project_evaluation.show", evaluation_id=evaluation.id)
    data = {"project": contract.title, "due": evaluation.due_on.isoformat()}
    assert notices(first) == notices(second) == [("evaluation.declare_overdue", show, data)]
    assert codes(declared_ev) == ["evaluation.sheet_overdue"]
    assert not {"evaluation.declare_due_soon", "evaluation.declare_overdue"} & {*codes(officer), *codes(manager)}
    assert result["declarations_awaited"] == 2 and result["evaluations_overdue"] == 2


def test_evaluations_not_in_progress_do_not_ask_for_declarations(app, session):
    officer, manager, contract, cancelled, (undeclared,) = commissioned(app, declare=False)
    issued, (ev, late) = midterm_of(app, officer, contract, n=2, declare=False)
    with app.test_request_context():
        project_status.transition_evaluation(cancelled, EvaluationStatus.CANCELLED, actor=officer, reason="项目终止")
        project_services.declare(issued.assignments[0], False, "", actor=ev)
        project_services.declare(issued.assignments[1], True, "曾任该机构顾问", actor=late)
        score_all(issued, {ev.id: half_points_for_total(issued, 170)})
        project_report.issue_report(issued, "良好，项目按合同完成。", [], actor=ev)
    assert cancelled.status == EvaluationStatus.CANCELLED and issued.status == EvaluationStatus.COMPLETED
    due_in(cancelled, -2)
    due_in(issued, -2)
    result = reminders.remind()
    assert codes(undeclared) == [] and codes(ev) == [] and codes(late) == []
    assert result["declarations_awaited"] == 0 and total() == 0


# 2. Rectification responses awaiting the evaluator's verification

def _in_rectification(app, n_conflicted=1, of=None):
    """An evaluation in rectification with two tasks (due in 10 and 30 days), one cleared evaluator and
    n_conflicted evaluators who declared a conflict. of: (officer, manager, contract) whose contract has its final
    evaluation already, for a mid-term one in rectification (see midterm_of)."""
    if of is None:
        officer, manager, contract, evaluation, evaluators = commissioned(app, n=1 + n_conflicted, declare=False)
    else:
        officer, manager, contract = of
        evaluation, evaluators = midterm_of(app, officer, contract, n=1 + n_conflicted, declare=False)
    ev, *conflicted = evaluators
    with app.test_request_context():
        for a in evaluation.assignments:
            project_services.declare(a, a.user_id != ev.id, "" if a.user_id == ev.id else "家属在该机构任职",
                                     actor=a.user)
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 160)})  # 80: 良好
        soon, far = local_today() + timedelta(days=10), local_today() + timedelta(days=30)
        criteria = evaluation.template.criteria
        project_report.issue_report(evaluation, "良好，但制度执行需加强。",
                                    [project_report.Flag(criteria[0].id, "完善管理制度并提交执行记录", soon),
                                     project_report.Flag(criteria[1].id, "补充台账", far)], actor=ev)
    assert evaluation.status == EvaluationStatus.RECTIFICATION
    return officer, manager, contract, evaluation, ev, conflicted, soon, far


def _respond(app, task, manager, text="已修订制度并附执行记录。"):
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text=text, evidence=Upload())


def test_cleared_evaluators_are_reminded_of_responses_to_verify_when_due_soon_or_overdue(app, session):
    officer, manager, contract, evaluation, ev, (conflicted,), soon, far = _in_rectification(app)
    first, second = evaluation.tasks
    workspace = path_for("project_evaluation.workspace", evaluation_id=evaluation.id)
    _respond(app, first, manager)
    result = reminders.remind(today=soon - timedelta(days=4))  # responded, but not yet due soon
    assert codes(ev) == [] and (result["verifications_due_soon"], result["verifications_overdue"]) == (0, 0)

    result = reminders.remind(today=soon - timedelta(days=1))
    assert (result["verifications_due_soon"], result["verifications_overdue"]) == (1, 0)
    assert notices(ev) == [("rectification.verify_due_soon", workspace,
                            {"project": contract.title, "due": soon.isoformat()})]
    assert codes(conflicted) == []  # declared a conflict: may not verify
    assert codes(manager) == []  # responded: nothing left for the organisation; the other task is not yet due
    text = db.session.scalar(select(Notification).where(Notification.user_id == ev.id,
                                                        Notification.code == "rectification.verify_due_soon")).text
    assert contract.title in text and soon.isoformat() in text

    result = reminders.remind(today=soon + timedelta(days=1))
    assert (result["verifications_due_soon"], result["verifications_overdue"]) == (0, 1)
    assert result["tasks_overdue"] == 0  # an overdue response awaiting verification is not an overdue task
    assert notices(ev)[-1] == ("rectification.verify_overdue", workspace,
                               {"project": contract.title, "due": soon.isoformat()})

    with app.test_request_context():
        rectification.transition_task(first, TaskStatus.VERIFIED, actor=ev, text="核实")
    before = total()
    result = reminders.remind(today=soon + timedelta(days=2))
    assert (result["verifications_due_soon"], result["verifications_overdue"]) == (0, 0) and total() == before
    assert second.status == TaskStatus.OPEN


def test_open_and_reopened_tasks_are_the_organisations_not_the_evaluators(app, session):
    officer, manager, contract, evaluation, ev, _conflicted, soon, far = _in_rectification(app, n_conflicted=0)
    first, second = evaluation.tasks
    show = path_for("project_evaluation.show", evaluation_id=evaluation.id)
    result = reminders.remind(today=soon + timedelta(days=1))  # first overdue, nobody responded
    assert codes(ev) == [] and result["verifications_overdue"] == 0
    assert notices(manager) == [("rectification.task_overdue", show,
                                 {"project": contract.title, "due": soon.isoformat()})]
    _respond(app, first, manager)
    with app.test_request_context():
        rectification.transition_task(first, TaskStatus.OPEN, actor=ev, text="缺少执行记录")
    result = reminders.remind(today=soon + timedelta(days=2))  # reopened: the organisation's again
    assert codes(ev) == [] and (result["verifications_overdue"], result["tasks_overdue"]) == (0, 1)
    _respond(app, first, manager, "补充了三个月的执行记录。")
    _respond(app, second, manager, "台账已补充完整。")
    result = reminders.remind(today=far - timedelta(days=1))  # both responded; one overdue, one due soon
    assert (result["verifications_due_soon"], result["verifications_overdue"]) == (1, 1)
    assert codes(ev) == ["rectification.verify_overdue", "rectification.verify_due_soon"]


def test_responses_are_not_reminded_once_the_evaluation_is_completed(app, session):
    officer, manager, contract, evaluation, ev, _conflicted, soon, far = _in_rectification(app, n_conflicted=0)
    _respond(app, evaluation.tasks[0], manager)
    _respond(app, evaluation.tasks[1], manager)
    with app.test_request_context():
        for task in evaluation.tasks:
            rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="核实")
    assert evaluation.status == EvaluationStatus.COMPLETED
    result = reminders.remind(today=far + timedelta(days=1))
    assert total() == 0 and result["verifications_overdue"] == 0 and result["tasks_overdue"] == 0


# 3. The officers' digest links to the overdue evaluations

def _row_ids(page: str) -> set[int]:
    return {int(i) for i in re.findall(r'href="/evaluations/(\d+)"', page)}


def test_the_list_filtered_to_overdue_shows_exactly_what_the_digest_counts(app, client, session, login_as):
    # six evaluations, a final and a mid-term of each of three contracts
    officer, manager, contract, late, (late_ev,) = commissioned(app)
    on_time, (on_time_ev,) = midterm_of(app, officer, contract)
    other_officer, other_manager, other_contract, asked, (asked_ev,) = commissioned(app)
    cancelled, _e = midterm_of(app, other_officer, other_contract)
    third_officer, third_manager, third_contract, rectifying, rect_ev, _conflicted, soon, far = \
        _in_rectification(app, n_conflicted=0)
    *_rest, responded, resp_ev, _conflicted2, soon2, _far2 = _in_rectification(
        app, n_conflicted=0, of=(third_officer, third_manager, third_contract))
    due_in(late, -1)
    due_in(cancelled, -1)
    with app.test_request_context():
        rectification.request_documents(asked, "请补充全部财务凭证", local_today() + timedelta(days=1), actor=asked_ev)
        rectification.request_documents(on_time, "请补充活动照片", local_today() + timedelta(days=5), actor=on_time_ev)
        project_status.transition_evaluation(cancelled, EvaluationStatus.CANCELLED, actor=officer, reason="项目终止")
    db.session.execute(DocumentRequest.__table__.update().where(DocumentRequest.evaluation_id == asked.id)
                       .values(due_on=local_today() - timedelta(days=1)))  # overdue, unanswered
    rectifying.tasks[0].due_on = local_today() - timedelta(days=1)  # open and overdue
    responded.tasks[0].due_on = local_today() - timedelta(days=1)
    _respond(app, responded.tasks[0], _manager_of(responded))  # responded late: still late, now the evaluator's
    db.session.flush()

    result = reminders.remind()
    assert (result["evaluations_overdue"], result["requests_overdue"], result["tasks_overdue"],
            result["verifications_overdue"]) == (1, 1, 1, 1)
    (digest,) = notices(officer)
    link = path_for("project_evaluation.index", overdue=1)
    assert digest == ("evaluation.overdue_digest", link,
                      {"evaluations": 1, "requests": 1, "tasks": 1, "verifications": 1})
    db.session.commit()

    login_as(officer)
    page = client.get(link).get_data(as_text=True)
    assert _row_ids(page) == {late.id, asked.id, rectifying.id, responded.id}
    assert 'id="commissionable"' not in page  # a focused list
    assert page.count('class="badge text-bg-warning late-request"') == 1
    assert page.count('class="badge text-bg-warning late-task"') == 1
    assert page.count('class="badge text-bg-warning late-verification"') == 1
    assert page.count('class="badge text-bg-danger overdue"') == 1
    everything = client.get("/evaluations/").get_data(as_text=True)
    assert {late.id, on_time.id, asked.id, cancelled.id, rectifying.id, responded.id} <= _row_ids(everything)
    assert 'id="filter-overdue"' in everything and 'id="commissionable"' in everything
    for other in ("/evaluations/?overdue=0", "/evaluations/?overdue=yes"):  # only overdue=1 filters
        assert _row_ids(client.get(other).get_data(as_text=True)) == _row_ids(everything)


def _manager_of(evaluation):
    return db.session.scalar(select(Membership).where(Membership.org_id == evaluation.contract.org_id,
                                                      Membership.role == "manager")).user


def test_the_overdue_list_is_staff_only_and_empty_when_nothing_is_overdue(app, client, session, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    db.session.commit()
    login_as(officer)
    page = client.get("/evaluations/?overdue=1").get_data(as_text=True)
    assert _row_ids(page) == set() and 'id="filter-overdue"' in page
    client.post("/logout")
    login_as(ev)
    assert client.get("/evaluations/?overdue=1").status_code == 403
    client.post("/logout")
    login_as(manager)
    assert client.get("/evaluations/?overdue=1").status_code == 403


def test_the_overdue_list_uses_a_constant_number_of_queries(app, client, session, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    due_in(evaluation, -1)
    db.session.commit()
    login_as(officer)

    def count(path):
        counter = {"n": 0}

        def before(*_args, **_kwargs):
            counter["n"] += 1

        engine = db.engines[None]
        event.listen(engine, "before_cursor_execute", before)
        try:
            page = client.get(path)
            assert page.status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return counter["n"], _row_ids(page.get_data(as_text=True))

    few, rows = count("/evaluations/?overdue=1")
    assert rows == {evaluation.id}
    more = set()
    other_officer, _m, other_contract, other_final, other_evaluators = commissioned(app)
    for other, (other_ev,) in [midterm_of(app, officer, contract), (other_final, other_evaluators),
                               midterm_of(app, other_officer, other_contract)]:  # three more, of two contracts
        due_in(other, -2)
        with app.test_request_context():
            rectification.request_documents(other, "请补充活动照片", local_today() + timedelta(days=5),
                                            actor=other_ev)
        more.add(other.id)
    db.session.commit()
    many, rows = count("/evaluations/?overdue=1")
    assert rows == {evaluation.id} | more and many == few


# Once a day, old and new reminders alike

def test_declare_verify_and_digest_reminders_are_sent_once_a_day(app, session):
    officer, manager, contract, evaluation, ev, _conflicted, soon, far = _in_rectification(app, n_conflicted=0)
    _respond(app, evaluation.tasks[0], manager)
    pending, (undeclared,) = midterm_of(app, officer, contract, declare=False)
    second_officer, third_officer = make_user(Role.OFFICER), make_user(Role.OFFICER)
    day = soon + timedelta(days=1)
    pending.due_on = day - timedelta(days=1)
    db.session.flush()
    first = reminders.remind(today=day)
    assert codes(ev) == ["rectification.verify_overdue"] and codes(undeclared) == ["evaluation.declare_overdue"]
    for someone in (officer, second_officer, third_officer):
        assert codes(someone) == ["evaluation.overdue_digest"]
    sent = total()
    assert first["notices"] == sent == 5
    again = reminders.remind(today=day)
    assert again["notices"] == 0 and again["already_sent"] == 5 and total() == sent
    assert {k: v for k, v in again.items() if k not in ("notices", "already_sent")} == \
        {k: v for k, v in first.items() if k not in ("notices", "already_sent")}


def test_the_command_reports_declarations_and_verifications(app, session):
    officer, manager, contract, evaluation, ev, _conflicted, soon, far = _in_rectification(app, n_conflicted=0)
    evaluation.tasks[0].due_on = local_today() + timedelta(days=1)
    db.session.flush()
    _respond(app, evaluation.tasks[0], manager)
    pending, (undeclared,) = midterm_of(app, officer, contract, declare=False)
    due_in(pending, 1)
    result = app.test_cli_runner().invoke(args=["evaluations", "remind"])
    assert result.exit_code == 0, result.output
    assert "responses to verify due soon 1, overdue 0;" in result.output
    assert "declarations awaited 1;" in result.output and "2 notices sent" in result.output
    assert codes(ev) == ["rectification.verify_due_soon"] and codes(undeclared) == ["evaluation.declare_due_soon"]


# 4. The index serving the once-a-day check

def test_notifications_are_indexed_by_user_and_time():
    indexes = {i.name: [c.name for c in i.columns] for i in Notification.__table__.indexes}
    assert indexes.get("ix_notifications_user_created") == ["user_id", "created_at"]


@pytest.mark.parametrize("users", [1, 3])
def test_the_once_a_day_check_uses_the_index_on_sqlite(app, session, users):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan; the schema itself is compared on both databases by test_migrations")
    query = select(Notification.user_id).where(Notification.user_id.in_(list(range(1, users + 1))),
                                               Notification.code.in_(ALL_CODES),
                                               Notification.created_at >= db.func.current_timestamp())
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row[-1]) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_notifications_user_created" in plan and "created_at>" in plan.replace(" ", ""), plan
