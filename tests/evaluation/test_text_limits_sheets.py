"""A score's comment is at most 1000 characters on every kind of sheet (a proposal review sheet, a project
evaluation sheet), held by the engine whoever calls it: exactly 1000 is stored whole; 1001 is refused on the page,
in the API (422, the comment's field named) and by the service, and changes nothing. Also the other evaluation
texts that used to be cut to fit: an expert's fields of expertise, a survey's title, questions, options and
answers, a rectification requirement."""

import html

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts.tokens import create_token
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from evaluation import panels, project_report, project_sheets, score_sheets, services, surveys
from evaluation.models import ExpertProfile, Score
from evaluation.project_models import Survey
from tests.evaluation.helpers import expert, review_panel
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user

EN = {"Accept-Language": "en"}
MAX = 1000


def text(n: int) -> str:
    return ("依据核查材料评分" * (n // 8 + 1))[: n - 1] + "终"


def too_long(criterion) -> str:
    return f"“{criterion.title}”: a comment has at most 1000 characters."


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Score, ExpertProfile, Survey, AuditEvent)}


def bearer(user) -> dict:
    _t, plain = create_token(user, "t", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}", **EN}


@pytest.fixture
def review(app, session):
    """A proposal review sheet: (member, proposal, criteria, the page's path, the API's path)."""
    _officer, _call, _orgs, props, panel = review_panel(app)
    member, proposal = panel.members[0], props[0]
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
    db.session.commit()
    return (member, proposal, panel.template.criteria, f"/evaluation/members/{member.id}/proposals/{proposal.id}",
            f"/api/v1/evaluation/members/{member.id}/sheets/{proposal.id}")


@pytest.fixture
def project(app, session):
    """A project evaluation sheet: (the evaluator, criteria, the page's path, the API's path)."""
    officer, manager, contract, evaluation, evaluators = commissioned(app)
    db.session.commit()
    return (evaluators[0], evaluation.template.criteria, f"/evaluations/{evaluation.id}/workspace",
            f"/api/v1/evaluation/project-evaluations/{evaluation.id}/sheet", evaluation)


def sheets(kind: str, built: tuple) -> tuple:
    """(user, criteria, page path, API path) for either kind of sheet, from what its fixture built."""
    if kind == "review":
        member, _p, criteria, page, api = built
        return member.user, criteria, page, api
    user, criteria, page, api, _e = built
    return user, criteria, page, api


@pytest.fixture(params=["review", "project"])
def sheet(request):
    return sheets(request.param, request.getfixturevalue(request.param))


def test_the_limit_is_the_engines():
    assert score_sheets.MAX_COMMENT == MAX and [len(text(n)) for n in (MAX, MAX + 1)] == [MAX, MAX + 1]


def test_the_page_refuses_a_longer_comment_and_keeps_one_of_exactly_the_limit(client, login_as, sheet):
    user, criteria, page, _api = sheet
    login_as(user)
    assert f'name="comment{criteria[0].id}" id="comment{criteria[0].id}" maxlength="{MAX}"' in client.get(
        page, headers=EN).get_data(as_text=True)
    c = criteria[0]
    form = {f"c{c.id}": str(c.max_points // 2 + 1), "action": "save"}
    before = counts()
    response = client.post(page, headers=EN, follow_redirects=True, data={**form, f"comment{c.id}": text(MAX + 1)})
    assert too_long(c) in html.unescape(response.get_data(as_text=True))
    assert counts() == before
    response = client.post(page, headers=EN, data={**form, f"comment{c.id}": f" {text(MAX)} "})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Score.comment)) == text(MAX)


def test_the_api_refuses_a_longer_comment_and_keeps_one_of_exactly_the_limit(client, sheet):
    user, criteria, _page, api = sheet
    headers = bearer(user)
    c = criteria[0]
    before = counts()
    response = client.put(api, headers=headers, json={"scores": {str(c.id): {"points": c.max_points // 2 + 1,
                                                                              "comment": text(MAX + 1)}}})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {str(c.id): too_long(c)}  # the key it was sent under
    assert counts() == before
    ok = client.put(api, headers=headers, json={"scores": {str(c.id): {"points": c.max_points // 2 + 1,
                                                                        "comment": text(MAX)}}})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["scores"][str(c.id)]["comment"] == text(MAX)


