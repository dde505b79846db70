"""The resident's code page: getting a code redirects to the page that shows it, so reloading the page (or coming
back to it from another app) shows the same code instead of making a new one each time; once the provider has
used it, the page says what it paid for; an expired one is said to have expired."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from vouchers import issuance, redemption
from vouchers.redemption_models import RedemptionCode

from .helpers import events, world
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def holder(app, session):
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "王秀兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
    db.session.commit()
    return w, user, profile


def shown(response) -> str | None:
    found = re.search(r'id="one-time-code">(\d{8})<', response.get_data(as_text=True))
    return found.group(1) if found else None


def codes() -> int:
    return db.session.scalar(select(func.count(RedemptionCode.id)))


def test_reloading_shows_the_same_code_and_makes_no_other(holder, client, login_as):
    w, user, _profile = holder
    login_as(user)
    response = client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/vouchers/me/code")
    first = shown(client.get("/vouchers/me/code", headers=ZH))
    assert first is not None
    assert shown(client.get("/vouchers/me/code", headers=ZH)) == first  # reloaded: the same code
    assert codes() == 1 and len(events("voucher.code_issued")) == 1


def test_a_used_code_says_what_it_paid_for_and_the_page_offers_a_new_one(holder, client, login_as):
    w, user, _profile = holder
    login_as(user)
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    code = shown(client.get("/vouchers/me/code"))
    with client.application.test_request_context():
        redemption.redeem(code, w.service, 3000, "k-used", actor=w.manager)
    db.session.commit()
    page = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    assert 'id="code-used"' in page and "¥30.00" in page and w.service.name in page and w.org.name in page
    assert 'id="one-time-code"' not in page and 'id="make-code"' in page
    assert 'id="code-used"' not in client.get("/vouchers/me/code").get_data(as_text=True)  # said once


def test_an_expired_code_is_said_to_have_expired(holder, client, login_as):
    w, user, _profile = holder
    login_as(user)
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    assert shown(client.get("/vouchers/me/code"))
    row = db.session.scalar(select(RedemptionCode))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    assert 'id="code-expired"' in page and 'id="one-time-code"' not in page
    assert codes() == 1


def test_a_code_held_in_another_residents_browser_is_not_shown(holder, client, login_as):
    """The session holds the code for the account that got it: logging out forgets it (a shared phone), and a
    stale id of another resident's code shows nothing of it."""
    w, user, profile = holder
    login_as(user)
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    row = db.session.scalar(select(RedemptionCode))
    with client.application.test_request_context():
        other_user, _other = phone_resident(w.staff, "赵桂芳")
        issuance.issue_to_resident(w.programme, _other, actor=w.officer)
        assert redemption.shown_code(_other, row.id) == (None, None)
        assert redemption.shown_code(profile, row.id)[0].id == row.id
    db.session.commit()
    assert client.post("/logout").status_code == 302
    login_as(other_user)
    assert shown(client.get("/vouchers/me/code")) is None
