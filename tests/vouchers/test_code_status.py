"""The code page follows its code: while a code is on the resident's screen the page asks for its state (a small JSON
answer, the resident's own code only, one query), and the page itself (reloaded by its script, or by hand without
one) says when the code was used, for what, by whom, for how much and what is left, or that it expired or can no
longer be used, with where to go next."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.residents import transition_resident
from core.db import db, utcnow
from tests.factories import logout, make_user, statements_during
from vouchers import code_status, issuance, programmes, redemption
from vouchers.enums import ProgrammeStatus
from vouchers.redemption_models import RedemptionCode

from .helpers import world
from .test_code_page import shown
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
JSON = {"Accept": "application/json"}


@pytest.fixture
def holder(app, session):
    """A resident who logs in, holding ¥200.00 of vouchers, and another resident who logs in too."""
    with app.test_request_context():
        w = world()
        user, profile = phone_resident(w.staff, "王秀兰")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        other_user, _other = phone_resident(w.staff, "赵桂芳")
    db.session.commit()
    return w, user, profile, other_user


def code_on_show(client, w) -> tuple[str, int]:
    """The resident gets a code on the page: its digits and its id."""
    client.post("/vouchers/me/code", data={"programme_id": str(w.programme.id)})
    code = shown(client.get("/vouchers/me/code"))
    assert code is not None
    return code, db.session.scalar(select(RedemptionCode.id).order_by(RedemptionCode.id.desc()))


def redeem(client, w, code: str, amount_fen: int = 3000) -> None:
    with client.application.test_request_context():
        redemption.redeem(code, w.service, amount_fen, f"k-{code}", actor=w.manager)
    db.session.commit()


def status(client, code_id: int, headers=JSON):
    return client.get(f"/vouchers/me/code/{code_id}/status", headers=headers)


# --- the service ---------------------------------------------------------------------------------------------

def test_the_state_follows_the_code_live_used_expired_cancelled(holder, app):
    w, user, profile, other_user = holder
    with app.test_request_context():
        code, row = redemption.issue_code(profile, actor=user)
        assert code_status.code_status(user, row.id).state == code_status.LIVE
        later = row.expires_at + timedelta(seconds=1)
        assert code_status.code_status(user, row.id, now=later).state == code_status.EXPIRED
        assert code_status.shown_code(profile, row.id, now=later).state == code_status.EXPIRED
        redemption.redeem(code, w.service, 3000, "k-1", actor=w.manager)
        assert code_status.code_status(user, row.id).state == code_status.USED
        assert code_status.code_status(user, row.id, now=later).state == code_status.USED  # used beats expired
        used = code_status.shown_code(profile, row.id)
        assert used.state == code_status.USED and used.spent.amount_fen == 3000
        assert used.spent.service_id == w.service.id and used.spent.provider_org_id == w.org.id


def test_a_code_the_provider_would_refuse_now_is_cancelled(holder, app):
    """Its programme closed, or the resident suspended, since the code was made: redeem refuses it, so it is not
    shown as live."""
    w, user, profile, _other = holder
    with app.test_request_context():
        _code, row = redemption.issue_code(profile, actor=user)
        transition_resident(profile, "suspended", actor=w.staff, reason="搬走了")
        assert code_status.code_status(user, row.id).state == code_status.CANCELLED
        assert code_status.shown_code(profile, row.id).state == code_status.CANCELLED
    with app.test_request_context():
        w2 = world()
        resident_user, resident = phone_resident(w2.staff, "孙玉兰")
        issuance.issue_to_resident(w2.programme, resident, actor=w2.officer)
        _code, row = redemption.issue_code(resident, actor=resident_user)
        programmes.transition_programme(w2.programme, ProgrammeStatus.CLOSED, actor=w2.officer, reason="试点结束")
        assert code_status.code_status(resident_user, row.id).state == code_status.CANCELLED
        assert code_status.shown_code(resident, row.id).state == code_status.CANCELLED


def test_only_the_codes_owner_gets_its_state(holder, app):
    w, user, profile, other_user = holder
    with app.test_request_context():
        _code, row = redemption.issue_code(profile, actor=user)
        assert code_status.code_status(other_user, row.id) is None
        assert code_status.code_status(w.staff, row.id) is None  # staff printed codes for residents; not this
        assert code_status.code_status(w.manager, row.id) is None
        assert code_status.code_status(user, row.id + 1000) is None
        assert code_status.shown_code(profile, True) is None and code_status.shown_code(profile, "1") is None


# --- the status the page polls -------------------------------------------------------------------------------

def test_the_status_says_live_then_used_and_nothing_else(holder, client, login_as):
    w, user, _profile, _other = holder
    login_as(user)
    code, code_id = code_on_show(client, w)
    live = status(client, code_id)
    assert live.status_code == 200 and live.headers["Cache-Control"] == "no-store"
    assert set(live.json) == {"state", "expires_in"}  # no name, no amount, no code
    assert live.json["state"] == "live" and 290 <= live.json["expires_in"] <= 300
    assert code not in live.text
    redeem(client, w, code)
    assert status(client, code_id).json == {"state": "used", "expires_in": 0}


def test_the_status_of_an_expired_code_says_expired(holder, client, login_as):
    w, user, _profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    db.session.get(RedemptionCode, code_id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert status(client, code_id).json == {"state": "expired", "expires_in": 0}


@pytest.mark.parametrize("who", ["other resident", "provider", "officer"])
def test_someone_elses_code_is_not_found(holder, client, login_as, who):
    w, user, _profile, other_user = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    logout(client)
    stranger = {"other resident": other_user, "provider": w.manager, "officer": w.officer}[who]
    login_as(stranger)
    answer = status(client, code_id)
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    assert "state" not in answer.json


def test_anonymous_is_sent_to_log_in(holder, client, login_as):
    w, user, _profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    logout(client)
    answer = status(client, code_id)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert "live" not in answer.get_data(as_text=True)


def test_the_status_costs_one_query_on_the_codes(holder, client, login_as):
    """Polled every few seconds by everyone with a code on the screen: one query reads the code (with its owner and
    programme); nothing reads balances, redemptions or vouchers."""
    w, user, _profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    statements, answer = statements_during(lambda: status(client, code_id))
    assert answer.json["state"] == "live"
    on_codes = [s for s in statements if "voucher_codes" in s]
    assert len(on_codes) == 1
    assert not [s for s in statements if re.search(r"\b(voucher_redemptions|vouchers|voucher_ledger)\b", s)]


# --- the page -----------------------------------------------------------------------------------------------

def test_the_live_page_tells_its_script_where_to_ask_and_without_script_to_reload(holder, client, login_as):
    w, user, _profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    page = client.get("/vouchers/me/code", headers=EN).get_data(as_text=True)
    assert f'data-status-url="/vouchers/me/code/{code_id}/status"' in page
    assert "js/voucher_code.js" in page
    assert re.search(r"<noscript>.*reload this page.*</noscript>", page, re.S)


@pytest.mark.parametrize(("headers", "words"), [
    (EN, ["Your code has been used", "Provider", "Service", "Amount", "Your balance now"]),
    (ZH, ["核销码已使用", "服务机构", "服务", "金额", "现在的余额"]),
])
def test_a_used_code_says_who_for_what_how_much_and_what_is_left(holder, client, login_as, headers, words):
    w, user, _profile, _other = holder
    login_as(user)
    code, _code_id = code_on_show(client, w)
    redeem(client, w, code, 3000)
    response = client.get("/vouchers/me/code", headers=headers)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    used = re.search(r'<div[^>]*id="code-used".*?</div>', page, re.S).group(0)
    for word in words:
        assert word in used
    assert w.org.name in used and w.service.name in used
    assert re.search(r'id="used-amount">¥30\.00<', used) and re.search(r'id="balance-now"[^>]*>¥170\.00<', used)
    assert "/vouchers/me/redemptions" in used
    assert 'id="one-time-code"' not in page and "voucher_code.js" not in page and 'id="make-code"' in page
    assert page.index('id="code-used"') < page.index('class="resident-tabs')  # first on the screen


def test_an_expired_code_says_so_with_a_way_back(holder, client, login_as):
    w, user, _profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    db.session.get(RedemptionCode, code_id).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    page = html.unescape(client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True))
    expired = re.search(r'<div[^>]*id="code-expired".*?</div>', page, re.S).group(0)
    assert "核销码已过期" in expired and 'href="/vouchers/me"' in expired
    assert 'id="one-time-code"' not in page


def test_a_code_whose_programme_closed_says_it_can_no_longer_be_used(holder, client, login_as):
    w, user, _profile, _other = holder
    login_as(user)
    _code, _code_id = code_on_show(client, w)
    with client.application.test_request_context():
        programmes.transition_programme(db.session.merge(w.programme), ProgrammeStatus.CLOSED, actor=w.officer,
                                         reason="试点结束")
    db.session.commit()
    page = html.unescape(client.get("/vouchers/me/code", headers=EN).get_data(as_text=True))
    cancelled = re.search(r'<div[^>]*id="code-cancelled".*?</div>', page, re.S).group(0)
    assert "Your code can no longer be used" in cancelled and "no longer running" in cancelled
    assert 'href="/vouchers/me"' in cancelled and 'id="one-time-code"' not in page


def test_the_resident_never_sees_another_residents_used_code(holder, client, login_as):
    """A stale code id of someone else in the session shows nothing of what their code paid for."""
    w, user, _profile, other_user = holder
    with client.application.test_request_context():
        other = db.session.scalar(select(type(_profile)).where(type(_profile).user_id == other_user.id))
        issuance.issue_to_resident(w.programme, other, actor=w.officer)
        code, row = redemption.issue_code(other, actor=other_user)
        redemption.redeem(code, w.service, 4500, "k-other", actor=w.manager)
    db.session.commit()
    login_as(user)
    with client.session_transaction() as held:
        held["voucher_code"] = {"code": code, "id": row.id}
    page = client.get("/vouchers/me/code").get_data(as_text=True)
    assert 'id="code-used"' not in page and "¥45.00" not in page


def test_a_new_resident_account_has_no_status_of_any_code(holder, client, login_as):
    w, user, profile, _other = holder
    with client.application.test_request_context():
        _code, row = redemption.issue_code(profile, actor=user)
    db.session.commit()
    login_as(make_user())
    assert status(client, row.id).status_code == 404


def test_a_code_of_a_suspended_programme_is_paused_and_live_again_on_resuming(holder, app, client, login_as):
    w, user, profile, _other = holder
    login_as(user)
    _code, code_id = code_on_show(client, w)
    with app.test_request_context():
        programmes.transition_programme(w.programme, ProgrammeStatus.SUSPENDED, actor=w.officer, reason="核查异常核销")
    db.session.commit()
    assert status(client, code_id).json == {"state": "paused", "expires_in": 0}
    page = html.unescape(client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True))
    assert 'id="code-paused"' in page and "此核销码现在无法使用" in page and "服务券项目已暂停" in page
    with app.test_request_context():
        programmes.transition_programme(w.programme, ProgrammeStatus.ACTIVE, actor=w.officer, reason="核查完毕")
    db.session.commit()
    assert status(client, code_id).json["state"] == "live"
