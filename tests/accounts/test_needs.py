"""Residents' needs (居民需求): the transition table, its audit events and notices, who may see and answer a need
(resident: own only; community staff: their communities, none assigned = every one; officers: all, and answer;
auditors: read only), and the pages' refusals (422 with the reason beside the field, nothing changed)."""

import json
import re

import pytest
from sqlalchemy import func, select

from accounts import needs
from accounts.enums import NeedStatus, Role
from accounts.need_models import MAX_DESCRIPTION, ResidentNeed
from accounts.notifications import Notification
from accounts.residents import ResidentData, submit_profile
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from tests.factories import make_user
from tests.orgs.helpers import community
from tests.vouchers.helpers import id_number


def resident_user(community_name="和平社区"):
    user = make_user(Role.RESIDENT)
    profile = submit_profile(user, ResidentData(f"居民{user.id}", id_number(), community(community_name).id),
                             actor=user)
    return user, profile


def staff_of(*names):
    staff = make_user(Role.COMMUNITY_STAFF)
    staff.communities = [community(n) for n in names]
    db.session.flush()
    return staff


def raised(profile, user, text="家里水管漏水，请帮忙找人修"):
    return needs.raise_need(profile, "home_repair", text, True, actor=user)


def events(need):
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "resident_needs", AuditEvent.target_id == str(need.id)).order_by(AuditEvent.seq)))


def test_raising_a_need_takes_the_community_from_the_profile_and_records_ids_only(app, session):
    with app.test_request_context():
        user, profile = resident_user("平安社区")
        need = raised(profile, user)
    assert need.status == "open" and need.community_id == community("平安社区").id and need.wants_contact
    [event] = events(need)
    assert event.action == "need.raised"
    assert "水管" not in event.data and json.loads(event.data) == {"community_id": need.community_id,
                                                                  "resident_id": profile.id}


@pytest.mark.parametrize(("path", "allowed"), [
    (["acknowledged"], True), (["closed"], True), (["acknowledged", "closed"], True),
    (["acknowledged", "acknowledged"], False), (["closed", "acknowledged"], False), (["closed", "closed"], False),
    (["open"], False), (["acknowledged", "open"], False),
])
def test_transitions_table(app, session, path, allowed):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
        for step in path[:-1]:
            needs.transition_need(need, step, actor=officer, reply="已安排")
        before = len(events(need))
        if allowed:
            needs.transition_need(need, path[-1], actor=officer, reply="已安排师傅周三上门")
            assert need.status == path[-1]
            assert events(need)[-1].action == f"need.{path[-1]}"
            assert json.loads(events(need)[-1].data)["changes"]["status"][1] == path[-1]
        else:
            with pytest.raises(Conflict):
                needs.transition_need(need, path[-1], actor=officer, reply="已安排")
            assert need.status == (path[-2] if len(path) > 1 else "open") and len(events(need)) == before


def test_closing_needs_a_reply_and_tells_the_resident(app, session):
    staff = staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
        with pytest.raises(ServiceError) as refused:
            needs.transition_need(need, NeedStatus.CLOSED, actor=staff, reply="  ")
        assert "reply" in refused.value.fields and need.status == "open"
        needs.transition_need(need, NeedStatus.ACKNOWLEDGED, actor=staff)
        needs.transition_need(need, NeedStatus.CLOSED, actor=staff, reply="已联系物业维修")
    assert need.reply == "已联系物业维修" and need.handled_by_id == staff.id
    notes = list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                               Notification.code.like("need.%"))))
    assert sorted(n.code for n in notes) == ["need.acknowledged", "need.closed"]
    assert all(json.loads(n.data) == {"category": "home_repair"} for n in notes)
    assert all("物业" not in e.data for e in events(need))


def test_a_resident_raises_only_their_own_need_and_not_when_suspended(app, session):
    with app.test_request_context():
        user, profile = resident_user()
        other, _ = resident_user()
        with pytest.raises(Forbidden):
            needs.raise_need(profile, "meals", "送餐", False, actor=other)
        with pytest.raises(ServiceError) as refused:
            needs.raise_need(profile, "nonsense", "x" * (MAX_DESCRIPTION + 1), False, actor=user)
        assert set(refused.value.fields) == {"category", "description"}
    assert db.session.scalar(select(func.count(ResidentNeed.id))) == 0


