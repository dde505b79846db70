"""The resident's code page: getting a code redirects to the page that shows it, so reloading the page (or coming
back to it from another app) shows the same code instead of making a new one each time; once the provider has
used it, the page says what it paid for; an expired one is said to have expired."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from core.timeutil import format_local
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
    """The code on show: its eight digits, shown in two groups of four (each in its own element)."""
    found = re.search(r'id="one-time-code">(.*?)</p>', response.get_data(as_text=True), re.S)
    digits = re.sub(r"<[^>]+>", "", found.group(1)) if found else ""
    return digits if re.fullmatch(r"\d{8}", digits) else None


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


def test_a_live_code_says_until_when_in_beijing_time_and_the_page_reloads_then(holder, client, login_as):
    """The resident reads when the code runs out, in Beijing time; the page's script reloads it at that moment (it
    is told how many seconds are left), so a dead code does not stay on the screen."""
    w, user, _profile = holder
    login_as(user)
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    row = db.session.scalar(select(RedemptionCode))
    row.expires_at = utcnow() + timedelta(seconds=90)
    db.session.commit()
    page = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    until = format_local(row.expires_at, "%H:%M")
    assert f"至北京时间 {until}" in page
    left = int(re.search(r'data-expires-in="(\d+)"', page).group(1))
    assert 85 <= left <= 90
    assert "js/voucher_code.js" in page


def test_another_residents_code_is_never_shown(holder, client, login_as):
    """Only the resident's own code is shown, whatever id the session holds: a stale id of someone else's code
    (another account once logged in on this phone) shows nothing of it and is dropped."""
    w, user, _profile = holder
    with client.application.test_request_context():
        _other_user, other = phone_resident(w.staff, "赵桂芳")
        issuance.issue_to_resident(w.programme, other, actor=w.officer)
        code, row = redemption.issue_code(other, actor=w.staff)
    db.session.commit()
    login_as(user)
    with client.session_transaction() as held:
        held["voucher_code"] = {"code": code, "id": row.id}
    page = client.get("/vouchers/me/code").get_data(as_text=True)
    assert code not in page and 'id="one-time-code"' not in page
    with client.session_transaction() as held:
        assert "voucher_code" not in held
