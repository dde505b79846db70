"""A resident changes a rating given (stars and comment) within 30 days of the service: on its own page, shown
pre-filled; the provider's average follows exactly; audited with ids only; refused after the window (422, the
input kept, in the user's language), and for someone else's redemption (404, its existence private)."""

import html
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from tests.factories import logout, make_user
from vouchers import catalogue, disputes, issuance, redemption
from vouchers.redemption_models import Rating, Redemption

from .helpers import events, world
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def rated(app, session):
    """A resident who logs in with two redemptions from one provider, rated 5 and 4 stars (average 4.5), and another
    resident who logs in: (world, user, [first, second], other user)."""
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "周淑珍")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        made = []
        for n, (stars, comment) in enumerate([(5, "很好"), (4, "送餐稍晚")]):
            code, _row = redemption.issue_code(profile, actor=user)
            made.append(redemption.redeem(code, w.service, 2000, f"k-{n}", actor=w.manager).redemption)
            catalogue.rate(made[-1], stars, comment, actor=user)
        other_user, _other = phone_resident(w.staff, "吴秀梅")
    db.session.commit()
    return w, user, made, other_user


def average(w) -> catalogue.ProviderRating:
    return catalogue.provider_rating(w.org)


def rating(redemption_id: int) -> Rating:
    return db.session.scalar(select(Rating).where(Rating.redemption_id == redemption_id)
                             .execution_options(populate_existing=True))


def age(made: Redemption, days: float) -> None:
    """The redemption took place `days` ago."""
    db.session.get(Redemption, made.id).created_at = utcnow() - timedelta(days=days)
    db.session.commit()


# --- the service --------------------------------------------------------------------------------------------

def test_a_change_updates_the_rating_and_the_providers_average_exactly(rated, app):
    w, user, (first, second), _other = rated
    assert average(w) == catalogue.ProviderRating(Decimal("4.5"), 2)
    with app.test_request_context():
        changed = catalogue.change_rating(second, 1, "  饭菜是凉的 ", actor=user)
    assert (changed.stars, changed.comment) == (1, "饭菜是凉的")
    assert average(w) == catalogue.ProviderRating(Decimal("3.0"), 2)  # (5 + 1) / 2, still two ratings
    assert db.session.scalar(select(func.count(Rating.id))) == 2
    start, end = first.created_at - timedelta(days=1), second.created_at + timedelta(days=1)
    assert catalogue.star_counts(org_id=w.org.id, start=start, end=end) == {5: 1, 1: 1}  # what evaluations read


def test_a_change_is_audited_with_ids_and_stars_never_the_comment(rated, app):
    w, user, (_first, second), _other = rated
    with app.test_request_context():
        catalogue.change_rating(second, 2, "护理员没来", actor=user)
    [event] = events("voucher.rating_changed")
    assert (event.target_id, event.actor_id) == (str(second.id), user.id)
    data = json.loads(event.data)
    assert data == {"rating_id": rating(second.id).id, "provider_org_id": w.org.id, "service_id": w.service.id,
                    "comment_changed": True, "changes": {"stars": [4, 2]}}
    assert "护理员没来" not in event.data  # the resident's words are not in the trail


def test_changing_nothing_writes_no_event(rated, app):
    _w, user, (_first, second), _other = rated
    with app.test_request_context():
        catalogue.change_rating(second, 4, "送餐稍晚", actor=user)
    assert events("voucher.rating_changed") == []


def test_within_thirty_days_yes_after_them_no(rated, app):
    w, user, (_first, second), _other = rated
    deadline = catalogue.rating_change_deadline(second)
    assert deadline - second.created_at == timedelta(days=30) == catalogue.RATING_CHANGE_WINDOW
    with app.test_request_context():
        catalogue.change_rating(second, 3, "", actor=user, now=deadline)  # the last moment: still allowed
        with pytest.raises(ServiceError) as refused:
            catalogue.change_rating(second, 1, "太晚了", actor=user, now=deadline + timedelta(seconds=1))
    assert refused.value.status == 422 and refused.value.code == "rating_change_closed"
    assert "30 天内" in refused.value.message  # (in the default language)
    assert rating(second.id).stars == 3 and len(events("voucher.rating_changed")) == 1


