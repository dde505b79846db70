"""The members page as a small organisation's one manager uses it: a colleague who signed up with only a mobile
number is invited by that number however it is typed (it is their user name); an invitation is for a member unless
the manager chooses otherwise; and the last manager is not offered buttons that could only be refused (leaving,
being removed, being made a member), but told why."""

import html
import re

from sqlalchemy import select

from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from orgs.models import Membership
from tests.factories import make_user
from tests.orgs.helpers import approved_org

EN = {"Accept-Language": "en"}
LAST = "The last manager cannot leave or be removed. Make someone else a manager first."


def test_a_colleague_who_signed_up_by_phone_is_invited_by_the_number_as_typed(client, login_as, session):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    colleague = accounts.sign_up(username=None, phone="13800138000", display_name="周宁", password="zhou-ning-1",
                                 resident=False)
    db.session.commit()
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/members", data={"username": "１３８ ００１３ ８０００", "role": "member"})
    assert response.status_code == 302
    invited = db.session.scalar(select(Membership).where(Membership.org_id == org.id,
                                                         Membership.user_id == colleague.id))
    assert invited is not None and invited.status == "invited" and invited.role == "member"


def test_an_unknown_name_is_refused_beside_the_field_with_a_422(client, login_as, session):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    db.session.commit()
    login_as(manager)
    response = client.post(f"/orgs/{org.id}/members", headers=EN, data={"username": "139 0000 0000", "role": "member"})
    assert response.status_code == 422  # (it answered 200)
    page = html.unescape(response.text)
    assert re.search(r'id="username-error"[^>]*><div class="invalid-feedback">No active user with this user name.<',
                     page)
    assert 'value="13900000000"' in page  # read as the number, kept to correct
    assert db.session.scalar(select(Membership).where(Membership.org_id == org.id,
                                                      Membership.status == "invited")) is None


def test_an_invitation_is_for_a_member_unless_chosen(client, login_as, session):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/orgs/{org.id}/members", headers=EN).text
    assert re.search(r'<option selected value="member">|<option value="member" selected', page)


def test_the_last_manager_is_told_why_instead_of_offered_buttons(client, login_as, session):
    manager, officer, other = make_user(), make_user(Role.OFFICER), make_user()
    org = approved_org(manager, officer)
    db.session.commit()
    login_as(manager)
    page = html.unescape(client.get(f"/orgs/{org.id}/members", headers=EN).text)
    members = re.search(r'<ul class="list-group mb-4" id="members">.*?</ul>', page, re.S).group(0)
    assert LAST in members and "membership_action" not in members and "/remove" not in members
    assert "/demote" not in members
    # With a second manager, each of them may step down or leave.
    db.session.add(Membership(org_id=org.id, user_id=other.id, role="manager", status="active"))
    db.session.commit()
    members = re.search(r'<ul class="list-group mb-4" id="members">.*?</ul>',
                        html.unescape(client.get(f"/orgs/{org.id}/members", headers=EN).text), re.S).group(0)
    assert LAST not in members and members.count("/demote") == 2 and members.count("/remove") == 2
