"""An organisation's contact phone is read as people type it (spaces or hyphens between the groups, full-width digits
from a Chinese IME, an area code in brackets) and stored in its canonical ASCII form, on the application page, in an
edit and through the API; a number that is none is still refused, its reason beside the field, the typed text kept,
and nothing saved."""

import html
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from orgs import services
from orgs.models import Organisation
from orgs.validation import typed_contact_phone
from tests.factories import make_user
from tests.orgs.helpers import org_data
from tests.orgs.test_views import form_for
from tests.projects.contract_helpers import bearer

WRONG = "Enter a mobile number (11 digits) or a landline with area code."


@pytest.mark.parametrize(("typed", "stored"), [
    ("138 0013 8000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),  # a Chinese IME's full-width digits
    ("１３８ ００１３ ８０００", "13800138000"),
    ("138-0013-8000", "13800138000"),
    (" 13800138000\n", "13800138000"),
    ("021-62345678", "021-62345678"),
    ("０２１－６２３４５６７８", "021-62345678"),
    ("021-6234-5678", "021-62345678"),
    ("(021) 6234 5678", "021-62345678"),
    ("（０２１）６２３４５６７８", "021-62345678"),
    ("021 6234 5678", "02162345678"),
    ("02162345678", "02162345678"),
])
def test_a_typed_contact_phone_is_read_as_stored(typed, stored):
    assert typed_contact_phone(typed) == stored


@pytest.mark.parametrize("typed", ["138 0013 800", "1380013800012", "12345", "021-6234567x", "1" + "٣" * 10, ""])
def test_what_is_no_phone_stays_no_phone(typed):
    assert not re.fullmatch(r"1\d{10}|0\d{2,3}-?\d{7,8}", typed_contact_phone(typed), re.ASCII)


def test_the_service_stores_the_canonical_number(session):
    org = services.create_application(org_data(contact_phone="１３８ ００１３ ８０００"), actor=make_user())
    assert org.contact_phone == "13800138000"
    services.update_application(org, org_data(name=org.name, uscc=org.uscc, contact_phone="(010) 6523-4567"),
                                actor=org.memberships[0].user)
    assert org.contact_phone == "010-65234567"


def test_the_application_page_takes_a_phone_typed_with_spaces_and_full_width_digits(client, session, login_as):
    login_as(make_user())
    data = org_data()
    response = client.post("/orgs/apply", data={**form_for(data), "contact_phone": "１３８ ００１３ ８０００"})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == data.name))
    assert org.contact_phone == "13800138000"


def test_a_wrong_number_is_refused_beside_its_field_and_kept(client, session, login_as):
    login_as(make_user())
    data = org_data()
    before = db.session.scalar(select(func.count(Organisation.id)))
    response = client.post("/orgs/apply", headers={"Accept-Language": "en"},
                           data={**form_for(data), "contact_phone": "138 0013 800"})
    assert response.status_code == 422  # (it answered 200)
    page = html.unescape(response.get_data(as_text=True))
    beside = re.search(r'<input[^>]*id="contact_phone"[^>]*>\s*<div id="contact_phone-error"[^>]*>(.*?)</div></div>',
                       page, re.S)
    assert beside is not None and WRONG in beside.group(1)
    assert 'value="138 0013 800"' in beside.group(0)  # what was typed, to correct
    assert 'aria-invalid="true"' in beside.group(0)
    assert db.session.scalar(select(func.count(Organisation.id))) == before


def test_the_api_stores_the_canonical_number(client, session):
    applicant = make_user()
    data = org_data()
    body = {"name": data.name, "kind": data.kind, "uscc": data.uscc, "legal_representative": "李明",
            "registration_authority": "东城区民政局", "registered_on": "2020-05-01", "address": "东城区幸福大街1号",
            "contact_name": "李明", "contact_phone": "０１０－６５２３ ４５６７", "category_ids": data.category_ids,
            "community_ids": data.community_ids}
    response = client.post("/api/v1/orgs", json=body, headers=bearer(applicant))
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Organisation, response.get_json()["id"]).contact_phone == "010-65234567"
    wrong = client.post("/api/v1/orgs", json={**body, "name": data.name + "二", "contact_phone": "138 0013 800"},
                        headers=bearer(applicant))
    assert wrong.status_code == 422
    assert "contact_phone" in wrong.get_json()["error"]["fields"]
