"""The rectification task the platform sets for a 不合格 result reads in the reader's language: it was stored as
Chinese text, so an English reader was told '评估结果为不合格：请对照评估报告…'. It is stored as "" (a requirement no
one can type) and translated when shown; rows stored with the old Chinese text are shown the same way."""

from flask_babel import force_locale

from core.db import db
from evaluation import project_report
from evaluation.project_models import FAIL_REQUIREMENT_STORED_BEFORE
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all

ZH = "评估结果为不合格：请对照评估报告逐项整改，并提交整改报告及佐证材料。"
EN = "The evaluation result is Fail: rectify each point against the evaluation report"


def _failed(app):
    _officer, manager, _contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 100)})  # 50 of 100: 不合格
        project_report.issue_report(evaluation, "未达到合同约定。", [], actor=ev)
    db.session.commit()
    return manager, evaluation


def test_the_standard_task_of_a_fail_is_stored_as_a_code_and_shown_in_the_readers_language(app, session):
    _manager, evaluation = _failed(app)
    (task,) = evaluation.tasks
    assert task.indicator_id is None and task.written_requirement == ""
    with app.test_request_context():
        with force_locale("en"):
            assert task.requirement.startswith(EN)
        with force_locale("zh_Hans_CN"):
            assert task.requirement == ZH


def test_the_organisation_reads_the_standard_task_in_english(app, session, client, login_as):
    manager, evaluation = _failed(app)
    login_as(manager)
    client.get("/lang/en")
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert EN in page and "评估结果为不合格" not in page


def test_a_task_stored_with_the_old_chinese_text_is_shown_translated(app, session):
    _manager, evaluation = _failed(app)
    (task,) = evaluation.tasks
    task.written_requirement = FAIL_REQUIREMENT_STORED_BEFORE
    db.session.commit()
    with app.test_request_context(), force_locale("en"):
        assert task.requirement.startswith(EN)
    task.written_requirement = "补交活动签到表。"  # what an evaluator typed is shown as typed
    with app.test_request_context(), force_locale("en"):
        assert task.requirement == "补交活动签到表。"
