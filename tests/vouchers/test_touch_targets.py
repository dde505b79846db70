"""Links a finger hits on a phone are 44 px targets (.inline-target), not the 20 px line of their text: a
notification, a name in the staff's lists of residents, needs and programmes, the login slip on a resident's
record, Back on a need (tests.accounts.test_needs_progress_reply)."""

import re

from accounts.enums import Role
from accounts.notifications import notify
from core.db import db
from tests.accounts.test_needs import raised, resident_user, staff_of
from tests.factories import make_user

from .helpers import resident, world


def link_classes(page: str, href: str) -> str:
    found = re.search(rf'<a [^>]*href="{re.escape(href)}"[^>]*>', page)
    assert found, f"no link to {href}"
    return re.search(r'class="([^"]*)"', found.group(0)).group(1)


def test_staff_lists_and_records_link_with_finger_sized_targets(app, client, login_as, session):
    with app.test_request_context():
        staff = staff_of("和平社区")
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
        registered = resident(staff)
    db.session.commit()
    login_as(staff)
    page = client.get("/vouchers/residents").get_data(as_text=True)
    assert "inline-target" in link_classes(page, f"/vouchers/residents/{registered.id}")
    page = client.get("/needs/").get_data(as_text=True)
    assert "inline-target" in link_classes(page, f"/needs/{need.id}")
    page = client.get(f"/vouchers/residents/{registered.id}").get_data(as_text=True)
    slip = re.search(r'<a [^>]*id="login-slip-link"[^>]*>', page).group(0)
    assert "inline-target" in slip


def test_the_officers_list_of_programmes_links_with_finger_sized_targets(app, client, login_as, session):
    with app.test_request_context():
        w = world()
    db.session.commit()
    login_as(w.officer)
    page = client.get("/vouchers/programmes").get_data(as_text=True)
    assert "inline-target" in link_classes(page, f"/vouchers/programmes/{w.programme.id}")


def test_a_notification_is_a_finger_sized_link(app, client, login_as, session):
    reader = make_user(Role.RESIDENT)
    with app.test_request_context():
        notify(reader.id, "org.invited", link="/orgs/mine", org="幸福家园", role="负责人")
    db.session.commit()
    login_as(reader)
    page = client.get("/notifications").get_data(as_text=True)
    assert "inline-target" in link_classes(page, "/orgs/mine")
