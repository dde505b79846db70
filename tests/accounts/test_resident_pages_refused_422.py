"""The residents' pages answer a refused POST with 422 and the form as typed (DESIGN rule 7), as the login page now
does: community staff registering and correcting a resident, suspending one, setting a password with one; a resident
asking to be verified, and raising a need. (The ID numbers read off a card are never shown again: by design.)"""

from datetime import date

from sqlalchemy import func, select

from accounts import services as accounts
from accounts.enums import Role
from accounts.need_models import ResidentNeed
from accounts.resident_models import ResidentProfile, ResidentStatus
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import id_number, resident
from tests.vouchers.test_staff_resident_pages import staff_of

BAD_ID = "110105194912310021"  # its check character is wrong


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_registering_a_resident_with_a_bad_id_number(client, login_as, session):
    login_as(staff_of("和平社区"))
    response = client.post("/vouchers/residents/new", data={
        "real_name": "钱淑珍", "id_number": BAD_ID, "community_id": community("和平社区").id, "address": "幸福路8号"})
    assert response.status_code == 422
    assert 'value="钱淑珍"' in response.text and f'value="{BAD_ID}"' in response.text
    assert 'value="幸福路8号"' in response.text and "请核对 18 位号码" in response.text
    assert count(ResidentProfile) == 0


def test_staff_correcting_a_record_with_a_bad_id_number(client, login_as, session):
    staff = staff_of("和平社区")
    profile = resident(staff)
    db.session.commit()
    login_as(staff)
    response = client.post(f"/vouchers/residents/{profile.id}", data={
        "real_name": "改过的名字", "id_number": BAD_ID, "community_id": profile.community_id, "address": "新地址1号"})
    assert response.status_code == 422
    assert 'value="改过的名字"' in response.text and 'value="新地址1号"' in response.text
    db.session.refresh(profile)
    assert profile.real_name != "改过的名字"


def test_staff_suspending_without_a_reason_or_setting_a_short_password(client, login_as, session):
    staff = staff_of("和平社区")
    profile = resident(staff)
    db.session.commit()
    login_as(staff)
    suspended = client.post(f"/vouchers/residents/{profile.id}/status/suspended", data={"reason": ""})
    assert suspended.status_code == 422
    db.session.refresh(profile)
    assert profile.status == ResidentStatus.VERIFIED
    short = client.post(f"/vouchers/residents/{profile.id}/password", data={
        "reset-card_number": id_number(date(1950, 3, 1), 999), "reset-password": "short", "reset-confirm": "short"})
    assert short.status_code == 422 and 'id="password-form"' in short.text


def test_a_resident_asking_to_be_verified_with_a_bad_id_number(client, login_as, session):
    login_as(make_user(Role.RESIDENT))
    response = client.post("/vouchers/me/profile", data={
        "real_name": "孙玉兰", "id_number": BAD_ID, "community_id": community("和平社区").id, "address": "光明路2号"})
    assert response.status_code == 422
    assert 'value="孙玉兰"' in response.text and 'value="光明路2号"' in response.text
    assert count(ResidentProfile) == 0


def test_a_resident_raising_a_need_without_saying_what(client, login_as, session):
    staff = staff_of("和平社区")
    profile = resident(staff)
    accounts.reset_password(profile.user, "correct-horse-1", actor=staff)
    db.session.commit()
    login_as(profile.user)
    response = client.post("/needs/mine", data={"category": "elderly_care", "description": "  ",
                                                "wants_contact": "y"})
    assert response.status_code == 422
    assert "请填写需求内容" in response.text and count(ResidentNeed) == 0
    assert '<option selected value="elderly_care">' in response.text  # what it is about, as chosen
    assert '<input checked class="form-check-input" id="wants_contact"' in response.text
