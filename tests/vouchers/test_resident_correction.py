"""Correcting a resident's record (an address, a community) does not need the ID number typed again: left empty it
stays as it is; typed, it is checked and replaced."""

import html

from accounts.enums import Role
from core.db import db
from core.personal import decrypt
from tests.factories import make_user

from .helpers import id_number, resident

EN = {"Accept-Language": "en"}


def form_of(profile, **changes) -> dict:
    return {"real_name": profile.real_name, "id_number": "", "community_id": str(profile.community_id),
            "address": profile.address or "", "note": "", **changes}


def test_staff_correct_the_address_without_typing_the_id_number_again(client, login_as, session):
    staff = make_user(Role.COMMUNITY_STAFF)
    profile = resident(staff)
    number = decrypt(profile.id_number_enc)
    db.session.commit()
    login_as(staff)
    page = html.unescape(client.get(f"/vouchers/residents/{profile.id}", headers=EN).text)
    assert f"Leave empty to keep {profile.id_masked}." in page
    response = client.post(f"/vouchers/residents/{profile.id}", data=form_of(profile, address="和平里3号楼2单元"))
    assert response.status_code == 302
    db.session.expire_all()
    assert profile.address == "和平里3号楼2单元" and decrypt(profile.id_number_enc) == number
    other = id_number()
    response = client.post(f"/vouchers/residents/{profile.id}", data=form_of(profile, id_number=other))
    assert response.status_code == 302
    db.session.expire_all()
    assert decrypt(profile.id_number_enc) == other  # typed: replaced
    response = client.post(f"/vouchers/residents/{profile.id}", data=form_of(profile, id_number="123"), headers=EN)
    assert response.status_code == 422 and "This is not a valid resident ID number." in html.unescape(response.text)
