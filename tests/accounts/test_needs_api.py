"""Residents' needs over the JSON API (accounts.need_api): the same services and permissions as the pages. A resident
lists and raises their own; staff of the need's community and officers list, take on and close; auditors read;
someone who may not see a need gets a 404, someone who sees but may not answer it a 403; malformed input a 422 naming
the field; a stale transition a 409; nothing is written by a refusal."""

import pytest
from sqlalchemy import func, select

from accounts import needs
from accounts.enums import Role
from accounts.need_models import MAX_DESCRIPTION, MAX_REPLY, ResidentNeed
from accounts.tokens import create_token
from audit.models import AuditEvent
from core.db import db
from tests.accounts.test_needs import events, raised, resident_user, staff_of
from tests.factories import make_user
from tests.orgs.helpers import community

API = "/api/v1"


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_token(user, 'needs api', actor=user)[1]}"}


def written() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(ResidentNeed.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


@pytest.fixture
def scene(app, session):
    """A resident of 和平社区 with one open need; another resident; staff of 和平社区 and of 平安社区."""
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        other, _other_profile = resident_user("平安社区")
        need = raised(profile, owner)
    staff, far_staff = staff_of("和平社区"), staff_of("平安社区")
    db.session.commit()
    return {"owner": owner, "profile": profile, "other": other, "need": need, "staff": staff, "far_staff": far_staff}


def test_a_resident_raises_a_need_and_lists_their_own(client, scene):
    owner = scene["owner"]
    response = client.post(f"{API}/needs", headers=bearer(owner),
                           json={"category": "meals", "description": "  每天中午需要送餐  ", "wants_contact": True})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "open" and body["description"] == "每天中午需要送餐" and body["wants_contact"]
    assert body["community_id"] == community("和平社区").id and body["reply"] == ""
    need = db.session.get(ResidentNeed, body["id"])
    assert need.resident_id == scene["profile"].id and [e.action for e in events(need)] == ["need.raised"]
    mine = client.get(f"{API}/needs/mine", headers=bearer(owner)).get_json()
    assert [n["id"] for n in mine["items"]] == [need.id, scene["need"].id] and mine["total"] == 2
    paged = client.get(f"{API}/needs/mine?per_page=1&page=2", headers=bearer(owner)).get_json()
    assert [n["id"] for n in paged["items"]] == [scene["need"].id] and paged["page"] == 2
    theirs = client.get(f"{API}/needs/mine", headers=bearer(scene["other"])).get_json()
    assert theirs["items"] == [] and theirs["total"] == 0  # another resident's list never shows it


@pytest.mark.parametrize(("sent", "field"), [
    ({"category": "space_travel", "description": "送餐"}, "category"),
    ({"category": 7, "description": "送餐"}, "category"),
    ({"description": "送餐"}, "category"),
    ({"category": "meals", "description": "   "}, "description"),
    ({"category": "meals"}, "description"),
    ({"category": "meals", "description": "饭" * (MAX_DESCRIPTION + 1)}, "description"),
    ({"category": "meals", "description": ["送餐"]}, "description"),
    ({"category": "meals", "description": "送餐", "wants_contact": "yes"}, "wants_contact"),
])
def test_a_malformed_need_is_a_422_naming_the_field_and_writes_nothing(client, scene, sent, field):
    headers = bearer(scene["owner"])
    db.session.commit()
    before = written()
    response = client.post(f"{API}/needs", headers=headers, json=sent)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    assert written() == before


def test_a_body_that_is_not_an_object_is_refused(client, scene):
    headers = bearer(scene["owner"])
    for raw in ("[1]", '{"category": ', "x"):
        response = client.post(f"{API}/needs", headers=headers, data=raw, content_type="application/json")
        assert response.status_code == 422 and response.get_json()["error"]["code"] == "bad_json"


def test_only_a_resident_raises_and_lists_their_needs(client, scene):
    officer = make_user(Role.OFFICER)
    for method, path in (("POST", "/needs"), ("GET", "/needs/mine")):
        response = client.open(f"{API}{path}", method=method, headers=bearer(officer),
                               json={"category": "meals", "description": "送餐"} if method == "POST" else None)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_a_resident"
        assert client.open(f"{API}{path}", method=method).status_code == 401


def test_staff_list_the_needs_of_their_communities_filtered_and_paged(app, client, scene):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        far_user, far_profile = resident_user("平安社区")
        far = raised(far_profile, far_user)
        needs.transition_need(far, "acknowledged", actor=officer)
    db.session.commit()
    ids = lambda user, query="": [n["id"] for n in client.get(f"{API}/needs{query}",  # noqa: E731
                                                               headers=bearer(user)).get_json()["items"]]
    assert ids(scene["staff"]) == [scene["need"].id]
    assert ids(scene["far_staff"]) == [far.id]
    assert ids(officer) == [far.id, scene["need"].id] and ids(make_user(Role.AUDITOR)) == [far.id, scene["need"].id]
    assert ids(officer, "?status=acknowledged") == [far.id] and ids(officer, "?category=meals") == []
    assert ids(officer, f"?community_id={community('和平社区').id}") == [scene["need"].id]
    assert ids(scene["staff"], f"?community_id={community('平安社区').id}") == []  # not theirs: never listed
    first = client.get(f"{API}/needs?per_page=1", headers=bearer(officer)).get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (2, 1, 1, 1)
    assert client.get(f"{API}/needs", headers=bearer(scene["owner"])).status_code == 403


@pytest.mark.parametrize(("query", "field"), [
    ("status=lost", "status"), ("category=space_travel", "category"), ("community_id=x", "community_id"),
    ("community_id=-1", "community_id"), ("community_id=99999999999", "community_id"), ("page=x", "page"),
])
def test_a_malformed_list_query_is_a_422_naming_the_argument(client, scene, query, field):
    response = client.get(f"{API}/needs?{query}", headers=bearer(make_user(Role.OFFICER)))
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]


