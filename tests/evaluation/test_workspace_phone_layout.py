"""The evaluator's workspace and survey page on a phone: the contract's period and the evaluation's due date are
each kept whole (2026-<br>06-10 read as two things), the document request's fields are each labelled where it can
be seen (the date alone did not say whose deadline it was), and the survey's link breaks inside the window rather
than pushing the page sideways at large text."""

import re

from accounts.enums import Role
from core.db import db
from evaluation import surveys
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user

ZH = {"Accept-Language": "zh-CN"}


def test_the_workspace_keeps_dates_whole_and_labels_the_request(app, client, login_as, session):
    _officer, _manager, contract, evaluation, (evaluator,) = commissioned(app)
    db.session.commit()
    login_as(evaluator)
    page = client.get(f"/evaluations/{evaluation.id}/workspace", headers=ZH).get_data(as_text=True)
    line = re.search(r'<p class="text-muted" id="contract-line">(.*?)</p>', page, re.S).group(1)
    assert f'<span class="keep-together">{contract.starts_on} – {contract.ends_on}</span>' in line
    assert f'<span class="keep-together">截止日期 {evaluation.due_on}</span>' in line
    form = re.search(r'<form[^>]*id="request-form".*?</form>', page, re.S).group(0)
    assert '<label class="form-label small mb-0" for="request-text">需补充的材料</label>' in form
    assert '<label class="form-label small mb-0" for="request-due">承接组织提交的截止日期</label>' in form
    assert re.search(r'<textarea[^>]*name="text" id="request-text"', form)
    assert re.search(r'<input[^>]*name="due_on"[^>]*id="request-due"', form)


def test_the_survey_link_breaks_inside_the_window(app, client, login_as, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        questions = surveys.parse_outline(surveys.DEFAULT_OUTLINE)
        surveys.create_survey(evaluation, "居民满意度调查", questions, actor=evaluator)
    db.session.commit()
    login_as(evaluator)
    page = client.get(f"/evaluations/{evaluation.id}/survey", headers=ZH).get_data(as_text=True)
    assert re.search(r'<a class="text-break" href="/surveys/\d+" id="survey-link">', page)


def test_survey_results_say_each_count_in_words(app, client, login_as, session):
    """'3 星：1 人' for each rating and '1 次：1 人' for each option (it was '· 3★ 1': two numbers side by side)."""
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    resident = make_user(Role.RESIDENT)
    with app.test_request_context():
        survey = surveys.create_survey(evaluation, "居民满意度调查", surveys.parse_outline(surveys.DEFAULT_OUTLINE),
                                       actor=evaluator)
        surveys.answer(survey, {"q0": "3", "q1": "5", "q2": "4", "q3": "1 次", "q4": "很好"}, user=resident)
    db.session.commit()
    login_as(evaluator)
    for path in (f"/evaluations/{evaluation.id}/survey", f"/evaluations/{evaluation.id}/workspace"):
        page = client.get(path, headers=ZH).get_data(as_text=True)
        results = page.split('<div id="survey-results">')[1].split("您对本项目还有什么意见或建议？")[0]
        first = results.split("您对工作人员的服务态度是否满意？")[0]
        assert '<span class="keep-together">3 星：1 人</span>' in first, path
        assert '<span class="keep-together">1 星：0 人</span>' in first
        assert '<span class="keep-together">1 次：1 人</span>' in results
        assert "★" not in results
