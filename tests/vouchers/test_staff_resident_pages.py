"""Community staff's pages for a resident: the way back to the residents list (on a phone the menu is folded away)."""

import re

from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import community

from .helpers import resident


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
