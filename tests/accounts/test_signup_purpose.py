"""Sign-up asks what the account is for. A resident's account gets the resident role and goes straight to the next
step (telling the community who they are); before, a self-signed-up resident had no role and met a bare 403 on
the voucher pages. An account with no role (signed up for an organisation) can still ask to be a resident."""

import pytest
from sqlalchemy import func, select

from accounts import residents
from accounts.enums import Role
from accounts.models import User
from accounts.resident_models import ResidentProfile, ResidentStatus
from core.db import db
from core.errors import Forbidden
from tests.factories import login, make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import id_number


def sign_up(client, username: str, **extra):
    return client.post("/signup", data={"username": username, "display_name": "赵桂兰", "password": "guilan-pass-1",
                                        "confirm": "guilan-pass-1", **extra})


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_a_resident_signs_up_and_is_shown_the_next_step(client, session):
    response = sign_up(client, "zhaoguilan", purpose="resident")
    assert response.status_code == 302 and response.headers["Location"].endswith("/vouchers/me/profile")
    assert user("zhaoguilan").role_names == {"resident"}
    page = client.get("/vouchers/me/profile")
    assert page.status_code == 200 and 'name="id_number"' in page.text


def test_an_organisation_sign_up_has_no_role_and_may_later_ask_to_be_a_resident(client, session):
    response = sign_up(client, "xinyuan", purpose="organisation")
    assert response.status_code == 302 and not response.headers["Location"].endswith("/vouchers/me/profile")
    assert user("xinyuan").role_names == set()
    assert 'id="go-become-resident"' in client.get("/").text
    response = client.post("/vouchers/me/profile", data={
        "real_name": "赵桂兰", "id_number": id_number(), "community_id": str(community().id), "address": "和平里1号"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user("xinyuan").role_names == {"resident"}
    profile = db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == user("xinyuan").id))
    assert profile.status == ResidentStatus.PENDING


def test_a_purpose_not_offered_is_refused_and_creates_nobody(client, session):
    response = sign_up(client, "sneaky", purpose="admin")
    assert response.status_code == 422 and user("sneaky") is None


def test_staff_accounts_do_not_become_residents_by_themselves(client, session, login_as):
    officer = make_user(Role.OFFICER)
    login_as(officer)
    assert client.get("/vouchers/me/profile").status_code == 403


def test_nobody_gives_themselves_another_role_at_sign_up(app, session):
    with app.test_request_context(), pytest.raises(Forbidden):
        residents.accounts.create_user("selfadmin", "某人", "long-enough-pass", [Role.ADMIN], self_signup=True)


def test_a_resident_signs_up_with_only_a_mobile_number_and_logs_in_with_it(app, client, session):
    """No user name to invent: the number is the log-in name. (Before, the web form required a user name.)"""
    response = sign_up(client, "", phone="13911112222", purpose="resident")
    assert response.status_code == 302
    made = user("13911112222")
    assert made is not None and made.phone == "13911112222" and made.role_names == {"resident"}
    assert login(app.test_client(), "13911112222", "guilan-pass-1").status_code == 302


def test_neither_a_user_name_nor_a_number_is_refused_beside_the_field(client, session):
    before = db.session.scalar(select(func.count(User.id)))
    response = sign_up(client, "", phone="", purpose="resident")
    assert response.status_code == 422 and 'id="username-error"' in response.text
    assert db.session.scalar(select(func.count(User.id))) == before


def test_an_account_with_a_user_name_also_logs_in_with_its_mobile_number(app, session):
    make_user(Role.RESIDENT, username="wang-shu", phone="13933334444")
    assert login(app.test_client(), "13933334444").status_code == 302
    assert login(app.test_client(), "13933334444", "wrong-password-9").status_code == 422  # still the password


def test_nobody_takes_a_number_as_their_user_name_and_with_it_its_owners_log_ins(app, client, session):
    """A user name that is a mobile number must be the account's own: else signing up as '13955556666' would send
    that number's owner's log-ins (and failed attempts, and lockout) to the impostor's account."""
    make_user(username="owner-one", phone="13955556666")
    before = db.session.scalar(select(func.count(User.id)))
    response = sign_up(client, "13955556666", purpose="resident")
    assert response.status_code == 422 and "必须是本账号自己的手机号码" in response.text
    assert db.session.scalar(select(func.count(User.id))) == before
    browser = app.test_client()
    assert login(browser, "13955556666").status_code == 302
    assert "owner-one" in browser.get("/account").text


def test_a_failed_log_in_by_number_is_recorded_against_the_account(app, session):
    from audit.models import AuditEvent

    owner = make_user(username="owner-two", phone="13966667777")
    assert login(app.test_client(), "13966667777", "wrong-guess-1").status_code == 422
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
                              .order_by(AuditEvent.seq.desc()))
    assert event.target_id == str(owner.id) and '"known_user":true' in event.data


def test_the_lockout_counts_the_number_and_the_user_name_as_one_account(app, session):
    """Typing the number instead of the user name does not buy another five guesses."""
    make_user(username="li-ayi", phone="13977778888")
    for typed in ("li-ayi", "13977778888", "li-ayi", "13977778888", "li-ayi"):
        assert login(app.test_client(), typed, "wrong-guess-1").status_code == 422
    assert login(app.test_client(), "13977778888").status_code == 429
    assert login(app.test_client(), "li-ayi").status_code == 429


def test_a_number_typed_with_a_chinese_keyboard_or_in_groups_is_read(app, client, session):
    """Full-width digits (a Chinese IME's) and the spaces or hyphens people write between groups, at sign-up and at
    log-in alike."""
    response = sign_up(client, "", phone="１３９ ２２２２-３３３３", purpose="resident")
    assert response.status_code == 302
    assert user("13922223333").phone == "13922223333"
    assert login(app.test_client(), "139 2222 3333", "guilan-pass-1").status_code == 302
    assert login(app.test_client(), "１３９２２２２３３３３", "guilan-pass-1").status_code == 302


def test_an_organisation_signs_up_and_is_shown_the_next_step(client, session):
    """It landed on the home page, the residents' vouchers first."""
    response = sign_up(client, "heping", purpose="organisation")
    assert response.status_code == 302 and response.headers["Location"].endswith("/orgs/mine")
    assert 'href="/orgs/apply"' in client.get("/orgs/mine").text
