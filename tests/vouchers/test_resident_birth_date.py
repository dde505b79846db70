"""An ID number whose date of birth (characters 7 to 14) cannot be a living resident's — in the future, or before
1900 — is refused beside the number, as a typo there would otherwise pass whenever the check character happened to
match: staff registered a resident "born 2030-01-01" (and corrected one to 1800-01-01) and both were verified."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accounts import residents
from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import id_number, resident
from .test_staff_resident_pages import staff_of


def data(number: str) -> residents.ResidentData:
    return residents.ResidentData(real_name="赵长庚", id_number=number, community_id=community().id)


def profiles() -> int:
    return db.session.scalar(select(func.count(ResidentProfile.id)))


@pytest.mark.parametrize("birth", [local_today() + timedelta(days=1), date(2030, 1, 1), date(1899, 12, 31),
                                   date(1800, 1, 1)])
def test_an_impossible_date_of_birth_is_refused_beside_the_number(app, session, birth):
    staff = make_user(Role.COMMUNITY_STAFF)
    with app.test_request_context(), pytest.raises(ServiceError) as exc:
        residents.register_without_phone(data(id_number(birth)), actor=staff)
    assert birth.isoformat() in exc.value.fields["id_number"]
    assert profiles() == 0


@pytest.mark.parametrize("birth", [local_today(), date(1900, 1, 1), date(1930, 5, 4)])
def test_a_possible_date_of_birth_is_taken(app, session, birth):
    staff = make_user(Role.COMMUNITY_STAFF)
    with app.test_request_context():
        profile = residents.register_without_phone(data(id_number(birth)), actor=staff)
    assert profile.birth_date == birth


def test_the_registration_form_says_so_and_keeps_what_was_typed(app, client, login_as, session):
    staff = staff_of("和平社区")
    login_as(staff)
    number = id_number(date(2030, 1, 1))
    response = client.post("/vouchers/residents/new", data={
        "real_name": "赵长庚", "id_number": number, "community_id": community("和平社区").id,
        "address": "和平路1号"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "身份证号码中的出生日期（2030-01-01）晚于今天" in page
    assert f'value="{number}"' in page and 'value="和平路1号"' in page
    assert profiles() == 0


def test_a_correction_to_an_impossible_date_of_birth_changes_nothing(app, client, login_as, session):
    staff = staff_of("和平社区")
    with app.test_request_context():
        someone = resident(staff, birth=date(1940, 3, 15))
    db.session.commit()
    login_as(staff)
    response = client.post(f"/vouchers/residents/{someone.id}", data={
        "real_name": someone.real_name, "id_number": id_number(date(1800, 1, 1)),
        "community_id": someone.community_id})
    assert response.status_code == 422
    assert "身份证号码中的出生日期（1800-01-01）过早" in response.get_data(as_text=True)
    db.session.refresh(someone)
    assert someone.birth_date == date(1940, 3, 15)


def test_a_resident_asking_to_be_verified_is_told_too(app, client, login_as, session):
    user = make_user(Role.RESIDENT)
    login_as(user)
    response = client.post("/vouchers/me/profile", data={
        "real_name": "赵长庚", "id_number": id_number(date(2030, 1, 1)), "community_id": community("和平社区").id})
    assert response.status_code == 422
    assert "晚于今天" in response.get_data(as_text=True)
    assert profiles() == 0
