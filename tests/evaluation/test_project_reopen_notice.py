"""A project evaluation's score sheet sent back: the evaluator is told which project, and the sheet says why."""

from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from evaluation import project_sheets, score_sheets
from evaluation.enums import SheetStatus
from tests.evaluation.project_helpers import commissioned, score_all


def test_a_sent_back_project_sheet_names_the_project_and_shows_the_reason(app, client, session, login_as):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app, kind="midterm")
    with app.test_request_context():
        score_all(evaluation, {evaluator.id: 70})
        sheet = project_sheets.sheet_for(evaluation.assignments[0])
        assert sheet.status == SheetStatus.SUBMITTED
        score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer, reason="请复核财务指标的评分依据")
    db.session.commit()
    notice = db.session.scalars(select(Notification).where(Notification.user_id == evaluator.id)
                                .order_by(Notification.id.desc())).first()
    assert notice.code == "sheet.reopened_project"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        text = notice.text
    assert contract.title in text and "请复核财务指标的评分依据" in text
    login_as(evaluator)
    page = client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True)
    assert 'id="sent-back"' in page and "请复核财务指标的评分依据" in page
    assert notice.link == f"/evaluations/{evaluation.id}/workspace"
