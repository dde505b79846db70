"""A refused correction of a resident's record opens at the form (it posts to the page's address ending in the form's
anchor) with the first refused field focused: the reason beside it was some 2000 px below the banner at the top.
The record's other forms (verify, suspend, password) post to their own anchors too."""

import re

from accounts.enums import Role
from core.db import db
from tests.factories import make_user

from .helpers import resident
from .test_resident_correction import form_of


def tag_of(page: str, field: str) -> str:
    return re.search(rf'<(?:input|select|textarea)[^>]*\bname="{field}"[^>]*>', page).group(0)


def test_a_refused_correction_opens_at_the_form_with_the_first_refused_field_focused(client, login_as, session):
    staff = make_user(Role.COMMUNITY_STAFF)
    profile = resident(staff)
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}").get_data(as_text=True)
    action = f'action="/vouchers/residents/{profile.id}#resident-edit"'
    assert action in page and "autofocus" not in tag_of(page, "id_number")
    response = client.post(f"/vouchers/residents/{profile.id}#resident-edit", data=form_of(profile, id_number="123"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and action in page  # (refused by the service: beside its field all the same)
    assert "autofocus" in tag_of(page, "id_number") and 'aria-invalid="true"' in tag_of(page, "id_number")
    assert "autofocus" not in tag_of(page, "real_name")
    two_refused = form_of(profile, real_name=" ", address="和" * 201)
    response = client.post(f"/vouchers/residents/{profile.id}", data=two_refused)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "autofocus" in tag_of(page, "real_name")  # the first of two refused
    assert "autofocus" not in tag_of(page, "address") and 'aria-invalid="true"' in tag_of(page, "address")

def test_the_records_other_forms_post_to_their_anchors(client, login_as, session):
    staff = make_user(Role.COMMUNITY_STAFF)
    profile = resident(staff)
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}").get_data(as_text=True)
    assert f'action="/vouchers/residents/{profile.id}/status/suspended#suspended-form"' in page
    assert f'action="/vouchers/residents/{profile.id}/password#password-form"' in page
