"""Community staff find residents: by part of the name (GET, with the other filters), or by ID number as read off
the card (POST, so the number is in no URL, browser history or access log). Only residents of the communities the
staff member looks after; a number held in another community gets the same answer as one nobody holds."""

import html
from datetime import date

import pytest

from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from core.personal import decrypt, normalise_id_number
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import id_number, resident

EN = {"Accept-Language": "en"}
NOT_FOUND = "No resident with this ID number in the communities you look after."


@pytest.fixture
def people(session):
    everywhere = make_user(Role.COMMUNITY_STAFF)  # no community assigned: the whole street office
    here, there = resident(everywhere), resident(everywhere, community_name="光明社区")
    here.real_name, there.real_name = "王秀英", "王建国"
    percent = resident(everywhere)
    percent.real_name = "李100%"
    local = make_user(Role.COMMUNITY_STAFF)
    accounts.set_communities(local, [community().id], actor=make_user(Role.ADMIN))
    db.session.commit()
    return local, here, there, percent


def names_listed(page: str) -> list[str]:
    table = page.split('id="residents"')[1].split("</table>")[0]
    return [name for name in ("王秀英", "王建国", "李100%") if name in table]


def test_staff_find_residents_by_part_of_the_name_in_their_communities(client, login_as, people):
    local, here, there, percent = people
    login_as(local)
    assert names_listed(client.get("/vouchers/residents?q=王").text) == ["王秀英"]  # 王建国 lives in 光明社区
    assert names_listed(client.get("/vouchers/residents?q=秀英").text) == ["王秀英"]
    assert names_listed(client.get("/vouchers/residents?q=%25").text) == ["李100%"]  # %: a character, not a wildcard
    assert names_listed(client.get("/vouchers/residents?q=张").text) == []


def test_staff_find_a_resident_by_the_id_number_read_off_the_card(client, login_as, people):
    local, here, there, _percent = people
    login_as(local)
    number = decrypt(here.id_number_enc)
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    response = client.post("/vouchers/residents/find", data={"id_number": spaced})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/vouchers/residents/{here.id}")
    assert number not in response.headers["Location"]
    for other in (decrypt(there.id_number_enc), id_number(date(1949, 12, 31), 999)):
        response = client.post("/vouchers/residents/find", data={"id_number": other}, headers=EN)
        assert response.status_code == 422
        assert NOT_FOUND in error_beside_the_number(response.text)  # another community's resident, nobody: alike


def error_beside_the_number(page: str) -> str:
    return html.unescape(page.split('id="find-id-number-error"')[1].split("</div>")[0])


def test_a_number_not_found_is_shown_again_as_typed_with_why_beside_it(client, login_as, people):
    """It was a flash after a redirect, the same for a number with a wrong digit as for one nobody holds: the 18
    characters typed again, with no hint that one of them was wrong."""
    local, here, _there, _percent = people
    login_as(local)
    number = decrypt(here.id_number_enc)
    slip = number[:-1] + ("1" if number[-1] != "1" else "2")  # its check character wrong
    for typed, why in ((slip, "Check its 18 characters"), ("", "Type the ID number from the resident's card."),
                       (id_number(date(1949, 12, 31), 998), NOT_FOUND)):
        response = client.post("/vouchers/residents/find", data={"id_number": typed}, headers=EN)
        assert response.status_code == 422
        assert why in error_beside_the_number(response.text)
        field = response.text.split('id="find-id-number"')[1].split(">")[0]
        assert f'value="{typed}"' in field and 'aria-invalid="true"' in field
        assert 'id="residents"' in response.text  # the list, to search by name instead
    assert "王秀英" in client.post("/vouchers/residents/find", data={"id_number": number},
                                  follow_redirects=True).text


def test_finding_by_id_number_needs_staff_and_the_form_token(app, client, login_as, people):
    local, here, _there, _percent = people
    login_as(make_user(Role.OFFICER))
    assert client.post("/vouchers/residents/find", data={"id_number": "x"}).status_code == 403
    client.post("/logout")
    login_as(local)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post("/vouchers/residents/find", data={"id_number": "x"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("typed", ["110105 1949 1231 002x", "１１０１０５１９４９１２３１００２Ｘ",
                                   " 11010519491231002X\u3000"])
def test_an_id_number_is_read_with_spaces_and_full_width_digits(typed):
    assert normalise_id_number(typed) == "11010519491231002X"
