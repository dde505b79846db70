"""In English a survey's one-star count reads '1 star: 0', not '1 stars: 0' (the other ratings keep 'stars'); in
Chinese both stay '1 星：0 人'."""

from accounts.enums import Role
from core.db import db
from evaluation import surveys
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user


def test_one_star_is_singular_in_english(app, client, login_as, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        survey = surveys.create_survey(evaluation, "居民满意度调查", surveys.parse_outline(surveys.DEFAULT_OUTLINE),
                                       actor=evaluator)
        surveys.answer(survey, {"q0": "1", "q1": "5", "q2": "4", "q3": "1 次", "q4": ""}, user=make_user(Role.RESIDENT))
    db.session.commit()
    login_as(evaluator)
    for path in (f"/evaluations/{evaluation.id}/survey", f"/evaluations/{evaluation.id}/workspace"):
        english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        results = english.split('<div id="survey-results">')[1]
        assert '<span class="keep-together">1 star: 1</span>' in results, path
        assert '<span class="keep-together">5 stars: 0</span>' in results
        assert "1 stars" not in results
        chinese = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        assert '<span class="keep-together">1 星：1 人</span>' in chinese
