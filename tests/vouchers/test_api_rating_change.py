"""PUT /api/v1/vouchers/redemptions/<id>/rating: a resident changes their rating over the API as on the rating page
(vouchers.catalogue.change_rating), within RATING_CHANGE_WINDOW of the redemption. Someone else's redemption is a 404
(its existence private), a token without a resident profile a 403; after the window, or with a malformed body, a
422; on every refusal nothing changes (the rating, the provider's average, the audit trail)."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from tests.vouchers import test_rating_change
from tests.vouchers.test_api import bearer
from tests.vouchers.test_rating_change import age, average, rating
from vouchers import catalogue, redemption

API = "/api/v1/vouchers/redemptions"
rated = test_rating_change.rated  # the fixture of the page's tests: two redemptions rated 5 and 4, another resident


def url(made) -> str:
    return f"{API}/{made.id}/rating"


def trail() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def unchanged(w, made, before_trail: int, stars: int, comment: str) -> None:
    assert (rating(made.id).stars, rating(made.id).comment) == (stars, comment)
    assert average(w) == catalogue.ProviderRating(Decimal("4.5"), 2)
    assert trail() == before_trail


def test_a_resident_changes_their_rating(client, rated):
    w, user, (_first, second), _other = rated
    response = client.put(url(second), headers=bearer(user), json={"stars": 1, "comment": "  饭菜是凉的 "})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert (answer["id"], answer["redemption_id"]) == (rating(second.id).id, second.id)
    assert (answer["stars"], answer["comment"]) == (1, "饭菜是凉的")
    assert (rating(second.id).stars, rating(second.id).comment) == (1, "饭菜是凉的")
    assert average(w) == catalogue.ProviderRating(Decimal("3.0"), 2)  # (5 + 1) / 2
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "voucher.rating_changed"))
    assert (event.target_id, event.actor_id) == (str(second.id), user.id)
    # The comment sent replaces the one given, as on the page: left out, the rating has none.
    again = client.put(url(second), headers=bearer(user), json={"stars": 2})
    assert again.status_code == 200 and (again.get_json()["stars"], again.get_json()["comment"]) == (2, "")
    assert rating(second.id).comment == ""


def test_the_same_rating_again_changes_nothing(client, rated):
    w, user, (_first, second), _other = rated
    headers = bearer(user)
    before = trail()
    response = client.put(url(second), headers=headers, json={"stars": 4, "comment": "送餐稍晚"})
    assert response.status_code == 200 and response.get_json()["stars"] == 4
    unchanged(w, second, before, 4, "送餐稍晚")


def test_someone_elses_rating_is_a_404_and_a_non_resident_a_403(client, rated):
    w, user, (_first, second), other = rated
    theirs, staff, own = bearer(other), bearer(w.staff), bearer(user)
    before = trail()
    response = client.put(url(second), headers=theirs, json={"stars": 1})
    assert response.status_code == 404 and response.is_json
    refused = client.put(url(second), headers=staff, json={"stars": 1})  # the API is the resident's own
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_a_resident"
    assert client.put(f"{API}/999999/rating", headers=own, json={"stars": 1}).status_code == 404
    unchanged(w, second, before, 4, "送餐稍晚")


def test_after_the_window_a_change_is_a_422(client, rated):
    w, user, (_first, second), _other = rated
    age(second, catalogue.RATING_CHANGE_WINDOW.days + 0.01)
    headers = bearer(user)
    before = trail()
    response = client.put(url(second), headers=headers, json={"stars": 1, "comment": "太晚了"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "rating_change_closed"
    unchanged(w, second, before, 4, "送餐稍晚")
    age(second, catalogue.RATING_CHANGE_WINDOW.days - 0.01)  # just within: taken
    assert client.put(url(second), headers=headers, json={"stars": 1}).status_code == 200


@pytest.mark.parametrize(("sent", "field"), [
    ({"stars": 6}, "stars"), ({"stars": 0}, "stars"), ({"stars": "5"}, "stars"), ({"stars": True}, "stars"),
    ({"stars": 4.5}, "stars"), ({}, "stars"), ({"stars": None}, "stars"), ({"stars": 3, "comment": ["x"]}, "comment"),
    ({"stars": 3, "comment": "长" * (catalogue.MAX_COMMENT + 1)}, "comment"),
])
def test_a_malformed_change_is_a_422_naming_the_field(client, rated, sent, field):
    w, user, (_first, second), _other = rated
    headers = bearer(user)
    before = trail()
    response = client.put(url(second), headers=headers, json=sent)
    assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == [field]
    unchanged(w, second, before, 4, "送餐稍晚")


def test_a_body_that_is_not_an_object_is_refused(client, rated):
    w, user, (_first, second), _other = rated
    headers = bearer(user)
    before = trail()
    for data in ("[4]", "4", "not json", ""):
        response = client.put(url(second), headers=headers, data=data, content_type="application/json")
        assert response.status_code in (400, 422) and response.get_json()["error"]["code"] == "bad_json"
    unchanged(w, second, before, 4, "送餐稍晚")


def test_a_redemption_not_rated_yet_is_a_409(client, app, rated):
    w, user, (_first, second), _other = rated
    with app.test_request_context():
        profile = second.resident
        code, _row = redemption.issue_code(profile, actor=user)
        fresh = redemption.redeem(code, w.service, 2000, "k-fresh", actor=w.manager).redemption
    db.session.commit()
    headers = bearer(user)
    before = trail()
    response = client.put(url(fresh), headers=headers, json={"stars": 3})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_rated"
    assert rating(fresh.id) is None and trail() == before
