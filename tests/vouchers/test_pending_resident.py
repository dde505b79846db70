"""A resident whose details are not yet verified is told what to do next (take the ID card to their community
office, named), and the voucher tabs lead back there with a sentence instead of a bare 403; a suspended resident is
told to ask the office."""

import html

import pytest

from accounts.enums import Role
from accounts.residents import ResidentData, reveal_id_number, submit_profile, transition_resident
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import id_number

EN = {"Accept-Language": "en"}


@pytest.fixture
def pending(app, session):
    user = make_user(Role.RESIDENT)
    with app.test_request_context():
        profile = submit_profile(user, ResidentData("孙玉兰", id_number(), community("和平社区").id), actor=user)
    db.session.commit()
    return user, profile


def test_a_pending_resident_is_told_to_take_the_id_card_to_their_community(client, login_as, pending):
    user, _profile = pending
    login_as(user)
    page = html.unescape(client.get("/vouchers/me", headers=EN).text)
    assert "Take your resident ID card to the 幸福街道和平社区 community office" in page
    assert "携带居民身份证到幸福街道和平社区居委会" in html.unescape(client.get("/vouchers/me").text)


@pytest.mark.parametrize("path", ["/vouchers/me/code"])
def test_the_code_tab_leads_a_pending_resident_back_with_a_reason(client, login_as, pending, path):
    user, _profile = pending
    login_as(user)
    response = client.get(path, headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith("/vouchers/me")
    page = html.unescape(client.get("/vouchers/me", headers=EN).text)
    assert "You can use your vouchers once your community has verified your details." in page


def test_a_suspended_resident_is_told_to_ask_the_office(app, client, login_as, pending):
    user, profile = pending
    staff = make_user(Role.COMMUNITY_STAFF)
    with app.test_request_context():
        transition_resident(profile, "verified", actor=staff, card_number=reveal_id_number(profile, actor=staff))
        transition_resident(profile, "suspended", actor=staff, reason="已迁出")
    db.session.commit()
    login_as(user)
    page = html.unescape(client.get("/vouchers/me", headers=EN).text)
    assert "Your resident record is suspended" in page and "Take your resident ID card" not in page


def test_an_account_that_is_no_resident_still_gets_403(client, login_as, session):
    login_as(make_user(Role.OFFICER))
    assert client.get("/vouchers/me/code").status_code == 403
