"""The provider's service form says every reason on the first refusal (a phone number that is none was said only once
the name and the price were right: the form was refused twice), and its service area is a group of tick boxes, as an
organisation's communities are (a multi-select, held with Ctrl or ⌘, was missed by most and hard on a phone)."""

import html
import re

from sqlalchemy import select

from core.db import db
from tests.orgs.helpers import category, community
from vouchers.models import VoucherService

from .test_service_price_input import EN, counts

BAD_PHONE = "Enter a mobile number, or a landline with its area code (021-62345678)."


def beside(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="field-errors">(.*?)</div></div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def test_a_bad_phone_is_said_with_the_empty_name_on_the_first_refusal(provider_world, client, login_as):
    login_as(provider_world.manager)
    before = counts()
    response = client.post(f"/vouchers/provider/{provider_world.org.id}/services/new", headers=EN, data={
        "name": "", "category_id": str(category("elderly").id), "price_fen": "20", "booking_phone": "12345",
        "location": "上" * 201})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert beside(page, "name") == "Give the service a name of up to 120 characters."
    assert beside(page, "booking_phone") == BAD_PHONE
    assert beside(page, "location") == "At most 200 characters."
    assert page.count(BAD_PHONE) == 1
    db.session.expire_all()
    assert counts() == before


def test_editing_says_the_phone_with_a_price_it_could_not_read(provider_world, client, login_as):
    login_as(provider_world.manager)
    service = provider_world.service
    response = client.post(f"/vouchers/services/{service.id}/edit", headers=EN, data={
        "name": service.name, "category_id": str(service.category_id), "price_fen": "1e5",
        "booking_phone": "010", "active": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert beside(page, "price_fen") == "Enter an amount in yuan, with at most two decimals."
    assert beside(page, "booking_phone") == BAD_PHONE
    db.session.refresh(service)
    assert service.booking_phone == ""


def test_the_service_area_is_ticked(provider_world, client, login_as):
    login_as(provider_world.manager)
    org = provider_world.org
    here, there = community("和平社区"), community("平安社区")
    page = client.get(f"/vouchers/provider/{org.id}/services/new", headers=EN).get_data(as_text=True)
    assert "<select" not in page.split('name="community_ids"', 1)[0].rsplit("<fieldset", 1)[-1]
    area = page.split('<fieldset class="mb-3 big-choices"', 1)[1].split("</fieldset>", 1)[0]
    assert "Service area (none ticked: anywhere)" in area
    assert f'type="checkbox" value="{here.id}"' in area and f'type="checkbox" value="{there.id}"' in area
    assert "multiple" not in page.split('name="community_ids"', 1)[1].split(">", 1)[0]

    response = client.post(f"/vouchers/provider/{org.id}/services/new", headers=EN, data={
        "name": "上门理发", "category_id": str(category("elderly").id), "price_fen": "20", "active": "y",
        "community_ids": [str(here.id), str(there.id)]})
    assert response.status_code == 302
    made = db.session.scalar(select(VoucherService).where(VoucherService.name == "上门理发"))
    assert sorted(c.id for c in made.communities) == sorted([here.id, there.id])

    page = client.get(f"/vouchers/services/{made.id}/edit", headers=EN).get_data(as_text=True)
    for place in (here, there):
        assert re.search(rf'<input checked[^>]*type="checkbox" value="{place.id}"', page), place.name


def test_the_service_area_in_chinese(provider_world, client, login_as):
    login_as(provider_world.manager)
    page = client.get(f"/vouchers/provider/{provider_world.org.id}/services/new").get_data(as_text=True)
    assert "服务范围（不勾选则不限）" in page
