"""An approved organisation's page leads its managers to where its voucher services are added: the "My work" menu
offers voucher redemption only to the members of an organisation that already has one, so an organisation with
none had no way to its first. Not before approval (a service may not be added then), nor for plain members, other
organisations' managers, officers or the public."""

import re

from accounts.enums import Role
from core.db import db
from orgs import services as org_services
from orgs.enums import OrgStatus
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org, submitted_org

LINK = re.compile(r'href="([^"]+)" id="voucher-services">服务券服务项目<')


def profile_link(app, user, org) -> str | None:
    browser = app.test_client()
    if user is not None:
        assert login(browser, user.username).status_code == 302
    response = browser.get(f"/orgs/{org.id}")
    assert response.status_code == 200
    found = LINK.search(response.get_data(as_text=True))
    return found.group(1) if found else None


def test_an_approved_organisations_manager_is_led_to_add_its_first_service(app, client, session, login_as):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = approved_org(manager, officer)
    db.session.commit()
    link = profile_link(app, manager, org)
    assert link == f"/vouchers/provider/{org.id}"
    login_as(manager)
    page = client.get(link).get_data(as_text=True)
    assert f'href="/vouchers/provider/{org.id}/services/new"' in page  # the first service is added there
    assert client.get(f"/vouchers/provider/{org.id}/services/new").status_code == 200


def test_no_link_for_others_or_before_approval(app, session):
    officer, manager, member = make_user(Role.OFFICER), make_user(), make_user()
    org = approved_org(manager, officer)
    membership = org_services.invite_member(org, member.username, "member", actor=manager)
    org_services.answer_invitation(membership, True, actor=member)
    other_manager = make_user()
    approved_org(other_manager, officer)
    pending_manager = make_user()
    pending = submitted_org(pending_manager)
    db.session.commit()
    for user in (member, other_manager, officer, None):
        assert profile_link(app, user, org) is None
    assert profile_link(app, pending_manager, pending) is None
    org_services.transition_org(org, OrgStatus.SUSPENDED, actor=officer, reason="年检未通过")
    db.session.commit()
    assert profile_link(app, manager, org) is None
