"""A need taken on can be written to without closing it (how it is going): it stays taken on, the reply is in its
thread, the resident reads it and is told as for any reply; closing asks first (it cannot be undone)."""

import json

from accounts import needs
from accounts.enums import NeedStatus
from accounts.need_models import ResidentNeed
from accounts.notifications import Notification
from core.db import db
from tests.accounts.test_needs import events, raised, resident_user, staff_of
from tests.factories import logout


def taken_on(app, staff):
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
        needs.transition_need(need, NeedStatus.ACKNOWLEDGED, actor=staff)
    db.session.commit()
    return owner, need


def notices(user) -> list[Notification]:
    return list(db.session.query(Notification).filter_by(user_id=user.id).order_by(Notification.id))


def test_staff_reply_without_closing_and_the_resident_reads_it(app, session, client, login_as):
    staff = staff_of("和平社区")
    owner, need = taken_on(app, staff)
    login_as(staff)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'id="reply-need"' in page and 'value="reply"' in page
    close_button = page.split('id="close-need"')[1].split(">")[0]
    assert "data-confirm=" in close_button  # closing asks first
    response = client.post(f"/needs/{need.id}", data={"to": "reply", "reply": "师傅周三下午上门，请留人在家"})
    assert response.status_code == 302
    db.session.expire_all()
    found = db.session.get(ResidentNeed, need.id)
    assert found.status == "acknowledged" and found.reply == "师傅周三下午上门，请留人在家"
    assert [(r.status, r.text) for r in found.replies][-1] == ("acknowledged", "师傅周三下午上门，请留人在家")
    event = events(found)[-1]
    assert event.action == "need.replied" and "师傅" not in event.data  # ids only in the trail
    last = notices(owner)[-1]
    assert last.code == "need.replied" and last.link == "/needs/mine"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert "回复" in last.text and "上门" not in last.text
    # Still open to answer: the page offers the reply and the closing again.
    again = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'id="reply-need"' in again and 'id="close-need"' in again
    logout(client)
    login_as(owner)
    mine = client.get("/needs/mine").get_data(as_text=True)
    assert "师傅周三下午上门，请留人在家" in mine


def test_an_empty_progress_reply_is_refused_beside_the_field_and_changes_nothing(app, session, client, login_as):
    staff = staff_of("和平社区")
    owner, need = taken_on(app, staff)
    before = (len(events(need)), len(notices(owner)))
    login_as(staff)
    response = client.post(f"/needs/{need.id}", data={"to": "reply", "reply": "  "},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422 and "Please write a reply for the resident." in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(ResidentNeed, need.id).replies) == 1
    assert (len(events(need)), len(notices(owner))) == before


def test_a_reply_to_a_need_not_taken_on_or_closed_is_stale(app, session, client, login_as):
    """An open need is taken on (with a reply or none) first; a closed one takes no more: either is a 409, the page
    as it is now, nothing written."""
    staff = staff_of("和平社区")
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        fresh = raised(profile, owner)
    db.session.commit()
    _owner, closed = taken_on(app, staff)
    with app.test_request_context():
        needs.transition_need(closed, NeedStatus.CLOSED, actor=staff, reply="已修好")
    db.session.commit()
    login_as(staff)
    for need in (fresh, closed):
        before = len(events(need))
        response = client.post(f"/needs/{need.id}", data={"to": "reply", "reply": "我来处理"})
        assert response.status_code == 409 and 'id="need-stale"' in response.get_data(as_text=True)
        assert len(events(need)) == before
    db.session.expire_all()
    assert db.session.get(ResidentNeed, fresh.id).status == "open"
    assert json.loads(events(closed)[-1].data)["changes"]["status"] == ["acknowledged", "closed"]


def test_an_open_need_offers_taking_it_on_not_a_progress_reply(app, session, client, login_as):
    staff = staff_of("和平社区")
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        need = raised(profile, owner)
    db.session.commit()
    login_as(staff)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'id="acknowledge"' in page and 'id="reply-need"' not in page
    assert 'class="inline-target" id="need-back"' in page  # a back link a finger finds