def test_someone_elses_rating_is_refused(rated, app):
    w, _user, (_first, second), other_user = rated
    with app.test_request_context():
        for stranger in (other_user, w.manager, make_user()):
            with pytest.raises(Forbidden):
                catalogue.change_rating(second, 1, "", actor=stranger)
    assert rating(second.id).stars == 4 and events("voucher.rating_changed") == []


def test_a_service_not_rated_yet_has_nothing_to_change(app, voucher_redemption):
    user, made = voucher_redemption
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        catalogue.change_rating(made, 3, "", actor=user)
    assert refused.value.code == "not_rated"


@pytest.mark.parametrize(("stars", "comment", "field"), [(0, "", "stars"), (6, "", "stars"), (True, "", "stars"),
                                                         ("5", "", "stars"), (5, "好" * 1001, "comment")])
def test_bad_stars_or_a_comment_too_long_change_nothing(rated, app, stars, comment, field):
    _w, user, (_first, second), _other = rated
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        catalogue.change_rating(second, stars, comment, actor=user)
    assert field in refused.value.fields
    assert (rating(second.id).stars, rating(second.id).comment) == (4, "送餐稍晚")


# --- the pages ----------------------------------------------------------------------------------------------

def path(made) -> str:
    return f"/vouchers/redemptions/{made.id}/rating"


def test_the_page_shows_the_current_rating_pre_filled(rated, client, login_as):
    _w, user, (_first, second), _other = rated
    login_as(user)
    response = client.get(path(second), headers=ZH)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    checked = re.findall(r'<input[^>]*name="stars"[^>]*value="(\d)"[^>]*checked', page)
    assert checked == ["4"]
    assert re.search(r"<textarea[^>]*>\s*送餐稍晚</textarea>", page)
    assert "修改评分" in page and "北京时间" in page and 'name="csrf_token"' in page


def test_the_resident_changes_the_rating_and_the_average_follows(rated, client, login_as):
    w, user, (_first, second), _other = rated
    login_as(user)
    response = client.post(path(second), headers=EN, data={"stars": "2", "comment": "饭菜是凉的"},
                           follow_redirects=True)
    assert response.status_code == 200 and response.request.path == "/vouchers/me/redemptions"
    assert "Your rating has been changed." in response.get_data(as_text=True)
    assert (rating(second.id).stars, rating(second.id).comment) == (2, "饭菜是凉的")
    assert average(w) == catalogue.ProviderRating(Decimal("3.5"), 2)
    assert len(events("voucher.rating_changed")) == 1
    # The provider's page shows the new average.
    page = client.get(f"/orgs/{w.org.id}", headers=EN).get_data(as_text=True)
    assert re.search(r'id="voucher-rating">.*★ 3\.5</span> \(2 ratings\)', page)


def test_the_list_offers_the_change_within_the_window_only(rated, client, login_as):
    _w, user, (first, second), _other = rated
    age(first, 31)
    login_as(user)
    page = client.get("/vouchers/me/redemptions", headers=EN).get_data(as_text=True)
    assert f'href="{path(second)}"' in page and f'href="{path(first)}"' not in page
    assert "Change the rating" in page


