"""The call form as an officer meets it: a refused new call, edit or amendment answers 422 (it answered 200) with
what was typed kept and nothing saved; the form has a way back (it had none but the menu)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from core.timeutil import to_local
from projects import calls
from projects.models import Call
from tests.factories import make_user
from tests.orgs.helpers import category
from tests.projects.helpers import call_data, published_call


@pytest.fixture
def officer(client, login_as, session):
    user = make_user(Role.OFFICER)
    login_as(user)
    return user


def form_for(**overrides) -> dict:
    """A complete new-call form as an officer fills it in (Beijing time, yuan)."""
    deadline = to_local(call_data().submission_deadline)
    values = {"title": "幸福街道助残康复服务项目", "mode": "public_tender", "category_id": str(category().id),
              "funding_source": "budget", "total_budget_fen": "300,000", "max_per_proposal_fen": "150000",
              "questions_until": (deadline - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
              "submission_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
              "review_planned_on": (deadline + timedelta(days=3)).date().isoformat(),
              "award_planned_on": (deadline + timedelta(days=6)).date().isoformat(),
              "min_eligible_proposals": "1", "aggregation": "mean", "min_years_registered": "0",
              "min_certified_social_workers": "0", "max_personnel_pct": "60", "max_management_pct": "10"}
    return values | overrides


def count_calls() -> int:
    return db.session.scalar(select(func.count(Call.id)))


def test_a_refused_new_call_answers_422_with_a_way_back(client, officer):
    before = count_calls()
    page = client.get("/calls/new").get_data(as_text=True)
    assert '<a href="/calls/" id="back">← 项目征集</a>' in page
    response = client.post("/calls/new", data=form_for(title="", total_budget_fen="30万"))
    assert response.status_code == 422 and count_calls() == before
    assert 'value="150000"' in response.get_data(as_text=True)  # what was typed is kept


def test_a_refused_edit_answers_422_and_changes_nothing(app, client, officer):
    with app.test_request_context():
        draft = calls.create_call(call_data(), actor=officer)
    db.session.commit()
    page = client.get(f"/calls/{draft.id}/edit").get_data(as_text=True)
    assert f'<a href="/calls/{draft.id}" id="back">← {draft.title}</a>' in page
    response = client.post(f"/calls/{draft.id}/edit", data=form_for(title="新标题", max_per_proposal_fen="900000"))
    assert response.status_code == 422 and "不能超过预算总额。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Call, draft.id).title == call_data().title


def test_a_refused_amendment_answers_422_and_changes_nothing(app, client, officer):
    with app.test_request_context():
        call = published_call(officer)
    db.session.commit()
    deadline, version = call.submission_deadline, call.version
    response = client.post(f"/calls/{call.id}/amend", data={
        "questions_until": to_local(call.questions_until).strftime("%Y-%m-%dT%H:%M"),
        "submission_deadline": to_local(deadline - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "review_planned_on": call.review_planned_on.isoformat(), "award_planned_on": call.award_planned_on.isoformat(),
        "reason": "提前截止"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "更正公告不能将截止时间提前。" in page and "提前截止" in page
    assert client.post(f"/calls/{call.id}/amend", data={"reason": ""}).status_code == 422
    db.session.expire_all()
    kept = db.session.get(Call, call.id)
    assert kept.submission_deadline == deadline and kept.version == version


def test_an_amendment_of_the_description_leaves_a_deadline_held_with_seconds(app, client, officer):
    """A call made through the API or the demo may hold seconds; the form shows minutes. Sent back as shown, the
    deadline is no change (it read as moved earlier and refused the amendment)."""
    with app.test_request_context():
        call = published_call(officer)
    call.submission_deadline = call.submission_deadline.replace(second=20)
    db.session.commit()
    deadline, version = call.submission_deadline, call.version
    response = client.post(f"/calls/{call.id}/amend", data={
        "description": call.description + "\n补充：服务对象含独居老人。",
        "questions_until": to_local(call.questions_until).strftime("%Y-%m-%dT%H:%M"),
        "submission_deadline": to_local(deadline).strftime("%Y-%m-%dT%H:%M"),
        "review_planned_on": call.review_planned_on.isoformat(), "award_planned_on": call.award_planned_on.isoformat(),
        "reason": "补充服务对象"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    kept = db.session.get(Call, call.id)
    assert kept.version == version + 1 and kept.submission_deadline == deadline
    assert set(kept.amendments[-1].changes) == {"description"}
