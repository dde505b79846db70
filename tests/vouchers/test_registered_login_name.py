"""Staff who register a resident without a phone are told the login name the resident will use (in two groups of
digits, as the login slip prints it) and find the slip on the resident's record."""

from datetime import date

from sqlalchemy import select

from accounts.resident_models import ResidentProfile
from core.db import db
from tests.orgs.helpers import community

from .helpers import id_number
from .test_staff_resident_pages import staff_of


def test_registering_says_the_login_name_and_the_record_offers_the_slip(client, login_as, session):
    login_as(staff_of("和平社区"))
    response = client.post("/vouchers/residents/new", data={
        "real_name": "赵长庚", "id_number": id_number(date(1941, 2, 3)), "community_id": community("和平社区").id},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    profile = db.session.scalar(select(ResidentProfile).where(ResidentProfile.real_name == "赵长庚"))
    name = profile.user.username
    assert response.status_code == 200 and name.isdigit() and len(name) == 7
    grouped = f"{name[:3]} {name[3:]}"
    assert f"居民已登记并核实。登录名为 {grouped}" in page  # the flash, in the staff member's language
    assert f'id="login-name">{grouped}<' in page
    slip = f"/residents/{profile.id}/login-slip"
    assert f'href="{slip}"' in page and grouped in client.get(slip).get_data(as_text=True).replace("</span><span>", " ")
