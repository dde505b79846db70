"""A resident asking to be verified with an ID number already on record (their community registered them without a
phone, say) is told what to do — take the card to the community office they chose, where staff can set up a log-in
for that record — not only "already registered", which left them stuck at the form. Staff keep the short answer."""

from datetime import date

import pytest
from sqlalchemy import func, select

from accounts import residents
from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from core import personal
from core.db import db
from core.errors import Conflict
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import resident
from .test_staff_resident_pages import staff_of


@pytest.fixture
def registered(app, session):
    staff = staff_of("和平社区")
    with app.test_request_context():
        someone = resident(staff, birth=date(1941, 2, 3))
    db.session.commit()
    return staff, someone


def profiles() -> int:
    return db.session.scalar(select(func.count(ResidentProfile.id)))


def test_the_resident_is_sent_to_the_office_of_the_community_they_chose(app, client, login_as, registered):
    staff, someone = registered
    number = personal.decrypt(someone.id_number_enc)
    login_as(make_user(Role.RESIDENT))
    chosen = community("和平社区")
    response = client.post("/vouchers/me/profile", data={
        "real_name": "王秀珍", "id_number": number, "community_id": chosen.id, "address": "和平路2号"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"请携带居民身份证到{chosen.full_name}居委会，工作人员可以为您开通登录" in page
    assert f"已登记，请咨询{chosen.full_name}居委会。" in page
    assert 'value="王秀珍"' in page and 'value="和平路2号"' in page
    assert profiles() == 1


def test_staff_registering_the_same_number_get_the_short_answer(app, registered):
    staff, someone = registered
    number = personal.decrypt(someone.id_number_enc)
    data = residents.ResidentData(real_name="王秀珍", id_number=number, community_id=community("和平社区").id)
    with app.test_request_context(), pytest.raises(Conflict) as exc:
        residents.register_without_phone(data, actor=staff)
    assert exc.value.fields == {"id_number": "已登记。"}


def test_a_form_sent_again_once_the_details_are_recorded_says_nothing_was_changed(app, client, login_as, session):
    from .helpers import REGIONS, id_number

    user = make_user(Role.RESIDENT)
    login_as(user)
    chosen = community("和平社区")
    first = client.post("/vouchers/me/profile", data={"real_name": "李桂英", "community_id": chosen.id,
                                                      "id_number": id_number(date(1945, 5, 6), 7, REGIONS[0])})
    assert first.status_code == 302 and profiles() == 1
    again = client.post("/vouchers/me/profile", data={}, headers={"Accept-Language": "en"}, follow_redirects=True)
    assert again.request.path == "/vouchers/me"
    assert "Your details are already recorded: nothing was changed." in again.get_data(as_text=True)
    assert profiles() == 1
    assert db.session.scalar(select(ResidentProfile.real_name)) == "李桂英"
