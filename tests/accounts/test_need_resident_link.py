"""Residents' needs as community staff see them: the resident's name leads to their record (their address for a
visit, their vouchers) for staff who look after them, nobody else getting a link they could not follow; who took a
need on; the start of each need in the list."""

import re

from accounts.enums import Role
from core.db import db
from tests.accounts.test_needs import raised, resident_user, staff_of
from tests.factories import make_user
from tests.orgs.helpers import community

LINK = 'id="resident-record-link"'


def test_the_residents_name_links_to_their_record_for_staff_who_look_after_them(app, session, client, login_as):
    staff, officer = staff_of("和平社区"), make_user(Role.OFFICER)
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
    db.session.commit()

    login_as(staff)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'href="/vouchers/residents/{profile.id}" {LINK}' in page
    assert client.get(f"/vouchers/residents/{profile.id}").status_code == 200

    client.post("/logout")
    login_as(officer)  # answers needs, but the record is community staff's page
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert profile.real_name in page and LINK not in page


def test_no_link_once_the_resident_has_moved_to_a_community_the_staff_do_not_look_after(app, session, client,
                                                                                         login_as):
    staff = staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
    profile.community_id = community("光明社区").id  # the need stays with 和平社区's staff, the record does not
    db.session.commit()
    login_as(staff)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert profile.real_name in page and LINK not in page
    assert client.get(f"/vouchers/residents/{profile.id}").status_code == 404  # no longer theirs: private


def test_the_need_says_who_took_it_on_and_when(app, session, client, login_as):
    """Two staff of a community looking at a need could not tell which of them had taken it on."""
    staff, colleague = staff_of("和平社区"), staff_of("和平社区")
    staff.display_name = "郑红"
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
    db.session.commit()
    login_as(colleague)
    assert 'id="need-handler"' not in client.get(f"/needs/{need.id}").get_data(as_text=True)  # nobody yet
    client.post("/logout")
    login_as(staff)
    client.post(f"/needs/{need.id}", data={"to": "acknowledged", "reply": ""})
    client.post("/logout")
    login_as(colleague)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "处理人" in page and page.split('id="need-handler">')[1].startswith("郑红 · ")


def test_the_list_shows_the_start_of_each_need(app, session, client, login_as):
    """Each need in the list was its category and the resident's name alone: to know which to answer first, staff
    opened every one."""
    staff = staff_of("和平社区")
    long_text = "家里水管漏水，厨房地面全湿了，老人行动不便，希望社区尽快帮忙联系维修师傅上门看看，谢谢！"
    with app.test_request_context():
        user, profile = resident_user()
        raised(profile, user, long_text)
        raised(profile, user, "楼道灯坏了")
    db.session.commit()
    login_as(staff)
    page = client.get("/needs/").get_data(as_text=True)
    gists = re.findall(r'class="small text-muted text-break need-gist">([^<]*)</div>', page)
    assert gists == ["楼道灯坏了", long_text[:39] + "…"]
