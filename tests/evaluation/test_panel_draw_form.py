"""The panel draw page says how many experts each seat type can draw from, suggests seats the pool can fill, and
a refused draw (a pool too small, an even panel) re-renders what was typed with the reason beside the seats
(it used to redirect and reset the form to 3/1/1/0)."""

import re

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from evaluation.enums import SeatType
from evaluation.models import Panel
from projects import awards
from tests.evaluation.helpers import closed_call_with_proposals, expert, fully_scored
from tests.factories import make_user


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _pool(app, officer):
    call, _orgs, _props = closed_call_with_proposals(app, officer)
    for seat in (SeatType.SOCIAL_SERVICE, SeatType.SOCIAL_SERVICE, SeatType.FINANCE, SeatType.SERVICE_USER,
                 SeatType.COMMUNITY_STAFF):
        expert(seat, officer=officer)
    db.session.commit()
    return call


def _value(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*id="{name}"[^>]*value="([^"]*)"', page).group(1)


def _panels(call) -> int:
    return db.session.scalar(select(func.count(Panel.id)).where(Panel.call_id == call.id))


def test_page_shows_available_experts_per_seat_and_suggests_seats_the_pool_can_fill(app, client, officer,
                                                                                    login_as):
    call = _pool(app, officer)  # the demo's pool: two social-service experts, one of each other kind
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    for seat, n in (("social_service", 2), ("finance", 1), ("service_user", 1), ("community_staff", 1)):
        assert f"可抽取 {n} 人" in page.split(f'id="{seat}-help"', 1)[1].split("</div>", 1)[0]
    seats = {seat: int(_value(page, seat)) for seat in ("social_service", "finance", "service_user",
                                                       "community_staff")}
    assert seats == {"social_service": 2, "finance": 1, "service_user": 1, "community_staff": 1}  # odd, and fits
    assert client.post(f"/evaluation/calls/{call.id}/panel", data={**seats, "outlier_points": 15,
                                                                    "max_panels_per_year": 6}).status_code == 302
    assert _panels(call) == 1


def test_a_pool_too_small_keeps_the_typed_seats_and_says_why_beside_the_seat(app, client, officer, login_as):
    call = _pool(app, officer)
    login_as(officer)
    response = client.post(f"/evaluation/calls/{call.id}/panel", data={
        "social_service": 3, "finance": 1, "service_user": 1, "community_staff": 0, "outlier_points": 12,
        "max_panels_per_year": 4})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert [_value(page, n) for n in ("social_service", "finance", "service_user", "community_staff",
                                      "outlier_points", "max_panels_per_year")] == ["3", "1", "1", "0", "12", "4"]
    assert "可抽取 2 人，需要 3 人" in page.split('id="social_service-error"', 1)[1].split("</div>", 2)[0]
    assert 'id="finance-error"' not in page
    assert _panels(call) == 0


def test_an_even_panel_keeps_the_typed_seats_and_says_why_beside_the_seats(app, client, officer, login_as):
    call = _pool(app, officer)
    login_as(officer)
    response = client.post(f"/evaluation/calls/{call.id}/panel", data={
        "social_service": 2, "finance": 1, "service_user": 1, "community_staff": 0, "outlier_points": 15,
        "max_panels_per_year": 6})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert [_value(page, n) for n in ("social_service", "finance", "service_user", "community_staff")] == \
        ["2", "1", "1", "0"]
    assert "评审小组人数须为单数" in page.split('id="seats-error"', 1)[1].split("</div>", 1)[0]
    assert _panels(call) == 0


def test_members_cannot_be_replaced_once_the_review_is_over_so_the_page_offers_no_replace_form(app, client, officer,
                                                                                              login_as):
    call, _orgs, props, ranking = fully_scored(app, officer)
    login_as(officer)
    assert client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True).count("/replace") == 3
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer)
    db.session.commit()
    page = client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    assert "/replace" not in page and 'id="members"' in page


def test_a_call_past_its_review_without_a_panel_offers_no_draw(app, client, officer, login_as):
    call = _pool(app, officer)
    call.status = "cancelled"  # as the demo's calls awarded without a review on the platform: no panel, no review
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    assert 'id="draw"' not in page and "评审阶段已结束" in page.split('id="no-draw"', 1)[1].split("</p>", 1)[0]
