"""Registering a resident whose ID number is on record in another community (a resident who moved): staff are told
who can move the record (the street office's community staff, who look after every community, or an administrator:
moving needs someone who looks after both communities), without being told which community holds it; that path
works, and the record then appears in their list. Staff who look after the record's community are told where it is."""

import html

from accounts.enums import Role
from accounts.resident_models import ResidentProfile
from core import personal
from core.db import db
from tests.factories import logout, make_user
from tests.orgs.helpers import community

from .helpers import resident
from .test_resident_correction import form_of
from .test_staff_resident_pages import staff_of


def new_resident_form(number: str, community_name: str) -> dict:
    return {"real_name": "王秀珍", "id_number": number, "community_id": str(community(community_name).id)}


def test_staff_elsewhere_are_told_who_can_move_the_resident_and_that_path_works(app, client, login_as, session):
    old_staff, new_staff, street_staff = staff_of("和平社区"), staff_of("平安社区"), staff_of()
    with app.test_request_context():
        moved = resident(old_staff)
    number = personal.decrypt(moved.id_number_enc)
    db.session.commit()
    login_as(new_staff)
    response = client.post("/vouchers/residents/new", data=new_resident_form(number, "平安社区"))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "已在非您负责的社区登记" in page and "街道" in page and "管理员" in page
    assert "和平社区" not in page  # not where they are
    assert db.session.query(ResidentProfile).count() == 1
    # The street office's staff (no community assigned: every one) move the record; it is then the new staff's.
    logout(client)
    login_as(street_staff)
    response = client.post(f"/vouchers/residents/{moved.id}",
                           data=form_of(moved, community_id=str(community("平安社区").id)))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ResidentProfile, moved.id).community_id == community("平安社区").id
    logout(client)
    login_as(new_staff)
    assert client.get(f"/vouchers/residents/{moved.id}").status_code == 200
    assert f"/vouchers/residents/{moved.id}" in client.get("/vouchers/residents").get_data(as_text=True)


def test_staff_of_the_records_community_are_told_where_it_is(app, client, login_as, session):
    staff = staff_of("和平社区", "平安社区")
    with app.test_request_context():
        someone = resident(staff)
    db.session.commit()
    login_as(staff)
    response = client.post("/vouchers/residents/new",
                           data=new_resident_form(personal.decrypt(someone.id_number_enc), "平安社区"))
    page = html.unescape(response.get_data(as_text=True))
    assert community("和平社区").full_name in page and "更改其所在社区" in page


def test_an_officer_manages_no_residents(client, login_as, session):
    login_as(make_user(Role.OFFICER))
    assert client.get("/vouchers/residents/new").status_code == 403
