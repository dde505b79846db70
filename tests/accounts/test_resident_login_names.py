"""Residents registered by community staff without a phone log in under seven digits (accounts.login_names), which an
elderly resident can read out and type on a phone's number pad; they were 'r' and twelve hex characters."""

from datetime import date

import pytest

from accounts import login_names, residents
from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from tests.factories import login, make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import id_number

NEW_PASSWORD = "zhang-new-pass-8"


@pytest.fixture
def staff(session):
    return make_user(Role.COMMUNITY_STAFF)


def register(staff, born: date):
    data = residents.ResidentData(real_name="张秀英", id_number=id_number(born), community_id=community().id)
    profile = residents.register_without_phone(data, actor=staff)
    db.session.commit()
    return profile


def test_the_login_name_is_seven_digits_not_starting_with_0_or_1(staff):
    names = [register(staff, date(1940, 1, day)).user.username for day in range(1, 13)]
    for name in names:
        assert len(name) == 7 and name.isascii() and name.isdigit() and name[0] not in "01", name
        assert login_names.is_digit_login_name(name)
    assert len(set(names)) == len(names)


def test_a_name_taken_by_anyone_is_never_given_again(staff, monkeypatch):
    make_user(username="2345678")  # taken (a self-signed-up user may choose digits too)
    resident = register(staff, date(1941, 2, 2)).user.username  # taken by a resident
    free = "8765432" if resident != "8765432" else "8765433"
    picks = iter(["2345678", resident, free])
    monkeypatch.setattr(login_names, "_candidate", lambda: next(picks))
    assert register(staff, date(1942, 3, 3)).user.username == free


def test_after_many_taken_names_registration_stops_rather_than_reuse_one(staff, monkeypatch):
    make_user(username="2345678")
    monkeypatch.setattr(login_names, "_candidate", lambda: "2345678")
    with pytest.raises(RuntimeError):
        login_names.new_login_name()


def test_grouped_for_reading_and_other_names_as_they_are():
    assert login_names.grouped("2345678") == "234 5678"
    assert login_names.grouped("zhang-ayi") == "zhang-ayi"
    assert login_names.grouped("13800001234") == "13800001234"  # a mobile number: not a login name of digits
    assert not login_names.is_digit_login_name("0234567") and not login_names.is_digit_login_name("1234567")


@pytest.mark.parametrize("typed", ["{name}", "{grouped}", " {grouped} ", "{dashed}", "{fullwidth}"])
def test_the_resident_logs_in_with_the_digits_as_printed_or_typed(app, staff, typed):
    profile = register(staff, date(1938, 4, 4))
    name = profile.user.username
    accounts.reset_password(profile.user, NEW_PASSWORD, actor=staff)
    db.session.commit()
    written = typed.format(name=name, grouped=login_names.grouped(name), dashed=f"{name[:3]}-{name[3:]}",
                           fullwidth="".join(chr(ord(c) + 0xFEE0) for c in name))
    assert login(app.test_client(), written, NEW_PASSWORD).status_code == 302, written
    assert login(app.test_client(), written, "not-the-password").status_code == 422


def test_residents_named_before_keep_their_names(staff):
    user = accounts.create_user("r3f9a0c1be27d", "老居民", "old-random-pass-1", [Role.RESIDENT], actor=staff)
    db.session.commit()
    register(staff, date(1939, 5, 5))
    db.session.refresh(user)
    assert user.username == "r3f9a0c1be27d"