# who → (may view, may answer) a need of 和平社区
PERMISSIONS = {
    "owner": (True, False), "other_resident": (False, False), "staff_same": (True, True),
    "staff_other": (False, False), "staff_unassigned": (True, True), "officer": (True, True),
    "auditor": (True, False), "admin": (True, True), "org_member": (False, False),
}


@pytest.mark.parametrize("who", PERMISSIONS)
def test_permission_table(app, session, client, login_as, who):
    with app.test_request_context():
        owner, profile = resident_user()
        need = raised(profile, owner)
        users = {"owner": owner, "other_resident": resident_user()[0], "staff_same": staff_of("和平社区"),
                 "staff_other": staff_of("平安社区"), "staff_unassigned": staff_of(),
                 "officer": make_user(Role.OFFICER), "auditor": make_user(Role.AUDITOR),
                 "admin": make_user(Role.ADMIN), "org_member": make_user()}
        user = users[who]
        may_view, may_answer = PERMISSIONS[who]
        assert needs.can_view_need(user, need) is may_view
        assert needs.can_handle_need(user, need) is may_answer
    db.session.commit()
    login_as(user)
    assert client.get(f"/needs/{need.id}").status_code == (200 if may_view else 404)  # a resident's words: private
    answer = client.post(f"/needs/{need.id}", data={"to": "closed", "reply": "已处理"})
    assert answer.status_code == (302 if may_answer else 403 if may_view else 404)
    db.session.expire_all()
    assert db.session.get(ResidentNeed, need.id).status == ("closed" if may_answer else "open")
    listing = client.get("/needs/")
    if who in ("owner", "other_resident", "org_member"):
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        assert (f"/needs/{need.id}\"" in listing.get_data(as_text=True)) is may_view


def test_a_missing_need_is_404(client, login_as, session):
    login_as(make_user(Role.OFFICER))
    assert client.get("/needs/999999").status_code == 404


def test_the_resident_form_refuses_beside_the_field_and_keeps_the_input(app, session, client, login_as):
    with app.test_request_context():
        user, profile = resident_user()
    db.session.commit()
    login_as(user)
    page = client.post("/needs/mine", data={"category": "meals", "description": "   "})
    assert page.status_code == 422 and 'id="description-error"' in page.get_data(as_text=True)
    long = "饭" * (MAX_DESCRIPTION + 1)
    page = client.post("/needs/mine", data={"category": "meals", "description": long})
    assert page.status_code == 422 and long in page.get_data(as_text=True)
    assert client.post("/needs/mine", data={"category": "space", "description": "送餐"}).status_code == 422
    assert db.session.scalar(select(func.count(ResidentNeed.id))) == 0
    page = client.post("/needs/mine", data={"category": "meals", "description": "每天中午送餐", "wants_contact": "y"})
    assert page.status_code == 302
    mine = client.get("/needs/mine").get_data(as_text=True)
    assert "每天中午送餐" in mine


def test_closing_without_a_reply_is_refused_beside_the_reply(app, session, client, login_as):
    staff = staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
    db.session.commit()
    login_as(staff)
    page = client.post(f"/needs/{need.id}", data={"to": "closed", "reply": ""})
    assert page.status_code == 422 and 'id="reply-error"' in page.get_data(as_text=True)
    assert client.post(f"/needs/{need.id}", data={"to": "open", "reply": ""}).status_code == 422
    db.session.expire_all()
    assert db.session.get(ResidentNeed, need.id).status == "open"


def test_a_resident_without_a_profile_is_sent_to_sign_up(client, login_as, session):
    login_as(make_user(Role.RESIDENT))
    assert "/me/profile" in client.get("/needs/mine").headers["Location"]


def test_an_officer_has_no_needs_of_their_own(client, login_as, session):
    login_as(make_user(Role.OFFICER))
    assert client.get("/needs/mine").status_code == 403