def test_staff_take_a_need_on_then_close_it_with_a_reply(client, scene):
    need, staff = scene["need"], scene["staff"]
    headers = bearer(staff)
    taken = client.post(f"{API}/needs/{need.id}/acknowledge", headers=headers)  # no body: no reply
    assert taken.status_code == 200 and taken.get_json()["status"] == "acknowledged"
    closed = client.post(f"{API}/needs/{need.id}/close", headers=headers, json={"reply": "已联系物业，周三上门"})
    assert closed.status_code == 200 and closed.get_json()["reply"] == "已联系物业，周三上门"
    db.session.expire_all()
    found = db.session.get(ResidentNeed, need.id)
    assert (found.status, found.handled_by_id) == ("closed", staff.id)
    assert [e.action for e in events(found)] == ["need.raised", "need.acknowledged", "need.closed"]
    assert events(found)[-1].actor_id == staff.id
    mine = client.get(f"{API}/needs/mine", headers=bearer(scene["owner"])).get_json()["items"]
    assert mine[0]["status"] == "closed" and mine[0]["reply"] == "已联系物业，周三上门"


@pytest.mark.parametrize(("first", "then"), [("acknowledge", "acknowledge"), ("close", "close"),
                                             ("close", "acknowledge")])
def test_a_stale_transition_is_a_409_and_changes_nothing(client, scene, first, then):
    need = scene["need"]
    assert client.post(f"{API}/needs/{need.id}/{first}", headers=bearer(make_user(Role.OFFICER)),
                       json={"reply": "已安排"}).status_code == 200
    headers = bearer(scene["staff"])
    db.session.commit()
    before = written()
    response = client.post(f"{API}/needs/{need.id}/{then}", headers=headers, json={"reply": "我来处理"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    db.session.expire_all()
    assert db.session.get(ResidentNeed, need.id).reply == "已安排" and written() == before


@pytest.mark.parametrize(("sent", "field"), [
    ({}, "reply"), ({"reply": "   "}, "reply"), ({"reply": 7}, "reply"), ({"reply": "复" * (MAX_REPLY + 1)}, "reply"),
])
def test_closing_without_a_good_reply_is_a_422_naming_it(client, scene, sent, field):
    headers = bearer(scene["staff"])
    db.session.commit()
    before = written()
    response = client.post(f"{API}/needs/{scene['need'].id}/close", headers=headers, json=sent)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(ResidentNeed, scene["need"].id).status == "open" and written() == before


# who → status of answering a need of 和平社区 over the API: 404 for who may not see it, 403 for who sees it but may
# not answer (as on the page: auditors, the resident), 200 for its community's staff and officers
ANSWER = {"owner": 403, "other_resident": 404, "staff_same": 200, "staff_other": 404, "staff_unassigned": 200,
          "officer": 200, "auditor": 403, "admin": 200, "org_member": 404, "no token": 401}
LIST = {"owner": 403, "other_resident": 403, "staff_same": 200, "staff_other": 200, "staff_unassigned": 200,
        "officer": 200, "auditor": 200, "admin": 200, "org_member": 403, "no token": 401}


@pytest.mark.parametrize("who", ANSWER)
def test_permission_table(client, scene, who):
    users = {"owner": scene["owner"], "other_resident": scene["other"], "staff_same": scene["staff"],
             "staff_other": scene["far_staff"], "staff_unassigned": staff_of(), "officer": make_user(Role.OFFICER),
             "auditor": make_user(Role.AUDITOR), "admin": make_user(Role.ADMIN), "org_member": make_user()}
    headers = bearer(users[who]) if who in users else {}
    db.session.commit()
    need = scene["need"]
    if who in users:  # the rule the page uses, asked of the same user
        assert needs.can_handle_need(users[who], need) is (ANSWER[who] == 200)
    listing = client.get(f"{API}/needs", headers=headers)
    assert listing.status_code == LIST[who]
    if listing.status_code == 200:
        shown = need.id in [n["id"] for n in listing.get_json()["items"]]
        assert shown is (who != "staff_other")
    answer = client.post(f"{API}/needs/{need.id}/close", headers=headers, json={"reply": "已处理"})
    assert answer.status_code == ANSWER[who], answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ResidentNeed, need.id).status == ("closed" if ANSWER[who] == 200 else "open")


def test_an_unknown_need_is_a_404(client, scene):
    headers = bearer(make_user(Role.OFFICER))
    for path in ("/needs/999999/close", "/needs/99999999999999999999/acknowledge", f"/needs/{scene['need'].id}/x"):
        response = client.post(f"{API}{path}", headers=headers, json={"reply": "已处理"})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_staff_reply_to_a_need_taken_on_and_it_stays_taken_on(client, scene):
    need, staff = scene["need"], scene["staff"]
    headers = bearer(staff)
    assert client.post(f"{API}/needs/{need.id}/acknowledge", headers=headers).status_code == 200
    replied = client.post(f"{API}/needs/{need.id}/reply", headers=headers, json={"reply": "  师傅周三下午上门  "})
    assert replied.status_code == 200, replied.get_data(as_text=True)
    body = replied.get_json()
    assert body["status"] == "acknowledged" and body["reply"] == "师傅周三下午上门"
    assert [(r["status"], r["text"]) for r in body["replies"]] == [("acknowledged", ""),
                                                                    ("acknowledged", "师傅周三下午上门")]
    db.session.expire_all()
    found = db.session.get(ResidentNeed, need.id)
    assert found.status == "acknowledged"
    assert [e.action for e in events(found)] == ["need.raised", "need.acknowledged", "need.replied"]
    mine = client.get(f"{API}/needs/mine", headers=bearer(scene["owner"])).get_json()["items"]
    assert mine[0]["reply"] == "师傅周三下午上门"


@pytest.mark.parametrize("first", [None, "close"])
def test_a_reply_to_a_need_not_taken_on_or_closed_is_a_409_and_changes_nothing(client, scene, first):
    need = scene["need"]
    if first:
        assert client.post(f"{API}/needs/{need.id}/{first}", headers=bearer(make_user(Role.OFFICER)),
                           json={"reply": "已安排"}).status_code == 200
    headers = bearer(scene["staff"])
    db.session.commit()
    before = written()
    response = client.post(f"{API}/needs/{need.id}/reply", headers=headers, json={"reply": "我来处理"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    db.session.expire_all()
    assert db.session.get(ResidentNeed, need.id).status == ("closed" if first else "open") and written() == before


@pytest.mark.parametrize("sent", [{}, {"reply": "   "}, {"reply": 7}, {"reply": "复" * (MAX_REPLY + 1)}])
def test_a_reply_without_good_text_is_a_422_naming_it(client, scene, sent):
    need = scene["need"]
    headers = bearer(scene["staff"])
    assert client.post(f"{API}/needs/{need.id}/acknowledge", headers=headers).status_code == 200
    before = written()
    response = client.post(f"{API}/needs/{need.id}/reply", headers=headers, json=sent)
    assert response.status_code == 422 and "reply" in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert len(db.session.get(ResidentNeed, need.id).replies) == 1 and written() == before


def test_a_reply_to_a_need_someone_may_not_see_is_a_404(client, scene):
    need = scene["need"]
    assert client.post(f"{API}/needs/{need.id}/acknowledge", headers=bearer(scene["staff"])).status_code == 200
    for who in (scene["far_staff"], scene["other"]):
        response = client.post(f"{API}/needs/{need.id}/reply", headers=bearer(who), json={"reply": "我来处理"})
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.post(f"{API}/needs/{need.id}/reply", headers=bearer(make_user(Role.AUDITOR)),
                           json={"reply": "我来处理"})
    assert response.status_code == 403  # sees it, may not answer it
    db.session.expire_all()
    assert len(db.session.get(ResidentNeed, need.id).replies) == 1
