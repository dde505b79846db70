"""An evaluator's own list says when a rectification awaits them: once the organisation has reported a task done,
'verify the rectification' links to the evaluation's page, where it is verified or reopened (it said '—', the
same as a finished evaluation); while the task is open (the organisation's turn) it still says nothing."""

from core.db import db
from evaluation import rectification
from evaluation.project_enums import TaskStatus
from tests.evaluation.test_followup_fixes import failed_with_task
from tests.evaluation.test_my_evaluations_page import part
from tests.orgs.helpers import Upload

ZH = {"Accept-Language": "zh-CN"}


def test_a_reported_rectification_is_the_evaluators_next_step(app, client, login_as, session):
    _officer, manager, evaluation, evaluator, task = failed_with_task(app)
    db.session.commit()
    login_as(evaluator)
    assert part(client.get("/evaluations/mine", headers=ZH).get_data(as_text=True), evaluation.id) == "—"

    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已整改完毕并补齐档案。",
                                      evidence=Upload())
    db.session.commit()
    page = client.get("/evaluations/mine", headers=ZH).get_data(as_text=True)
    assert part(page, evaluation.id) == f'<a href="/evaluations/{evaluation.id}">核实承接组织反馈的整改情况</a>'