def test_the_list_filters_and_pages(app, session, client, login_as):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        user, profile = resident_user("和平社区")
        other, other_profile = resident_user("平安社区")
        for n in range(31):
            raised(profile, user, f"需求{n:02d}号")
        meals = needs.raise_need(other_profile, "meals", "午餐送到家", False, actor=other)
        needs.transition_need(meals, "acknowledged", actor=officer)
    db.session.commit()
    login_as(officer)
    first = client.get("/needs/").get_data(as_text=True)
    assert f"/needs/{meals.id}\"" in first and "page=2" in first
    assert len(re.findall(r'href="/needs/(\d+)"', first)) == 30
    second = client.get("/needs/?page=2").get_data(as_text=True)
    assert "page=1" in second and f"/needs/{meals.id}\"" not in second
    for query in ("status=acknowledged", "category=meals", f"community={community('平安社区').id}"):
        page = client.get(f"/needs/?{query}").get_data(as_text=True)
        assert re.findall(r'href="/needs/(\d+)"', page) == [str(meals.id)], query
    assert client.get("/needs/?status=bogus&community=99999999999999&page=x").status_code == 200


def notices(user):
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id))


@pytest.mark.parametrize(("first", "then"), [
    ("acknowledged", "acknowledged"),  # taken on by another while the page was open (or a double click)
    ("closed", "closed"),  # answered twice
    ("closed", "acknowledged"),  # taken on after another member of staff answered it
])
def test_a_stale_answer_is_a_409_on_the_need_page_and_changes_nothing(app, session, client, login_as, first, then):
    """Two members of staff open the same need; the first answers it; the second's page was stale: they get the
    need's page again as it is now (409), saying so, and neither the need, its trail nor the resident's notices
    change."""
    me, colleague = staff_of("和平社区"), staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
        needs.transition_need(need, first, actor=colleague, reply="已安排师傅周三上门")
    db.session.commit()
    before = (len(events(need)), notices(user))
    login_as(me)
    page = client.post(f"/needs/{need.id}", data={"to": then, "reply": "我来处理"})
    text = page.get_data(as_text=True)
    assert page.status_code == 409
    label = {"acknowledged": "处理中", "closed": "已答复"}[first]
    assert 'id="need-stale"' in text and f"现在为“{label}”" in text and f'id="need-status">{label}<' in text
    assert ("我来处理" in text) is (first != "closed")  # the form, still there, keeps what was typed
    db.session.expire_all()
    found = db.session.get(ResidentNeed, need.id)
    assert (found.status, found.reply, found.handled_by_id) == (first, "已安排师傅周三上门", colleague.id)
    assert (len(events(found)), notices(user)) == before


def test_a_refusal_that_is_not_stale_is_still_a_422_beside_its_field(app, session, client, login_as):
    staff = staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
    db.session.commit()
    login_as(staff)
    page = client.post(f"/needs/{need.id}", data={"to": "closed", "reply": "  "})
    assert page.status_code == 422 and 'id="need-stale"' not in page.get_data(as_text=True)


def test_two_staff_answering_at_once_one_is_refused(app, session):
    """The second request loaded the need before the first's answer committed: the transition reads the status
    again under a row lock, so it sees the answer and refuses (409), keeping the first reply."""
    from tests.test_stale_decisions import loaded_before

    me, colleague = staff_of("和平社区"), staff_of("和平社区")
    with app.test_request_context():
        user, profile = resident_user()
        need = raised(profile, user)
        db.session.commit()
        mine = loaded_before(ResidentNeed, need.id, lambda found: needs.transition_need(
            found, "closed", actor=colleague, reply="已联系物业"))
        assert mine.status == "open"  # as the second request still holds it
        with pytest.raises(Conflict):
            needs.transition_need(mine, "closed", actor=me, reply="我来处理")
    db.session.rollback()
    found = db.session.get(ResidentNeed, need.id)
    assert (found.status, found.reply, found.handled_by_id) == ("closed", "已联系物业", colleague.id)
    assert [e.action for e in events(found)] == ["need.raised", "need.closed"]
