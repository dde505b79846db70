"""Sign-up says every reason on the first refusal: a phone number that is no mobile number, a user name of the wrong
form or taken, no name and no number at all, beside the form's own reasons (the passwords differ, a name left
empty). The service's reasons came only once the form's were put right, and the form was refused twice. A number
registered already still offers to log in with it."""

import html
import re

from sqlalchemy import func, select

from accounts.models import User
from core.db import db
from tests.factories import make_user

EN = {"Accept-Language": "en"}


def sign_up(client, **fields):
    data = {"purpose": "resident", "display_name": "赵桂兰", "username": "", "phone": "",
            "password": "guilan-pass-1", "confirm": "guilan-pass-2", **fields}  # the passwords differ
    return client.post("/signup", headers=EN, data=data)


def beside(page: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="field-errors">(.*?)</div></div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def accounts() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_a_bad_number_is_said_with_the_passwords_that_differ(client, session):
    before = accounts()
    response = sign_up(client, phone="138 0013 800")  # a digit short
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert beside(page, "confirm") == "The passwords differ."
    assert beside(page, "phone") == "A mainland mobile number has 11 digits and starts with 1."
    assert 'value="138 0013 800"' in page
    assert accounts() == before


def test_a_user_name_of_the_wrong_form_and_a_bad_number_together(client, session):
    page = sign_up(client, username="zhao gui", phone="12345").get_data(as_text=True)
    assert beside(page, "username") == "3–64 characters: lowercase letters, digits, '.', '_' or '-'."
    assert beside(page, "phone") == "A mainland mobile number has 11 digits and starts with 1."


def test_a_taken_user_name_does_not_hide_the_bad_number(client, session):
    taken = make_user()
    page = sign_up(client, username=taken.username, phone="2345678901", display_name="").get_data(as_text=True)
    assert beside(page, "display_name")  # the form's own reason
    assert beside(page, "username") == "This user name is taken."
    assert beside(page, "phone") == "A mainland mobile number has 11 digits and starts with 1."


def test_neither_name_nor_number_is_said_at_once(client, session):
    page = sign_up(client).get_data(as_text=True)
    assert beside(page, "username") == "Enter a user name or a phone number."
    assert beside(page, "confirm") == "The passwords differ."


def test_a_registered_number_offers_to_log_in_on_the_first_refusal(client, session):
    make_user(phone="13800138000")
    response = sign_up(client, phone="138 0013 8000")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert beside(page, "phone") == "This phone number is already registered."
    assert 'id="phone-taken"' in page


def test_a_form_that_passes_its_own_checks_is_refused_by_the_service_once(client, session):
    """The service's refusal is said once, not also by the checks asked again."""
    page = sign_up(client, phone="12345", confirm="guilan-pass-1").get_data(as_text=True)
    assert beside(page, "phone") == "A mainland mobile number has 11 digits and starts with 1."
    assert page.count("A mainland mobile number has 11 digits") == 1
    assert not beside(page, "username") and 'id="phone-taken"' not in page
