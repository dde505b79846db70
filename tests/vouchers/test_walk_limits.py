"""The QA walk's monthly limit and balance refusals: a resident whose month's limit is used up gets no code (on the
phone, through the API, or on a printed sheet: issue_code refuses it, saying from when it can be used again), the code
page says so before its button, a redemption refused by a used-up limit says "本月额度已用完" (not "at most ¥0.00"),
and a balance too small for the amount says what is left, so the provider can take that and charge the rest."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import Conflict
from tests.factories import statements_during
from vouchers import documents, issuance, limits, redemption
from vouchers.redemption_models import RedemptionCode

from .helpers import world
from .test_api import bearer
from .test_codes_and_limits import EN, ZH, committed, redeem_form
from .test_views import phone_resident


def codes_of(resident_id: int) -> int:
    return db.session.scalar(select(func.count(RedemptionCode.id)).where(RedemptionCode.resident_id == resident_id))


def used_up(app, w, amount_fen: int = 5000):
    """The resident's month's limit spent (a code used for amount_fen = the cap)."""
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    committed(app, lambda: redemption.redeem(code, w.service, amount_fen, "spend-all", actor=w.manager))


def test_next_month_starts_on_the_first_in_beijing():
    # 2026-12-31 17:00 UTC is already 2027-01-01 01:00 in Beijing: its next month begins on 1 February
    assert limits.next_month_starts(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)).isoformat() == "2027-02-01"
    assert limits.next_month_starts(datetime(2026, 12, 31, 15, 0, tzinfo=UTC)).isoformat() == "2027-01-01"


def test_no_code_once_the_months_limit_is_used_up_with_the_day_it_comes_back(app, session):
    w = committed(app, lambda: world(resident_cap_fen=5000))  # ¥200 of vouchers, ¥50 a month
    used_up(app, w)
    before = codes_of(w.resident.id)
    with app.test_request_context(headers=ZH), pytest.raises(Conflict) as refused:
        redemption.issue_code(w.resident, actor=w.staff)
    assert refused.value.code == "resident_cap_used_up"
    day = limits.next_month_starts()
    assert refused.value.message == (f"“{w.programme.name}”本月额度（每月 ¥50.00）已用完，"
                                     f"{day.year}年{day.month}月1日起可再使用。")
    db.session.rollback()
    assert codes_of(w.resident.id) == before


def test_a_printed_sheet_is_refused_too(app, session):
    w = committed(app, lambda: world(resident_cap_fen=5000))
    used_up(app, w)
    before = codes_of(w.resident.id)
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        documents.issue_printed_vouchers(w.resident, actor=w.staff)
    assert refused.value.code == "resident_cap_used_up"
    db.session.rollback()
    assert codes_of(w.resident.id) == before


def test_the_staff_print_button_answers_with_the_reason(app, session, client, login_as):
    w = committed(app, lambda: world(resident_cap_fen=5000))
    used_up(app, w)
    login_as(w.staff)
    answer = client.post(f"/vouchers/residents/{w.resident.id}/print", headers=ZH, follow_redirects=True)
    assert "本月额度（每月 ¥50.00）已用完" in answer.get_data(as_text=True)
    assert codes_of(w.resident.id) == 1  # the one used up


def test_the_api_refuses_a_code_with_its_own_error_code(app, session, client):
    w = committed(app, lambda: world(resident_cap_fen=5000))
    user, profile = committed(app, lambda: phone_resident(w.staff, "孙凤英"))
    committed(app, lambda: issuance.issue_to_resident(w.programme, profile, actor=w.officer))
    code = committed(app, lambda: redemption.issue_code(profile, actor=user)[0])
    committed(app, lambda: redemption.redeem(code, w.service, 5000, "k-1", actor=w.manager))
    answer = client.post("/api/v1/vouchers/codes", headers=bearer(user) | EN, json={})
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["code"] == "resident_cap_used_up" and "can be used again from" in error["message"]


def test_the_code_page_says_it_before_the_button_and_offers_none(app, session, client, login_as):
    w = committed(app, lambda: world(resident_cap_fen=5000))
    user, profile = committed(app, lambda: phone_resident(w.staff, "周桂芝"))
    committed(app, lambda: issuance.issue_to_resident(w.programme, profile, actor=w.officer))
    login_as(user)
    fresh = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    assert 'id="make-code"' in fresh and "allowance-used-up" not in fresh
    code = committed(app, lambda: redemption.issue_code(profile, actor=user)[0])
    committed(app, lambda: redemption.redeem(code, w.service, 5000, "k-1", actor=w.manager))
    client.get("/vouchers/me/code")  # (the used code's page, said once)
    page = client.get("/vouchers/me/code", headers=ZH).get_data(as_text=True)
    notice = re.search(r'id="allowance-used-up-\d+"[^>]*>([^<]+)<', page)
    assert notice and "本月的“高龄老人助餐服务券”额度（每月 ¥50.00）已用完" in notice.group(1)
    assert "月1日起可再使用" in notice.group(1)
    assert 'id="make-code"' not in page and 'id="code-back"' in page
    assert client.post("/vouchers/me/code", headers=ZH, data={"programme_id": w.programme.id}).status_code == 409


def test_a_redemption_refused_by_a_used_up_limit_says_so(app, session, client, login_as):
    w = committed(app, lambda: world(resident_cap_fen=5000))
    first, second = (committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff, printed=True)[0])
                     for _ in range(2))
    committed(app, lambda: redemption.redeem(first, w.service, 5000, "k-1", actor=w.manager))
    login_as(w.manager)
    refused = redeem_form(client, w, second, "10", key="form-2")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "本月额度已用完" in page and "¥0.00" not in page
    with app.test_request_context(headers=ZH), pytest.raises(Conflict) as service_refusal:
        redemption.redeem(second, w.service, 1000, "k-3", actor=w.manager)
    assert service_refusal.value.code == "resident_cap"
    assert service_refusal.value.message.startswith("本月额度已用完：该居民")
    db.session.rollback()


def test_a_limit_partly_used_still_says_what_is_left(app, session):
    w = committed(app, lambda: world(resident_cap_fen=5000))
    first, second = (committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff, printed=True)[0])
                     for _ in range(2))
    committed(app, lambda: redemption.redeem(first, w.service, 2000, "k-1", actor=w.manager))
    with app.test_request_context(headers=ZH), pytest.raises(Conflict) as refused:
        redemption.redeem(second, w.service, 5000, "k-2", actor=w.manager)
    assert "本月最多还可使用 ¥30.00" in refused.value.message
    db.session.rollback()


def test_too_little_balance_says_what_is_left(app, session, client, login_as):
    w = committed(app, world)  # ¥200 of vouchers; the service is listed at ¥500
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    login_as(w.manager)
    refused = redeem_form(client, w, code, "300")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "居民余额不足：还剩 ¥200.00" in page and "差额请另行向居民收取" in page
    assert redeem_form(client, w, code, "200", key="form-2").status_code == 302  # the same code, for what is left


def test_issuing_a_code_runs_no_more_statements_for_the_limit(app, session):
    """The limit and its use come with the balance query issue_code ran anyway: with a limit, issuing a code runs
    as many statements as without one."""
    with app.test_request_context():
        capped, free = world(resident_cap_fen=5000), world()
        counts = [len(statements_during(lambda w=w: redemption.issue_code(w.resident, actor=w.staff,
                                                                           programme=w.programme))[0])
                  for w in (capped, free)]
    assert counts[0] == counts[1]
