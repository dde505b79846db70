"""What a resident who signed up with only a mobile number, the community staff who verify them and the provider
trip over on the pages (walked at phone width in both languages; tests/e2e/test_phone_journey.py walks it in a
browser): staff see the login name masked when it is the resident's mobile number (as the record's phone is not
shown to them either); verifying comes before suspending; the resident's own details form has no staff note
(it was never saved from there); sign-up says the password's rule before it is typed; a rating needs its stars
before it is sent, in the browser too, so a comment typed is not lost to a refusal; stars are read as "n of 5"."""

import re

import pytest

from accounts.enums import Role
from accounts.residents import ResidentData, submit_profile
from core.db import db
from tests.factories import login, make_user
from tests.orgs.helpers import community

from .helpers import id_number
from .test_views import phone_resident

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
PHONE = "13987650042"
NEW = "wang-nainai-2026"


@pytest.fixture
def phone_signup(app, session):
    """A resident who signed up with only a mobile number (the number is the user name), awaiting verification,
    and community staff of their community."""
    with app.test_request_context():
        staff = make_user(Role.COMMUNITY_STAFF)
        user = make_user(Role.RESIDENT, username=PHONE, phone=PHONE)
        number = id_number()
        profile = submit_profile(user, ResidentData("王秀芳", number, community("和平社区").id), actor=user)
    db.session.commit()
    return staff, profile, number


def test_staff_see_a_mobile_login_name_masked_and_the_reset_says_so(client, login_as, phone_signup):
    staff, profile, number = phone_signup
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).text
    assert 'id="login-name">their mobile number, 139****0042<' in page
    assert PHONE not in page
    done = client.post(f"/vouchers/residents/{profile.id}/password", headers=ZH, data={
        "reset-card_number": number, "reset-password": NEW, "reset-confirm": NEW})
    assert done.status_code == 302
    after = client.get(done.headers["Location"], headers=ZH).text
    assert "新密码已设置。居民用本人手机号 139****0042 登录。" in after
    assert PHONE not in after


def test_a_user_name_that_is_not_the_phone_is_shown_as_it_is(app, client, login_as):
    with app.test_request_context():
        staff = make_user(Role.COMMUNITY_STAFF)
        user, profile = phone_resident(staff, "李桂兰")
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).text
    assert f'id="login-name">{user.username}<' in page


def test_verifying_comes_before_suspending(client, login_as, phone_signup):
    staff, profile, _number = phone_signup
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}", headers=EN).text
    assert 0 < page.index('id="verified-form"') < page.index('id="suspended-form"')


def test_the_residents_own_details_form_has_no_staff_note(client, login_as, app, session):
    with app.test_request_context():
        user = make_user(Role.RESIDENT, username="13987650043", phone="13987650043")
    db.session.commit()
    login_as(user)
    page = client.get("/vouchers/me/profile", headers=EN).text
    assert 'name="real_name"' in page and 'name="id_number"' in page and 'name="address"' in page
    assert 'name="note"' not in page


def test_sign_up_says_the_passwords_rule_before_it_is_typed(client):
    page = client.get("/signup", headers=ZH).text
    field = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert 'aria-describedby="password-help"' in field
    assert '<div class="form-text" id="password-help">至少 8 个字符。</div>' in page
    assert 'id="signup-form"' in page and 'name="phone"' in page


def test_stars_are_required_in_the_browser_and_read_as_n_of_5(client, voucher_redemption, login_as):
    user, made = voucher_redemption
    login_as(user)
    page = client.get("/vouchers/me/redemptions", headers=EN).text
    form = re.search(r'<form[^>]*class="rate-form[^"]*"[^>]*>', page).group(0)
    assert "novalidate" not in form  # the browser refuses a rating without stars, keeping the comment typed
    assert len(re.findall(rf'id="stars-{made.id}-\d"[^>]*required', page)) == 5
    assert "1 of 5 stars" in page and "1 stars" not in page
    assert re.search(r'<textarea[^>]*name="reason"[^>]*required', page)
    # Without the browser's check the server still refuses, and nothing is rated.
    refused = client.post(f"/vouchers/redemptions/{made.id}/rate", headers=EN, data={"comment": "很好"})
    assert refused.status_code == 422  # shown again, the comment kept and the reason beside the stars
    assert f'id="stars-{made.id}-error"' in refused.text and "Choose from 1 to 5 stars." in refused.text
    assert re.search(r'<textarea[^>]*name="comment"[^>]*>很好</textarea>', refused.text)


def test_an_empty_details_form_says_what_each_field_needs(app, client, session):
    """Not WTForms' generic "This field is required.", which told an elderly resident nothing."""
    user = make_user(Role.RESIDENT)
    assert login(client, user.username).status_code == 302
    page = client.post("/vouchers/me/profile", headers={"Accept-Language": "zh-CN"},
                       data={"real_name": "", "id_number": "", "community_id": ""}).get_data(as_text=True)
    for message in ("请填写身份证上的真实姓名。", "请填写身份证号码。", "请选择所在社区。"):
        assert message in page, message
