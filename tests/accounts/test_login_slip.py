"""The login slip staff print for a resident registered without a phone: the login name in groups of digits, the
site, no password; only for staff who look after the resident, and only for a resident's account."""

from datetime import date

import pytest

from accounts import residents
from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from tests.factories import login, make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import id_number


@pytest.fixture
def registered(session):
    staff = make_user(Role.COMMUNITY_STAFF, username="slip-staff")
    data = residents.ResidentData(real_name="李桂芳", id_number=id_number(date(1941, 6, 6)),
                                  community_id=community().id)
    profile = residents.register_without_phone(data, actor=staff)
    db.session.commit()
    return profile


def slip_of(client, profile, **kwargs):
    return client.get(f"/residents/{profile.id}/login-slip", **kwargs)


def test_staff_print_the_login_name_in_groups_and_no_password(client, registered):
    login(client, "slip-staff")
    response = slip_of(client, registered)
    assert response.status_code == 200
    name = registered.user.username
    assert f'id="slip-login-name"><span>{name[:3]}</span><span>{name[3:]}</span></dd>' in response.text
    assert 'id="slip-site">http://localhost/<' in response.text and "李桂芳" in response.text
    assert "您在社区办公室自己设置的密码" in response.text and 'id="print-page" hidden' in response.text
    assert "js/print_button.js" in response.text
    english = slip_of(client, registered, headers={"Accept-Language": "en"}).text
    assert "Your log-in to Gongzhi" in english and "Login name" in english


def test_others_may_not_see_it(app, client, registered):
    make_user(Role.RESIDENT, username="nosy-resident")
    login(client, "nosy-resident")
    assert slip_of(client, registered).status_code == 403
    other_community = make_user(Role.COMMUNITY_STAFF, username="elsewhere")
    accounts.set_communities(other_community, [community("别的社区").id], actor=make_user(Role.ADMIN))
    db.session.commit()
    elsewhere = app.test_client()
    login(elsewhere, "elsewhere")
    assert slip_of(elsewhere, registered).status_code == 404  # as the staff's resident pages answer
    assert app.test_client().get(f"/residents/{registered.id}/login-slip").status_code == 302  # log in first


def test_not_for_an_account_that_is_more_than_a_residents(client, registered):
    admin = make_user(Role.ADMIN)
    accounts.set_roles(registered.user, [Role.RESIDENT, Role.OFFICER], actor=admin)
    db.session.commit()
    login(client, "slip-staff")
    assert slip_of(client, registered).status_code == 403
