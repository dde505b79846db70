"""Once the report is issued the evaluation is no longer in progress: the workspace no longer offers to request
documents (the form was there and always refused), and a request sent from a page left open is refused with 409
(a stale page, as elsewhere; it was 422), nothing sent."""

from datetime import timedelta

from sqlalchemy import func, select

from core.db import db
from core.timeutil import local_today
from evaluation import project_report
from evaluation.project_models import DocumentRequest
from tests.evaluation.project_helpers import commissioned, score_all

EN = {"Accept-Language": "en"}


def test_no_document_request_after_the_report(app, client, login_as, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    page = f"/evaluations/{evaluation.id}/workspace"
    db.session.commit()
    login_as(evaluator)
    assert 'id="request-form"' in client.get(page, headers=EN).get_data(as_text=True)  # in progress: offered

    with app.test_request_context():
        score_all(evaluation, {evaluator.id: 80})
        project_report.issue_report(evaluation, "评估结论：依据核查情况评定。", [], actor=evaluator)
    db.session.commit()

    shown = client.get(page, headers=EN)
    assert shown.status_code == 200 and 'id="request-form"' not in shown.get_data(as_text=True)
    due = (local_today() + timedelta(days=7)).isoformat()
    stale = client.post(f"/evaluations/{evaluation.id}/requests", headers=EN,
                        data={"text": "请补充活动签到表原件", "due_on": due})
    assert stale.status_code == 409
    assert "This evaluation is no longer in progress." in stale.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(DocumentRequest)) == 0
