"""A rectification task the organisation has responded to, past its due date and still awaiting the evaluator's
verification, is late work the officers chase: counted in their daily digest (which says the evaluators are the ones
late) and listed by the `?overdue=1` filter with its own badge; once verified, or while not yet due, it is not."""

import json
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from core.timeutil import local_today
from core.views import path_for
from evaluation import rectification, reminders
from evaluation.project_enums import TaskStatus
from evaluation.project_models import ProjectEvaluation
from tests.evaluation.test_reminders_more import _in_rectification, _respond, _row_ids

EN = {"Accept-Language": "en"}
LINK = "/evaluations/?overdue=1"
LATE_VERIFICATION = 'class="badge text-bg-warning late-verification"'
LATE_TASK = 'class="badge text-bg-warning late-task"'


def digests(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                             Notification.code == reminders.DIGEST)
                                   .order_by(Notification.id)))


def _responded_late(app):
    """An evaluation in rectification whose first task was due yesterday and was responded to, unverified; its
    second task is open and not yet due."""
    officer, manager, contract, evaluation, ev, _conflicted, _soon, _far = _in_rectification(app, n_conflicted=0)
    first, second = evaluation.tasks
    first.due_on = local_today() - timedelta(days=1)  # arranging the deadline directly, as a fixture
    db.session.flush()
    _respond(app, first, manager)
    assert first.status == TaskStatus.RESPONDED and second.status == TaskStatus.OPEN
    return officer, manager, evaluation, ev, first


def test_the_digest_counts_a_late_verification_and_says_the_evaluators_are_late(app, session):
    officer, manager, evaluation, ev, task = _responded_late(app)
    result = reminders.remind()
    assert (result["evaluations_overdue"], result["requests_overdue"], result["tasks_overdue"],
            result["verifications_overdue"]) == (0, 0, 0, 1)
    (digest,) = digests(officer)
    assert digest.link == path_for("project_evaluation.index", overdue=1)
    assert json.loads(digest.data) == {"evaluations": 0, "requests": 0, "tasks": 0, "verifications": 1}
    with app.test_request_context(), force_locale("en"):
        text = digest.text
    assert "overdue from the evaluators: 1 rectification responses not yet verified" in text
    assert "overdue from the organisations: 0 document requests and 0 rectification tasks" in text
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        text = digest.text
    assert "评估人员逾期未核实：1 项整改回复" in text and "%(" not in text
    assert db.session.scalars(select(Notification.code).where(Notification.user_id == ev.id)
                              .order_by(Notification.id.desc())).first() == "rectification.verify_overdue"


def test_no_digest_for_a_response_not_yet_due_or_already_verified(app, session):
    officer, manager, evaluation, ev, task = _responded_late(app)
    result = reminders.remind(today=task.due_on)  # due today: not yet late
    assert result["verifications_overdue"] == 0 and digests(officer) == []
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="核实")
    result = reminders.remind()
    assert result["verifications_overdue"] == 0 and digests(officer) == []


def test_the_overdue_list_shows_the_late_verification_with_its_own_badge(app, client, session, login_as):
    officer, manager, evaluation, ev, task = _responded_late(app)
    db.session.commit()
    login_as(officer)
    page = client.get(LINK, headers=EN).get_data(as_text=True)
    assert _row_ids(page) == {evaluation.id}
    assert page.count(LATE_VERIFICATION) == 1 and LATE_TASK not in page  # the evaluator's move, not the organisation's
    assert "Verification overdue" in page and "Nothing is overdue." not in page
    assert page.count(LATE_VERIFICATION) == client.get("/evaluations/", headers=EN).get_data(as_text=True) \
        .count(LATE_VERIFICATION)  # the full list marks it as well

    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.OPEN, actor=ev, text="缺少执行记录")  # reopened
    db.session.commit()
    page = client.get(LINK, headers=EN).get_data(as_text=True)
    assert _row_ids(page) == {evaluation.id}  # late again, now from the organisation
    assert page.count(LATE_TASK) == 1 and LATE_VERIFICATION not in page

    _respond(app, task, manager, "补充了三个月的执行记录。")
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="核实")
    db.session.commit()
    page = client.get(LINK, headers=EN).get_data(as_text=True)
    assert _row_ids(page) == set() and "Nothing is overdue." in page


def test_the_filter_and_the_digest_agree(app, session):
    officer, manager, evaluation, ev, task = _responded_late(app)
    today = local_today()
    listed = set(db.session.scalars(select(ProjectEvaluation.id)
                                    .where(reminders.overdue_condition(today))))
    assert listed == {evaluation.id}
    assert reminders.overdue_parts([evaluation.id], today) == reminders.OverdueParts(set(), set(), {evaluation.id})
    assert reminders.remind()["verifications_overdue"] == len(listed)


def test_a_digest_sent_before_late_verifications_were_counted_still_reads(app, session):
    officer, *_rest = _responded_late(app)
    with app.test_request_context():
        from accounts.notifications import notify

        old = notify(officer.id, "evaluation.officer_digest", link=LINK, evaluations=2, requests=1, tasks=0)
        with force_locale("en"):
            assert old.text == ("Project evaluations to watch: 2 evaluations overdue, 1 document requests and 0 "
                                "rectification tasks overdue.")
        with force_locale("zh_Hans_CN"):
            assert "%(" not in old.text and "2" in old.text


def test_the_evaluation_page_marks_the_late_verification_on_the_task(app, client, session, login_as):
    officer, manager, evaluation, ev, task = _responded_late(app)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluations/{evaluation.id}", headers=EN).get_data(as_text=True)
    item = page.split(f'id="task-{task.id}"')[1].split("</li>")[0]
    assert LATE_VERIFICATION in item and "overdue\">" not in item  # the evaluator's lateness, not the organisation's
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.VERIFIED, actor=ev, text="核实")
    db.session.commit()
    page = client.get(f"/evaluations/{evaluation.id}", headers=EN).get_data(as_text=True)
    assert LATE_VERIFICATION not in page.split(f'id="task-{task.id}"')[1].split("</li>")[0]
