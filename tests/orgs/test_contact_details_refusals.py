"""An organisation's contact details refused by the form (a staff count that is not a number): what the service would
refuse in the other fields is said at once, each beside its field; a phone number or an e-mail address it would
refuse was said only on the next attempt."""

import html
import re

from accounts.enums import Role
from core.db import db
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import approved_org
from tests.orgs.test_change_pages import details_form

EN = {"Accept-Language": "en"}


def beside(page: str, name: str) -> str | None:
    found = re.search(rf'id="{name}-error"[^>]*>\s*<div class="invalid-feedback">([^<]+)<', html.unescape(page))
    return found and found.group(1)


def test_every_refused_field_is_said_at_once(client, session, login_as):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    db.session.commit()
    login_as(manager)
    before = org.contact_phone
    response = client.post(f"/orgs/{org.id}/details", headers=EN, data=details_form(
        org, full_time_staff="-3", contact_phone="12345", contact_email="not-an-email"))
    assert response.status_code == 422
    assert beside(response.text, "full_time_staff")
    assert beside(response.text, "contact_phone") == "Enter a mobile number (11 digits) or a landline with area code."
    assert beside(response.text, "contact_email") == "Enter a valid e-mail address."
    assert 'value="12345"' in response.text and 'value="not-an-email"' in response.text
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).contact_phone == before


def test_a_count_that_is_not_a_number_alone_is_said_alone(client, session, login_as):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    db.session.commit()
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/details", headers=EN, data=details_form(org, volunteers="很多"))
    assert response.status_code == 422 and beside(response.text, "volunteers")
    assert not beside(response.text, "contact_phone") and not beside(response.text, "contact_name")


def test_an_application_refused_by_the_form_says_the_credit_code_of_the_wrong_kind_at_once(client, session, login_as):
    from tests.orgs.helpers import make_uscc, org_data
    from tests.orgs.test_views import form_for

    login_as(make_user())
    data = org_data(uscc=make_uscc("1", 903))  # an association's code for an agency
    response = client.post("/orgs/apply", headers=EN, data={**form_for(data), "full_time_staff": "-3"})
    assert response.status_code == 422
    assert beside(response.text, "full_time_staff")
    assert "another kind of organisation" in (beside(response.text, "uscc") or ""), beside(response.text, "uscc")
