"""A resident who forgot their password had nowhere to go: only an administrator could set a new one, and the login
page said nothing. Community staff who look after the resident's community now set the new password the resident
types, with the ID number read off the card (compared by keyed hash), and the lockout the resident's failed
attempts caused is lifted. An account that is more than a resident's (an officer's, say) stays the
administrators' to reset. The login page says where to go."""

import html

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.residents import ResidentData, submit_profile, transition_resident
from audit.models import AuditEvent
from core.db import db
from tests.factories import PASSWORD, login, make_user
from tests.orgs.helpers import community

from .helpers import id_number
from .helpers import resident as registered

EN = {"Accept-Language": "en"}
NEW = "lao-zhang-2026"


@pytest.fixture
def forgetful(app, session):
    """A verified resident of 和平社区 who logs in (user name zhang-ayi), and staff of that community."""
    with app.test_request_context():
        staff = make_user(Role.COMMUNITY_STAFF)
        user = make_user(Role.RESIDENT, username="zhang-ayi")
        number = id_number()
        profile = submit_profile(user, ResidentData("张阿姨", number, community("和平社区").id), actor=user)
        transition_resident(profile, "verified", actor=staff, card_number=number)
    db.session.commit()
    return staff, user, profile, number


def resets() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "user.password_reset"))


def reset(client, profile, **fields):
    return client.post(f"/vouchers/residents/{profile.id}/password", headers=EN,
                       data={f"reset-{k}": v for k, v in fields.items()})


def test_staff_set_the_new_password_with_the_card_and_the_lockout_ends(app, client, login_as, forgetful):
    staff, user, profile, number = forgetful
    phone = app.test_client()
    assert login(phone, "zhang-ayi").status_code == 302  # logged in on her phone before she forgot it
    for _ in range(5):
        login(app.test_client(), "zhang-ayi", "wrong-guess-1")
    assert login(app.test_client(), "zhang-ayi", PASSWORD).status_code == 429  # locked out
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).get_data(as_text=True)
    assert 'id="password-form"' in page and 'id="login-name">zhang-ayi<' in page
    done = reset(client, profile, card_number=number, password=NEW, confirm=NEW)
    assert done.status_code == 302
    assert "The resident logs in as zhang-ayi." in client.get(done.headers["Location"], headers=EN).text
    assert resets() == 1
    assert phone.get("/account").status_code == 302  # the old session ended
    assert login(app.test_client(), "zhang-ayi", PASSWORD).status_code == 422  # the old password no longer works
    assert login(app.test_client(), "zhang-ayi", NEW).status_code == 302  # the new one does, lockout lifted


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"card_number": "other", "password": NEW, "confirm": NEW}, "reset-card_number", "Not the number on record."),
    ({"card_number": "", "password": NEW, "confirm": NEW}, "reset-card_number",
     "Type the ID number from the resident's card."),
    ({"card_number": "mine", "password": NEW, "confirm": NEW + "x"}, "reset-confirm", "The passwords differ."),
    ({"card_number": "mine", "password": "short", "confirm": "short"}, "reset-password", "Too short."),
    # Sent empty: each field says what is missing (it was 'This field is required.' twice, nothing by the card).
    ({"card_number": "", "password": "", "confirm": ""}, "reset-card_number",
     "Type the ID number from the resident's card."),
    ({"card_number": "", "password": "", "confirm": ""}, "reset-password", "Let the resident type their new password."),
    ({"card_number": "mine", "password": NEW, "confirm": ""}, "reset-confirm",
     "Let the resident type their new password again."),
])
def test_a_refused_reset_says_why_beside_the_field_and_changes_nothing(app, client, login_as, forgetful, fields,
                                                                       field, message):
    staff, _user, profile, number = forgetful
    card = {"other": id_number(), "mine": number}.get(fields["card_number"], fields["card_number"])
    login_as(staff)
    refused = reset(client, profile, **{**fields, "card_number": card})
    assert refused.status_code == 422
    assert f'id="{field}-error"' in refused.text and message in html.unescape(refused.text)
    assert resets() == 0
    assert login(app.test_client(), "zhang-ayi", PASSWORD).status_code == 302  # the password is unchanged


def test_an_account_that_is_more_than_a_residents_is_for_administrators(app, client, login_as, forgetful):
    staff, user, profile, number = forgetful
    with app.test_request_context():
        from accounts.services import set_roles

        set_roles(user, [Role.RESIDENT, Role.OFFICER], actor=make_user(Role.ADMIN))
    db.session.commit()
    login_as(staff)
    assert 'id="password-form"' not in client.get(f"/vouchers/residents/{profile.id}").text
    assert reset(client, profile, card_number=number, password=NEW, confirm=NEW).status_code == 403
    assert resets() == 0


def test_staff_of_another_community_cannot(app, client, login_as, forgetful):
    _staff, _user, profile, number = forgetful
    with app.test_request_context():
        other = make_user(Role.COMMUNITY_STAFF)
        from accounts.services import set_communities

        set_communities(other, [community("光明社区").id], actor=make_user(Role.ADMIN))
    db.session.commit()
    login_as(other)
    assert reset(client, profile, card_number=number, password=NEW, confirm=NEW).status_code == 404
    assert resets() == 0


def test_the_login_page_says_where_to_go_when_the_password_is_forgotten(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).text
    assert "忘记密码？" in page and "请携带身份证到所在社区办公室" in page and 'href="/signup"' in page


def test_the_page_as_a_browser_posts_it_with_its_token_and_never_echoes_the_number(app, client, login_as, forgetful,
                                                                                   monkeypatch):
    """With CSRF on, as in production: the form's own (prefixed) token goes with it. A refused reset does not send
    the full ID number typed back into the page."""
    import re

    staff, _user, profile, number = forgetful
    login_as(staff)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get(f"/vouchers/residents/{profile.id}").text
    form = re.search(r'<form[^>]*id="password-form".*?</form>', page, re.S).group(0)
    hidden = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form)
                  + re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    refused = client.post(f"/vouchers/residents/{profile.id}/password", headers=EN, data={
        **hidden, "reset-card_number": number, "reset-password": NEW, "reset-confirm": NEW + "x"})
    assert refused.status_code == 422 and "The passwords differ." in refused.text
    assert number not in refused.text
    done = client.post(f"/vouchers/residents/{profile.id}/password", headers=EN, data={
        **hidden, "reset-card_number": number, "reset-password": NEW, "reset-confirm": NEW})
    assert done.status_code == 302
    assert resets() == 1


def test_a_resident_registered_without_a_phone_is_offered_a_log_in_not_a_forgotten_password(app, client, login_as):
    with app.test_request_context():
        staff = make_user(Role.COMMUNITY_STAFF)
        profile = registered(staff)
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).get_data(as_text=True)
    assert 'id="password-heading">Let the resident log in<' in page and "has never logged in" in page
    name = profile.user.username  # seven digits, shown (and printed on the slip) in two groups
    assert f'id="login-name">{name[:3]} {name[3:]}<' in page and 'id="password-form"' in page
    assert f'href="/residents/{profile.id}/login-slip"' in page  # the slip to hand over


def test_a_resident_who_has_logged_in_is_offered_a_forgotten_password(app, client, login_as, forgetful):
    staff, user, profile, _number = forgetful
    assert login(app.test_client(), "zhang-ayi").status_code == 302
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).get_data(as_text=True)
    assert 'id="password-heading">Forgotten password<' in page and "has never logged in" not in page
