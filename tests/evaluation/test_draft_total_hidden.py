"""The evaluation page showed the officer an evaluator's unfinished draft with its running total ('草稿 · 22 分'):
a draft's score is the evaluator's own until they submit it. Now a draft reads only '草稿'; a submitted sheet shows
its total as before."""

import re

from evaluation import project_sheets, score_sheets
from evaluation.enums import SheetStatus
from tests.evaluation.project_helpers import commissioned, score_all


def _row(page: str, assignment_id: int) -> str:
    return page.split(f'id="assignment-{assignment_id}"', 1)[1].split("</li>", 1)[0]


def test_the_officer_sees_a_draft_without_its_score_and_a_submitted_sheet_with_it(app, client, session, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    assignment = evaluation.assignments[0]
    with app.test_request_context():
        sheet = project_sheets.sheet_for(assignment)
        criterion = evaluation.template.criteria[0]
        score_sheets.save_scores(sheet, {criterion.id: (criterion.max_points * 2, "依据核查材料")}, actor=ev)
    session.commit()
    assert sheet.total_half_points > 0
    login_as(officer)
    row = _row(client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True), assignment.id)
    assert "草稿" in row and not re.search(r"\d+(\.5)? 分", row)

    with app.test_request_context():
        score_all(evaluation, {ev.id: 80})
    session.commit()
    assert sheet.status == SheetStatus.SUBMITTED
    row = _row(client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True), assignment.id)
    points = f"{sheet.total_half_points / 2:g} 分"
    assert "已提交并锁定" in row and points in row and "草稿" not in row