def test_the_engine_refuses_a_longer_comment_even_without_a_score(app, review):
    member, proposal, criteria, _page, _api = review
    with app.test_request_context():
        sheet = score_sheets.sheet_for(member, proposal)
    db.session.commit()
    before = counts()
    for half in (None, 2 * criteria[0].max_points):
        with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
            score_sheets.save_scores(sheet, {criteria[0].id: (half, text(MAX + 1))}, actor=member.user)
        assert {k: str(v) for k, v in caught.value.fields.items()} == {f"comment{criteria[0].id}":
                                                                       too_long(criteria[0])}
        db.session.rollback()
    assert counts() == before


def test_the_engine_refuses_a_longer_comment_on_a_project_sheet(app, project):
    user, criteria, _page, _api, evaluation = project
    with app.test_request_context():
        sheet = project_sheets.sheet_for(evaluation.assignments[0])
    db.session.commit()
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        score_sheets.save_scores(sheet, {criteria[1].id: (criteria[1].max_points, text(MAX + 1))}, actor=user)
    assert str(caught.value.fields[f"comment{criteria[1].id}"]) == too_long(criteria[1])
    db.session.rollback()
    assert counts() == before


# --- texts that used to be cut to fit -----------------------------------------------------------------------------

def test_an_experts_fields_of_expertise_are_refused_over_300_not_cut(app, session):
    officer, user = make_user("officer"), expert()
    db.session.commit()
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        panels.save_expert(user, "social_service", text(301), [], True, actor=officer)
    assert str(caught.value.fields["expertise"]) == "At most 300 characters."
    db.session.rollback()
    assert counts() == before
    with app.test_request_context():
        panels.save_expert(user, "social_service", text(300), [], True, actor=officer)
    db.session.commit()
    assert db.session.get(ExpertProfile, user.id).expertise == text(300)


OUTLINE = "rating: 服务满意吗？\ntext: 还有什么建议？"


@pytest.mark.parametrize(("title", "outline", "field", "message"), [
    (text(201), OUTLINE, "title", "At most 200 characters."),
    ("满意度调查", f"rating: {text(301)}\ntext: 建议？", "outline", "Line 1: a question has at most 300 characters."),
    ("满意度调查", f"rating: 满意吗？\nchoice: 次数 | 1 次 / {text(101)}\ntext: 建议？", "outline",
     "Line 2: an option has at most 100 characters.")])
def test_a_surveys_texts_are_refused_over_their_limits_not_cut(app, project, title, outline, field, message):
    user, _c, _page, _api, evaluation = project
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        surveys.create_survey(evaluation, title, surveys.parse_outline(outline), actor=user)
    assert str(caught.value.fields[field]) == message
    db.session.rollback()
    assert counts() == before


def test_a_survey_of_exactly_the_limits_is_kept_whole_and_a_longer_answer_is_refused(app, project):
    user, _c, _page, _api, evaluation = project
    outline = f"rating: {text(300)}\nchoice: 次数 | 1 次 / {text(100)}\ntext: 建议？"
    with app.test_request_context():
        survey = surveys.create_survey(evaluation, text(200), surveys.parse_outline(outline), actor=user)
    db.session.commit()
    db.session.expire_all()
    assert (survey.title, survey.questions[0]["text"], survey.questions[1]["options"]) == (
        text(200), text(300), ["1 次", text(100)])
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        surveys._clean_answers(survey, {"q0": "5", "q1": "1 次", "q2": text(1001)})
    assert str(caught.value.fields["q2"]) == "At most 1000 characters."
    with app.test_request_context():
        assert surveys._clean_answers(survey, {"q0": "5", "q1": "1 次", "q2": text(1000)})["2"] == text(1000)


def test_a_rectification_requirement_is_refused_over_2000_not_cut(app, project):
    _u, _c, _page, _api, evaluation = project
    from datetime import timedelta

    from core.timeutil import local_today

    due = (local_today() + timedelta(days=30)).isoformat()
    with app.test_request_context():
        flags = project_report.flags_from_form(evaluation, {"flag_0": "1", "due_0": due,
                                                            "requirement_0": text(2001)})
        assert flags[0].requirement == text(2001)  # read whole; the check refuses it
        with force_locale("en"):
            assert {k: str(v) for k, v in project_report._flag_errors(evaluation, flags).items()} == {
                "flag0": "At most 2000 characters."}
        assert project_report._flag_errors(evaluation, project_report.flags_from_form(
            evaluation, {"flag_0": "1", "due_0": due, "requirement_0": text(2000)})) == {}
