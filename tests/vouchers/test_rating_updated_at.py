"""A rating says when it was last changed (Rating.updated_at, set by catalogue.change_rating; null while it is as first
given): the resident's and the provider's lists show "changed on <date>" (Beijing time) beside a changed rating, and
the API answers it."""

from datetime import UTC, datetime, time, timedelta

from core.db import db
from tests.vouchers import test_rating_change
from tests.vouchers.test_api import bearer
from tests.vouchers.test_rating_change import rating
from vouchers import catalogue, redemption

rated = test_rating_change.rated  # two redemptions rated 5 and 4 by one resident (a fixture)
ZH, EN = {"Accept-Language": "zh-CN"}, {"Accept-Language": "en"}


def change_late_in_the_utc_day(app, made, user) -> datetime:
    """Changed the day after the redemption at 16:30 UTC: 00:30 the next day in Beijing. Returns when."""
    when = datetime.combine(made.created_at.date() + timedelta(days=1), time(16, 30), tzinfo=UTC)
    with app.test_request_context():
        catalogue.change_rating(made, 2, "后来不准时", actor=user, now=when)
    db.session.commit()
    return when


def test_a_change_sets_updated_at_and_a_change_to_nothing_keeps_it(app, rated):
    w, user, (first, second), _other = rated
    assert rating(first.id).updated_at is None and rating(second.id).updated_at is None
    when = change_late_in_the_utc_day(app, second, user)
    assert rating(second.id).updated_at == when and rating(first.id).updated_at is None
    with app.test_request_context():  # the same stars and comment again: nothing changed, nor when
        catalogue.change_rating(second, 2, "后来不准时", actor=user, now=when + timedelta(days=1))
    db.session.commit()
    assert rating(second.id).updated_at == when


def test_the_residents_list_says_when_a_rating_was_changed_in_beijing_time(app, client, login_as, rated):
    w, user, (first, second), _other = rated
    when = change_late_in_the_utc_day(app, second, user)
    beijing_day, utc_day = (when + timedelta(days=1)).date().isoformat(), when.date().isoformat()
    login_as(user)
    page = client.get("/vouchers/me/redemptions", headers=EN).get_data(as_text=True)
    changed = page.split(f'id="redemption-{second.id}"', 1)[1].split("</li>", 1)[0]
    assert f"changed on {beijing_day}" in changed and utc_day not in changed.split("changed on", 1)[1]
    unchanged = page.split(f'id="redemption-{first.id}"', 1)[1].split("</li>", 1)[0]
    assert "changed on" not in unchanged and "rating-changed" not in unchanged
    assert f"修改于 {beijing_day}" in client.get("/vouchers/me/redemptions", headers=ZH).get_data(as_text=True)


def test_the_providers_list_says_when_a_rating_was_changed(app, client, login_as, rated):
    w, user, (first, second), _other = rated
    when = change_late_in_the_utc_day(app, second, user)
    login_as(w.manager)
    page = client.get(f"/vouchers/provider/{w.org.id}", headers=EN).get_data(as_text=True)
    table = page.split('id="provider-redemptions"', 1)[1].split("</table>", 1)[0]
    assert table.count("rating-changed") == 1
    assert f"changed on {(when + timedelta(days=1)).date().isoformat()}" in table


def test_the_api_answers_when_a_rating_was_changed(client, rated):
    w, user, (first, second), _other = rated
    headers = bearer(user)
    response = client.put(f"/api/v1/vouchers/redemptions/{second.id}/rating", headers=headers, json={"stars": 3})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["updated_at"] is not None
    assert datetime.fromisoformat(answer["updated_at"]) == rating(second.id).updated_at
    assert datetime.fromisoformat(answer["created_at"]) == rating(second.id).created_at


def test_a_new_rating_has_no_updated_at(app, client, rated):
    w, user, (_first, second), _other = rated
    with app.test_request_context():
        code, _row = redemption.issue_code(second.resident, actor=user)
        fresh = redemption.redeem(code, w.service, 2000, "k-fresh", actor=w.manager).redemption
    db.session.commit()
    response = client.post(f"/api/v1/vouchers/redemptions/{fresh.id}/rating", headers=bearer(user),
                           json={"stars": 5})
    assert response.status_code == 201 and response.get_json()["updated_at"] is None
    assert rating(fresh.id).updated_at is None
