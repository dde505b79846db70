"""A resident who picked a service in the catalogue could not tell how to get it: the organisation's contact person
and phone are private, and the service said nothing of where or when. A service now carries a public booking phone,
where it is given and when; the catalogue shows them, with the phone as a link a phone can dial."""

import re

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from audit.services import decoded_data
from core.db import db
from vouchers.models import VoucherService

from .test_service_price_input import EN, counts, post_service
from .test_views import phone_resident


def test_the_provider_gives_phone_place_and_hours_and_the_catalogue_shows_them(provider_world, client, login_as):
    w = provider_world
    login_as(w.manager)
    response = post_service(client, w, booking_phone="０２１－６２３４５６７８", location="和平路88号一楼",
                            hours="每天 8:00–18:00")
    assert response.status_code == 302
    db.session.expire_all()
    service = db.session.scalar(select(VoucherService).where(VoucherService.name == "上门理发"))
    assert (service.booking_phone, service.location, service.hours) == ("021-62345678", "和平路88号一楼",
                                                                        "每天 8:00–18:00")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "voucher_service.created")
                              .order_by(AuditEvent.seq.desc()))
    data = decoded_data(event)
    assert data["booking_phone"] == "021-62345678" and data["location"] == "和平路88号一楼"

    with client.application.test_request_context():
        user, _profile = phone_resident(w.staff, "李桂兰")
    db.session.commit()
    login_as(user)
    page = client.get(f"/vouchers/catalogue?programme={w.programme.id}").get_data(as_text=True)
    assert 'href="tel:02162345678"' in page
    assert "电话预约：021-62345678" in re.sub(r"<[^>]+>", "", page)  # the number kept on one line by its own element
    assert "和平路88号一楼" in page and "每天 8:00–18:00" in page
    # The organisation's contact person stays private.
    assert w.org.contact_phone not in page


def test_editing_changes_them_and_the_audit_trail_says_what_changed(provider_world, client, login_as):
    w = provider_world
    login_as(w.manager)
    response = client.post(f"/vouchers/services/{w.service.id}/edit", headers=EN, data={
        "name": w.service.name, "category_id": str(w.service.category_id), "price_fen": "500",
        "active": "y", "booking_phone": "13800001234", "location": "上门服务", "hours": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert (w.service.booking_phone, w.service.location) == ("13800001234", "上门服务")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "voucher_service.updated")
                              .order_by(AuditEvent.seq.desc()))
    assert decoded_data(event)["changes"]["booking_phone"] == ["", "13800001234"]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"booking_phone": "12345"}, "booking_phone", "Enter a mobile number, or a landline with its area code"),
    ({"booking_phone": "021-6234567x"}, "booking_phone", "Enter a mobile number, or a landline with its area code"),
    ({"location": "路" * 201}, "location", "At most 200 characters."),
    ({"hours": "天" * 101}, "hours", "At most 100 characters."),
])
def test_bad_contact_details_are_refused_beside_the_field_and_nothing_is_saved(provider_world, client, login_as,
                                                                               fields, field, message):
    login_as(provider_world.manager)
    before = counts()
    response = post_service(client, provider_world, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    db.session.expire_all()
    assert counts() == before


def test_the_api_lists_them(provider_world, client):
    from accounts.tokens import create_token

    with client.application.test_request_context():
        w = provider_world
        w.service.booking_phone, w.service.location, w.service.hours = "400-820-8820", "上门服务", "工作日"
        token = create_token(w.manager, "t", actor=w.manager)[1]
    db.session.commit()
    body = client.get("/api/v1/vouchers/services", headers={"Authorization": f"Bearer {token}"}).get_json()
    mine = next(s for s in body["items"] if s["id"] == w.service.id)
    assert (mine["booking_phone"], mine["location"], mine["hours"]) == ("400-820-8820", "上门服务", "工作日")
