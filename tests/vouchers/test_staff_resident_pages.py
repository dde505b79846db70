"""Community staff's pages for a resident: the way back to the residents list (on a phone the menu is folded away),
and registering a resident without a phone when the staff member looks after one community."""

import re

from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import resident, world


def staff_of(*names):
    staff = make_user(Role.COMMUNITY_STAFF)
    accounts.set_communities(staff, [community(n).id for n in names], actor=make_user(Role.ADMIN))
    return staff


def test_a_residents_page_and_the_registration_form_lead_back_to_the_residents(app, client, login_as, session):
    staff = staff_of("和平社区")
    with app.test_request_context():
        someone = resident(staff)
    db.session.commit()
    login_as(staff)
    for path in (f"/vouchers/residents/{someone.id}", "/vouchers/residents/new"):
        page = client.get(path).get_data(as_text=True)
        assert re.search(r'<a [^>]*href="/vouchers/residents" id="back-to-residents">← 居民</a>', page), path


def selected_community(page: str) -> list[str]:
    """The community chosen in the form's drop-down ('—' when none is)."""
    select = page.split('id="community_id"')[1].split("</select>")[0]
    return [name for name in re.findall(r"<option [^>]*selected[^>]*>([^<]*)</option>", select) if name != "—"]


def test_registering_with_one_community_it_is_chosen_already(app, client, login_as, session):
    """Staff of 光明社区 alone had to pick it from a list of one (—, 光明社区) or be refused."""
    login_as(staff_of("光明社区"))
    page = client.get("/vouchers/residents/new").get_data(as_text=True)
    assert selected_community(page) == ["光明社区"]
    client.post("/logout")
    login_as(staff_of("和平社区", "安康社区"))  # two: they choose
    assert selected_community(client.get("/vouchers/residents/new").get_data(as_text=True)) == []


def test_a_resident_with_nothing_to_print_is_told_why_there_is_no_print_button(app, client, login_as, session):
    """Just registered (the form says to print their vouchers from their page), a resident's page showed no print
    button and said only 无余额."""
    staff = staff_of("和平社区")
    with app.test_request_context():
        newcomer = resident(staff)
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{newcomer.id}").get_data(as_text=True)
    assert 'id="print-vouchers"' not in page
    assert "街道每月向符合条件的居民发放服务券" in page.split('id="nothing-to-print">')[1].split("</p>")[0]


def test_a_resident_with_vouchers_has_the_print_button_and_no_such_note(app, client, login_as, session):
    with app.test_request_context():
        w = world()
    db.session.commit()
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}").get_data(as_text=True)
    assert 'id="print-vouchers"' in page and 'id="nothing-to-print"' not in page


def options(page: str) -> list[str]:
    return re.findall(r"<option [^>]*>([^<]*)</option>", page.split('id="community_id"')[1].split("</select>")[0])


def test_communities_on_one_street_are_offered_by_their_names_alone(app, client, login_as, session):
    """幸福街道 和平社区 was cut short in the drop-down (幸福街道 和平社) on a phone with large text; the street says
    nothing when every community offered is on it."""
    staff = staff_of("和平社区", "安康社区")
    with app.test_request_context():
        someone = resident(staff)
    db.session.commit()
    login_as(staff)
    for path in ("/vouchers/residents/new", f"/vouchers/residents/{someone.id}"):
        assert options(client.get(path).get_data(as_text=True)) == ["—", "和平社区", "安康社区"], path
    other_street = community("东风社区")
    other_street.street = "朝阳门街道"
    client.post("/logout")
    login_as(make_user(Role.COMMUNITY_STAFF))  # none assigned: every community, on two streets
    offered = options(client.get("/vouchers/residents/new").get_data(as_text=True))
    assert "幸福街道 和平社区" in offered and "朝阳门街道 东风社区" in offered


def test_the_residents_filter_names_communities_on_one_street_alone(client, login_as, session):
    login_as(staff_of("和平社区", "安康社区"))
    listing = client.get(f"/vouchers/residents?community={community('安康社区').id}").get_data(as_text=True)
    choices = listing.split('name="community"')[1].split("</select>")[0]
    assert re.findall(r"<option [^>]*>([^<]*)</option>", choices) == ["全部社区", "和平社区", "安康社区"]
    assert re.search(r"selected>安康社区<", choices)
