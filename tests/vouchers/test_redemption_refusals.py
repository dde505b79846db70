"""A rating or dispute that comes too late for the redemption as it now is: rated or disputed already (a double
click, a second tab, staff on the resident's behalf), or reversed meanwhile, is stale: 409, the redemption shown as
it is now and why, nothing changed. A dispute whose 7-day window closed while it was being typed is refused beside
its reason, the words kept (422). Community staff acting for a resident get the same page, going back to the
resident's record."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.db import db, utcnow
from vouchers import disputes, issuance, redemption
from vouchers.redemption_models import Dispute, Rating, Redemption

from .helpers import world
from .test_text_limits_vouchers import EN, counts
from .test_views import phone_resident

STALE = "What you sent was not saved. Here it is as it is now."


@pytest.fixture
def scene(app, session):
    """(world, the resident's user, their redemption's id, its path)."""
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "王桂兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        code, _row = redemption.issue_code(profile, actor=user)
        made = redemption.redeem(code, w.service, 4000, "k-1", actor=w.manager).redemption
    db.session.commit()
    return w, user, made.id, f"/vouchers/redemptions/{made.id}"


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def rating_of(redemption_id: int) -> tuple:
    return db.session.execute(select(Rating.stars, Rating.comment).where(Rating.redemption_id == redemption_id)).one()


def test_a_second_rating_is_stale_and_shows_the_first(scene, client, login_as):
    _w, user, rid, base = scene
    login_as(user)
    assert client.post(f"{base}/rate", data={"stars": "5", "comment": "很好"}).status_code == 302
    before = counts()
    again = client.post(f"{base}/rate", headers=EN, data={"stars": "1", "comment": "不好"})
    assert again.status_code == 409
    page = page_of(again)
    assert "This service has already been rated." in page and STALE in page
    assert "rate-form" not in page and f'href="/vouchers/redemptions/{rid}/rating"' in page  # change it instead
    assert "★★★★★" in page and "很好" in page and "不好" not in page
    assert rating_of(rid) == (5, "很好") and counts() == before


def test_a_second_dispute_is_stale_and_shows_the_first(scene, client, login_as):
    _w, user, rid, base = scene
    login_as(user)
    assert client.post(f"{base}/dispute", data={"reason": "没有送到"}).status_code == 302
    before = counts()
    again = client.post(f"{base}/dispute", headers=EN, data={"reason": "又问一次"})
    assert again.status_code == 409
    page = page_of(again)
    assert "This redemption has already been disputed." in page and STALE in page
    assert "dispute-form" not in page and "Dispute under review" in page and "没有送到" in page
    assert db.session.scalar(select(Dispute.reason)) == "没有送到" and counts() == before


def test_rating_a_redemption_reversed_meanwhile_is_stale(scene, app, client, login_as):
    w, user, rid, base = scene
    login_as(user)
    page = client.get("/vouchers/me/redemptions").get_data(as_text=True)
    assert f'action="{base}/rate"' in page  # the form she is looking at
    with app.test_request_context():  # meanwhile the dispute staff raised for her is upheld
        found = db.session.get(Redemption, rid)
        disputes.decide_dispute(disputes.raise_dispute(found, "未上门", actor=w.staff), True, "核实", actor=w.officer)
    db.session.commit()
    before = counts()
    stale = client.post(f"{base}/rate", headers=EN, data={"stars": "2", "comment": "没来"})
    assert stale.status_code == 409
    page = page_of(stale)
    assert "A reversed redemption cannot be rated." in page and STALE in page
    assert "Dispute upheld: ¥40.00 has been returned to your vouchers." in page  # in plain words, not "Reversed"
    assert "Reversed" not in page and "rate-form" not in page and "dispute-form" not in page
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 0 and counts() == before


def test_a_dispute_after_its_window_keeps_the_reason_beside_why(scene, client, login_as):
    """The list offered the form (within 7 days) when she began typing; she sent it after the window closed."""
    _w, user, rid, base = scene
    db.session.execute(update(Redemption).where(Redemption.id == rid)
                       .values(created_at=utcnow() - disputes.DISPUTE_WINDOW - timedelta(seconds=1)))
    db.session.commit()
    login_as(user)
    before = counts()
    refused = client.post(f"{base}/dispute", headers=EN, data={"reason": "护理员只来了半小时"})
    assert refused.status_code == 422
    page = page_of(refused)
    said = re.search(rf'<div id="reason-{rid}-error"[^>]*>(.*?)</div>', page, re.S)
    assert said and said.group(1).strip() == "A redemption can be disputed only within 7 days."
    assert re.search(r'<textarea[^>]*name="reason"[^>]*>护理员只来了半小时</textarea>', page)
    assert "btn-outline-danger" not in page  # no button that can only be refused again
    assert page.count("A redemption can be disputed only within 7 days.") == 1  # beside the words, not twice
    assert counts() == before and db.session.get(Redemption, rid).status == "completed"


def test_staff_refused_for_a_resident_see_the_same_page_and_go_back_to_the_record(scene, client, login_as):
    w, _user, rid, base = scene
    login_as(w.staff)
    refused = client.post(f"{base}/rate", headers=EN, data={"comment": "老人说很满意"})
    assert refused.status_code == 422
    page = page_of(refused)
    assert "老人说很满意</textarea>" in page and f'id="stars-{rid}-error"' in page
    resident_id = db.session.get(Redemption, rid).resident_id
    assert f'href="/vouchers/residents/{resident_id}" id="back-to-list"' in page
    assert "resident-tabs" not in page  # the resident's own tabs are not staff's
    assert client.post(f"{base}/rate", data={"stars": "5"}).status_code == 302
    assert client.post(f"{base}/rate", headers=EN, data={"stars": "4"}).status_code == 409
    assert rating_of(rid) == (5, "")



@pytest.mark.parametrize("action, data", [("rate", {"comment": "服务很周到"}),  # no stars chosen
                                          ("dispute", {"reason": ""})])  # no reason
def test_a_refused_rating_or_dispute_is_still_under_my_services_tab(scene, client, login_as, action, data):
    _w, user, _rid, base = scene
    login_as(user)
    refused = client.post(f"{base}/{action}", headers=EN, data=data)
    assert refused.status_code == 422
    tabs = page_of(refused).split('class="resident-tabs', 1)[1].split("</nav>", 1)[0]
    current = re.findall(r'<a class="btn btn-lg btn-primary" href="([^"]+)" aria-current="page">', tabs)
    assert current == ["/vouchers/me/redemptions"] and tabs.count('aria-current') == 1
