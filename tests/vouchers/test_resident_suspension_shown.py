"""A suspended resident's record says since when, by whom and why (the reason was kept only in the audit trail,
which community staff may not open); verified again, it says nothing of it."""

import html

from accounts.enums import Role
from accounts.residents import transition_resident
from core.db import db, utcnow
from core.personal import decrypt
from core.timeutil import format_local
from tests.factories import make_user

from .helpers import resident


def test_the_record_says_who_suspended_the_resident_when_and_why(app, client, login_as, session):
    staff = make_user(Role.COMMUNITY_STAFF, display_name="王主任")
    colleague = make_user(Role.COMMUNITY_STAFF)
    with app.test_request_context():
        profile = resident(staff)
        transition_resident(profile, "suspended", actor=staff, reason="已搬离本社区，待核实")
    db.session.commit()
    login_as(colleague)
    page = html.unescape(client.get(f"/vouchers/residents/{profile.id}").get_data(as_text=True))
    notice = page.split('id="suspension"')[1].split("</div>")[0]
    assert "王主任" in notice and "已搬离本社区，待核实" in notice
    assert "暂停" in notice and format_local(utcnow(), "%Y-%m-%d") in notice  # since when (Beijing time)
    english = html.unescape(client.get(f"/vouchers/residents/{profile.id}",
                                       headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Suspended since" in english and "by 王主任" in english


def test_a_resident_verified_again_shows_no_suspension(app, client, login_as, session):
    staff = make_user(Role.COMMUNITY_STAFF)
    with app.test_request_context():
        profile = resident(staff)
        transition_resident(profile, "suspended", actor=staff, reason="外出探亲")
        transition_resident(profile, "verified", actor=staff, card_number=decrypt(profile.id_number_enc))
    db.session.commit()
    login_as(staff)
    page = client.get(f"/vouchers/residents/{profile.id}").get_data(as_text=True)
    assert 'id="suspension"' not in page and "外出探亲" not in page
