"""An evaluator's own list of project evaluations says, on each, what is theirs to do next and links to where it is
done: declare first (the evaluation's page), score (the workspace: not started, a draft), submitted, or nothing to
do (a conflict declared). On a phone each row is a card (table-stack), each value headed, the due date whole."""

import re

from accounts.enums import Role
from core.db import db
from evaluation import project_services, project_sheets, project_status, score_sheets
from tests.evaluation.project_helpers import commissioned, score_all
from tests.factories import make_user

ZH = {"Accept-Language": "zh-CN"}


def part(page: str, evaluation_id: int) -> str:
    row = re.search(rf'<tr>\s*<td class="stack-title"><a href="/evaluations/{evaluation_id}">.*?</tr>', page, re.S)
    return re.search(r'<td data-label="您的工作" class="my-part">(.*?)</td>', row.group(0), re.S).group(1)


def test_each_evaluation_says_what_is_the_evaluators_to_do(app, client, login_as, session):
    _o, _m, _c, undeclared, (evaluator,) = commissioned(app, declare=False)
    made = [commissioned(app, declare=False) for _ in range(4)]
    others = [m[3] for m in made]
    with app.test_request_context():  # the same evaluator on each of the others, at each step
        for officer, _manager, _contract, e, _evaluators in made:
            project_services.add_evaluator(e, evaluator, actor=officer)
        conflict, fresh, draft, submitted = others
        mine = {e.id: project_status.assignment_of(evaluator, e) for e in others}
        project_services.declare(mine[conflict.id], True, "曾任该机构理事", actor=evaluator)
        for e in (fresh, draft, submitted):
            project_services.declare(mine[e.id], False, "", actor=evaluator)
        project_sheets.sheet_for(mine[draft.id])
        criteria = submitted.template.criteria
        sheet = project_sheets.sheet_for(mine[submitted.id])
        score_sheets.save_scores(sheet, {c.id: (c.max_points * 3 // 2, "") for c in criteria}, actor=evaluator)
        score_sheets.transition_sheet(sheet, "submitted", actor=evaluator)
    db.session.commit()
    login_as(evaluator)
    page = client.get("/evaluations/mine", headers=ZH).get_data(as_text=True)
    assert 'class="table table-sm table-stack"' in page
    assert part(page, undeclared.id) == f'<a href="/evaluations/{undeclared.id}">请先声明是否存在利益冲突</a>'
    assert part(page, conflict.id) == "已声明利益冲突：您不参与评分"
    assert part(page, fresh.id) == f'<a href="/evaluations/{fresh.id}/workspace">待评分：尚未开始</a>'
    assert part(page, draft.id) == f'<a href="/evaluations/{draft.id}/workspace">待评分：评分表为草稿</a>'
    assert part(page, submitted.id) == f'<a href="/evaluations/{submitted.id}/workspace">评分表已提交</a>'
    assert f'<td data-label="截止日期"><span class="keep-together">{fresh.due_on}</span>' in page


def test_the_officers_list_has_no_such_column(app, client, login_as, session):
    officer, _m, _c, evaluation, _evaluators = commissioned(app)
    db.session.commit()
    login_as(officer)
    page = client.get("/evaluations/", headers=ZH).get_data(as_text=True)
    assert "您的工作" not in page and f'<a href="/evaluations/{evaluation.id}">' in page


def test_a_finished_evaluation_asks_nothing(app, client, login_as, session):
    officer, _m, _c, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {evaluator.id: 75})
        project_status.transition_evaluation(evaluation, "cancelled", actor=officer, reason="测试")
    db.session.commit()
    login_as(evaluator)
    page = client.get("/evaluations/mine", headers=ZH).get_data(as_text=True)
    assert part(page, evaluation.id) == "—"


def test_an_evaluation_they_were_withdrawn_from_is_named_with_the_reason(app, client, login_as, session):
    """The withdrawal's notification links to the evaluator's list: it names the evaluation, when and why (it said
    only 'no evaluations yet'), without a link to the page they may no longer see."""
    officer, _m, contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        project_services.withdraw_evaluator(evaluation.assignments[0], "近期承接了该组织的培训项目", actor=officer)
    db.session.commit()
    login_as(evaluator)
    page = client.get("/evaluations/mine", headers=ZH).get_data(as_text=True)
    listed = re.search(r'<ul class="list-unstyled" id="withdrawn-from">(.*?)</ul>', page, re.S).group(1)
    assert contract.title in listed and "近期承接了该组织的培训项目" in listed
    assert "您的评分表留存备查，但不再计入结果" in listed
    assert f'href="/evaluations/{evaluation.id}"' not in page
    client.post("/logout")
    login_as(make_user(Role.EVALUATOR))  # someone else's withdrawal is not theirs to see
    assert 'id="withdrawn-from"' not in client.get("/evaluations/mine", headers=ZH).get_data(as_text=True)
