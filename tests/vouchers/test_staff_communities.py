"""Community staff look after the residents of their own communities (per object, DESIGN.md section 1): assigned
communities limit what they may register, verify, correct, print codes for and do on a resident's behalf; staff with
none assigned work for the whole street office; an administrator assigns them on the user's page."""

from datetime import date

import pytest
from sqlalchemy import select

from accounts import residents
from accounts import services as accounts
from accounts.enums import Role
from accounts.resident_models import ResidentStatus
from audit.models import AuditEvent
from core.db import db
from core.errors import Forbidden, ServiceError
from tests.factories import make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import id_number, resident, world
from vouchers import catalogue, redemption


def staff_of(*names):
    user = make_user(Role.COMMUNITY_STAFF)
    accounts.set_communities(user, [community(n).id for n in names], actor=None)
    return user


def data(community_name, **overrides):
    values = dict(real_name="赵长青", id_number=id_number(date(1940, 2, 14)), community_id=community(community_name).id)
    values.update(overrides)
    return residents.ResidentData(**values)


def test_staff_act_only_for_residents_of_their_communities(session):
    heping, guangming = staff_of("和平社区"), staff_of("光明社区")
    mine = residents.register_without_phone(data("和平社区"), actor=heping)
    with pytest.raises(Forbidden):  # registering into another community
        residents.register_without_phone(data("光明社区"), actor=heping)
    theirs = resident(guangming, community_name="光明社区")
    for act in (lambda: residents.transition_resident(theirs, ResidentStatus.SUSPENDED, actor=heping, reason="x"),
                lambda: residents.set_tags(theirs, ["low_income"], actor=heping),
                lambda: residents.reveal_id_number(theirs, actor=heping),
                lambda: residents.update_profile(theirs, data("光明社区", id_number=""), actor=heping)):
        with pytest.raises(Forbidden):
            act()
    assert theirs.status == ResidentStatus.VERIFIED and not theirs.tag_rows
    with pytest.raises(Forbidden):  # nor move their own resident into a community they do not look after
        residents.update_profile(mine, data("光明社区", id_number=residents.reveal_id_number(mine, actor=heping)),
                                 actor=heping)
    assert mine.community_id == community("和平社区").id
    residents.set_tags(mine, ["low_income"], actor=heping)  # their own resident: fine
    assert residents.can_manage_resident(heping, mine) and not residents.can_manage_resident(heping, theirs)


def test_staff_with_no_community_assigned_work_for_every_community(session):
    street = make_user(Role.COMMUNITY_STAFF)
    for name in ("和平社区", "光明社区"):
        assert resident(street, community_name=name).status == ResidentStatus.VERIFIED
    assert residents.served_community_ids(street) is None


def test_codes_disputes_and_ratings_on_a_residents_behalf_need_their_community(session):
    w = world()  # the resident lives in 和平社区
    other = staff_of("光明社区")
    with pytest.raises(Forbidden):
        redemption.issue_code(w.resident, actor=other)
    own = staff_of("和平社区")
    code = redemption.issue_code(w.resident, actor=own)[0]
    made = redemption.redeem(code, w.service, 3000, "staff-1", actor=w.manager).redemption
    with pytest.raises(Forbidden):
        catalogue.rate(made, 5, actor=other)
    assert catalogue.rate(made, 5, actor=own).stars == 5


def test_the_staff_pages_show_and_open_only_their_residents(client, session, login_as):
    heping = staff_of("和平社区")
    mine = resident(heping, community_name="和平社区")
    theirs = resident(make_user(Role.COMMUNITY_STAFF), community_name="光明社区")
    db.session.commit()
    login_as(heping)
    listing = client.get("/vouchers/residents").get_data(as_text=True)
    assert mine.real_name in listing and theirs.real_name not in listing
    assert client.get(f"/vouchers/residents/{mine.id}").status_code == 200
    assert client.get(f"/vouchers/residents/{theirs.id}").status_code == 404  # as if there were none
    form = client.get("/vouchers/residents/new").get_data(as_text=True)
    assert "和平社区" in form and "光明社区" not in form  # the community choices are theirs only


def test_an_administrator_assigns_communities_on_the_users_page(client, session, login_as):
    admin, staff = make_user(Role.ADMIN), make_user(Role.COMMUNITY_STAFF)
    heping, guangming = community("和平社区"), community("光明社区")
    db.session.commit()
    login_as(admin)
    page = client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    assert f'name="communities" type="checkbox" value="{heping.id}"' in page and "幸福街道光明社区" in page
    answer = client.post(f"/admin/users/{staff.id}", data={
        "display_name": staff.display_name, "roles": ["community_staff"],
        "communities": [str(heping.id), str(guangming.id)]})
    assert answer.status_code == 302
    db.session.expire_all()
    assert [c.id for c in db.session.get(type(staff), staff.id).communities] == sorted([heping.id, guangming.id])
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.communities_changed")).one()
    assert event.target_id == str(staff.id) and event.actor_id == admin.id
    with pytest.raises(ServiceError):  # an id that is no community changes nothing
        accounts.set_communities(staff, [999_999], actor=admin)
    assert len(db.session.get(type(staff), staff.id).communities) == 2