@pytest.mark.parametrize(("headers", "message"), [
    (EN, "A rating can be changed only within 30 days of the service."),
    (ZH, "评分只能在服务后 30 天内修改。"),
])
def test_after_thirty_days_the_change_is_refused_and_says_why(rated, client, login_as, headers, message):
    _w, user, (first, _second), _other = rated
    age(first, 30.01)
    login_as(user)
    refused = client.post(path(first), headers=headers, data={"stars": "1", "comment": "后来才发现不好"})
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert message in page
    assert (rating(first.id).stars, rating(first.id).comment) == (5, "很好")
    assert events("voucher.rating_changed") == []
    shown = client.get(path(first), headers=headers)  # the page itself says it can no longer be changed
    assert shown.status_code == 200 and 'id="rating-closed"' in shown.get_data(as_text=True)
    assert 'id="change-rating-form"' not in shown.get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed(rated, client, login_as):
    _w, user, (_first, second), _other = rated
    login_as(user)
    refused = client.post(path(second), headers=EN, data={"stars": "4", "comment": "好" * 1001})
    assert refused.status_code == 422
    page = html.unescape(refused.get_data(as_text=True))
    assert "A comment has at most 1000 characters." in page
    assert "好" * 1001 in page
    assert re.findall(r'<input[^>]*name="stars"[^>]*value="(\d)"[^>]*checked', page) == ["4"]
    refused = client.post(path(second), headers=EN, data={"comment": "忘了选星"})
    assert refused.status_code == 422 and "Choose from 1 to 5 stars." in refused.get_data(as_text=True)
    assert "忘了选星" in html.unescape(refused.get_data(as_text=True))
    assert rating(second.id).comment == "送餐稍晚"


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_resident_gets_not_found(rated, client, login_as, method):
    w, _user, (_first, second), other_user = rated
    login_as(other_user)
    response = getattr(client, method)(path(second), data={"stars": "1"} if method == "post" else None)
    assert response.status_code == 404
    assert rating(second.id).stars == 4 and events("voucher.rating_changed") == []


def test_a_provider_cannot_change_a_residents_rating(rated, client, login_as):
    w, _user, (_first, second), _other = rated
    login_as(w.manager)
    assert client.post(path(second), data={"stars": "5"}).status_code == 404
    assert rating(second.id).stars == 4


def test_anonymous_is_sent_to_log_in(rated, client, login_as):
    _w, user, (_first, second), _other = rated
    login_as(user)
    logout(client)
    for response in (client.get(path(second)), client.post(path(second), data={"stars": "1"})):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert rating(second.id).stars == 4


def test_a_redemption_not_rated_yet_has_no_change_page(client, login_as, voucher_redemption):
    user, made = voucher_redemption
    login_as(user)
    assert client.get(path(made)).status_code == 404


def test_the_change_needs_the_forms_csrf_token(rated, app, client, login_as, monkeypatch):
    _w, user, (_first, second), _other = rated
    login_as(user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = client.post(path(second), headers=EN, data={"stars": "1"})
    assert refused.status_code in (400, 422)
    assert rating(second.id).stars == 4
    page = client.get(path(second)).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post(path(second), headers=EN, data={"csrf_token": token, "stars": "1"})
    assert done.status_code == 302 and rating(second.id).stars == 1


def test_community_staff_change_it_for_a_resident_of_their_community_and_go_back_to_the_resident(rated, client,
                                                                                                login_as):
    """Whoever may rate for the resident (the resident, or their community's staff: permissions.can_rate) may
    change the rating; staff go back to the resident's page."""
    w, _user, (_first, second), _other = rated
    login_as(w.staff)
    done = client.post(path(second), data={"stars": "3", "comment": ""})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/vouchers/residents/{second.resident_id}")
    assert (rating(second.id).stars, rating(second.id).comment) == (3, "")
    [event] = events("voucher.rating_changed")
    assert event.actor_id == w.staff.id


def test_a_reversed_redemptions_rating_cannot_be_changed(rated, app, client, login_as):
    """A dispute upheld reversed the redemption: its rating stays as it was, and the page offers no change."""
    w, user, (_first, second), _other = rated
    with app.test_request_context():
        found = db.session.get(Redemption, second.id)
        dispute = disputes.raise_dispute(found, "没有送到", actor=user)
        disputes.decide_dispute(dispute, True, "核实未送达", actor=w.officer)
    db.session.commit()
    with app.test_request_context(), pytest.raises(Conflict):
        catalogue.change_rating(db.session.get(Redemption, second.id), 1, "", actor=user)
    login_as(user)
    stale = client.post(path(second), data={"stars": "1"}, headers={"Accept-Language": "en"})
    assert stale.status_code == 409  # reversed after the page was opened: as it is now, saying why
    assert "A reversed redemption cannot be rated." in stale.get_data(as_text=True)
    assert 'id="rating-closed"' in stale.get_data(as_text=True)
    assert rating(second.id).stars == 4
    assert 'id="change-rating-form"' not in client.get(path(second)).get_data(as_text=True)
    assert f'href="{path(second)}"' not in client.get("/vouchers/me/redemptions").get_data(as_text=True)
