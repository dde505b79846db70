"""Printed one-time codes and monthly limits, as the QA walk on a phone found them.

A sheet printed again cancels the code on the earlier sheet (only printed codes: the code on the resident's phone
stays), and community staff cancel a live printed code on the resident's page (作废, after a confirmation); a
cancelled code is refused at redemption (409 code_cancelled, its own message) and changes nothing, and each
cancellation is an audit event. A redemption refused by a monthly limit says how much is left this month, and the
resident's page shows the limit and what is left. An amount of 0 typed in yuan is told about in yuan, not fen."""

import json
import re

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from tests.factories import logout, make_user, statements_during
from tests.orgs.helpers import community
from vouchers import documents, issuance, redemption
from vouchers.models import Voucher
from vouchers.redemption_models import LedgerEntry, Redemption, RedemptionCode

from .helpers import events, world
from .test_api import bearer
from .test_views import phone_resident

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def committed(app, build):
    with app.test_request_context():
        made = build()
    db.session.commit()
    return made


def printed(app, resident, actor) -> str:
    """A sheet with one code printed (documents.issue_printed_vouchers, the route's service), committed: its code
    (sheets of several codes: test_printed_sheet_codes)."""
    return committed(app, lambda: documents.issue_printed_vouchers(resident, actor=actor, count=1)[1][0])


def state(resident_id: int) -> tuple:
    """Everything a redemption would change: the resident's balance, the ledger, the redemptions, the audit trail."""
    return (db.session.scalar(select(func.sum(Voucher.balance_fen)).where(Voucher.resident_id == resident_id)),
            db.session.scalar(select(func.count(LedgerEntry.id))),
            db.session.scalar(select(func.count(Redemption.id))),
            db.session.scalar(select(func.count(AuditEvent.seq))))


def redeem_form(client, w, code: str, amount: str, key: str = "form-1", headers=ZH):
    return client.post(f"/vouchers/provider/{w.org.id}/redeem", headers=headers,
                       data={"code": code, "service_id": str(w.service.id), "amount_fen": amount,
                             "idempotency_key": key})


def as_user(client, login_as, user) -> None:
    """Log in as user (whoever was logged in before, logged out: the login form leaves them logged in)."""
    logout(client)
    login_as(user)


def data(event) -> dict:
    return json.loads(event.data)


def live_printed(resident_id: int) -> list[int]:
    return list(db.session.scalars(select(RedemptionCode.id).where(
        RedemptionCode.resident_id == resident_id, RedemptionCode.printed.is_(True),
        RedemptionCode.cancelled_at.is_(None), RedemptionCode.used_at.is_(None)).order_by(RedemptionCode.id)))


# --- printing again ---------------------------------------------------------------------------------------------

def test_printing_again_cancels_the_earlier_printed_code_which_is_then_refused_and_changes_nothing(
        app, session, client, login_as):
    w = committed(app, world)
    first = printed(app, w.resident, w.staff)
    first_id = live_printed(w.resident.id)[0]
    second = printed(app, w.resident, w.staff)
    assert live_printed(w.resident.id) == [first_id + 1]  # only the newest sheet's code
    cancelled = events("voucher.code_cancelled")
    assert [(data(e)["code_id"], data(e)["reason"], data(e)["replaced_by"]) for e in cancelled] == [
        (first_id, "reprinted", [first_id + 1])]  # (the new sheet's codes)
    assert cancelled[0].actor_id == w.staff.id

    login_as(w.manager)
    api_headers = bearer(w.manager) | EN  # (a token made: an audit event)
    before = state(w.resident.id)
    refused = redeem_form(client, w, first, "50")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "该核销码已作废" in page and "已被使用" not in page and "已过期" not in page
    assert state(w.resident.id) == before  # no balance, ledger row, redemption or audit event
    api = client.post("/api/v1/vouchers/redemptions", headers=api_headers,
                      json={"code": first, "service_id": w.service.id, "amount_fen": 5000, "idempotency_key": "a-1"})
    assert api.status_code == 409
    assert api.get_json()["error"]["code"] == "code_cancelled"
    assert api.get_json()["error"]["message"].startswith("This code was cancelled")
    assert state(w.resident.id) == before

    assert redeem_form(client, w, second, "50", key="form-2").status_code == 302  # the new sheet's code works
    assert state(w.resident.id)[0] == before[0] - 5000


def test_printing_from_the_residents_page_twice_leaves_only_the_second_sheets_codes_live(app, session, client,
                                                                                       login_as):
    w = committed(app, world)
    login_as(w.staff)
    for _ in range(2):
        assert client.post(f"/vouchers/residents/{w.resident.id}/print").status_code == 302
    assert len(live_printed(w.resident.id)) == 4  # one code a voucher (4 × 50 元), on the second sheet
    assert db.session.scalar(select(func.count(RedemptionCode.id)).where(
        RedemptionCode.resident_id == w.resident.id, RedemptionCode.cancelled_at.is_not(None))) == 4


def test_printing_leaves_the_code_on_the_residents_phone_alone(app, session, client, login_as):
    w = committed(app, world)
    user, profile = committed(app, lambda: phone_resident(w.staff, "王淑芬"))
    committed(app, lambda: issuance.issue_to_resident(w.programme, profile, actor=w.officer))
    on_phone = committed(app, lambda: redemption.issue_code(profile, actor=user)[0])
    printed(app, profile, user)  # the resident prints their own sheet, then staff print one
    printed(app, profile, w.staff)
    assert [data(e)["reason"] for e in events("voucher.code_cancelled")] == ["reprinted"]  # the first sheet's
    login_as(w.manager)
    assert redeem_form(client, w, on_phone, "30").status_code == 302


# --- cancelled by staff -----------------------------------------------------------------------------------------

def test_staff_cancel_a_live_printed_code_on_the_residents_page_after_a_confirmation(app, session, client,
                                                                                    login_as):
    w = committed(app, world)
    code = printed(app, w.resident, w.staff)
    code_id = live_printed(w.resident.id)[0]
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}", headers=ZH).get_data(as_text=True)
    form = re.search(rf'<form[^>]*id="cancel-code-form-{code_id}".*?</form>', page, re.S).group(0)
    assert "data-confirm=" in form and "确定作废" in form and 'name="csrf_token"' in form
    assert re.search(r">\s*作废\s*</button>", form)

    done = client.post(f"/vouchers/residents/{w.resident.id}/codes/{code_id}/cancel", headers=ZH,
                       follow_redirects=True)
    assert done.status_code == 200 and "打印的核销码已作废" in done.get_data(as_text=True)
    assert f'id="cancel-code-form-{code_id}"' not in done.get_data(as_text=True)  # no longer listed
    assert live_printed(w.resident.id) == []
    [event] = events("voucher.code_cancelled")
    assert (data(event)["code_id"], data(event)["reason"], event.actor_id) == (code_id, "cancelled_by_staff",
                                                                               w.staff.id)

    again = client.post(f"/vouchers/residents/{w.resident.id}/codes/{code_id}/cancel", headers=ZH,
                        follow_redirects=True)
    assert "已无法作废" in again.get_data(as_text=True) and len(events("voucher.code_cancelled")) == 1

    as_user(client, login_as, w.manager)
    before = state(w.resident.id)
    refused = redeem_form(client, w, code, "50", headers=EN)
    assert refused.status_code == 409 and "This code was cancelled" in refused.get_data(as_text=True)
    assert state(w.resident.id) == before


def test_only_staff_of_the_residents_community_cancel_and_only_that_residents_codes(app, session, client,
                                                                                    login_as):
    w = committed(app, world)
    printed(app, w.resident, w.staff)
    code_id = live_printed(w.resident.id)[0]

    def elsewhere():
        staff = make_user(Role.COMMUNITY_STAFF)
        staff.communities = [community("光明社区")]
        return staff

    other_staff = committed(app, elsewhere)
    other = committed(app, lambda: world())  # another resident (in 和平社区 too) with a printed code
    printed(app, other.resident, other.staff)
    other_code = live_printed(other.resident.id)[0]
    path = f"/vouchers/residents/{w.resident.id}/codes/{code_id}/cancel"
    admin = committed(app, lambda: make_user(Role.ADMIN))  # sees the resident's page, is no community staff
    a_resident, _profile = committed(app, lambda: phone_resident(w.staff, "孙秀兰"))
    for user, status in ((other_staff, 404), (w.manager, 403), (w.officer, 403), (a_resident, 403),
                         (admin, 403)):
        as_user(client, login_as, user)
        assert (user.username, client.post(path).status_code) == (user.username, status)
    page = client.get(f"/vouchers/residents/{w.resident.id}").get_data(as_text=True)  # (the administrator)
    assert 'id="printed-codes"' in page and "cancel-code-form" not in page
    as_user(client, login_as, w.staff)
    wrong = client.post(f"/vouchers/residents/{w.resident.id}/codes/{other_code}/cancel", headers=EN,
                        follow_redirects=True)
    assert "can no longer be cancelled" in wrong.get_data(as_text=True)
    assert live_printed(w.resident.id) == [code_id] and live_printed(other.resident.id) == [other_code]
    assert events("voucher.code_cancelled") == []


def test_the_cancel_needs_the_forms_csrf_token(app, session, client, login_as, monkeypatch):
    w = committed(app, world)
    printed(app, w.resident, w.staff)
    code_id = live_printed(w.resident.id)[0]
    login_as(w.staff)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    path = f"/vouchers/residents/{w.resident.id}/codes/{code_id}/cancel"
    assert client.post(path).status_code in (400, 422)
    assert live_printed(w.resident.id) == [code_id]
    page = client.get(f"/vouchers/residents/{w.resident.id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*id="cancel-code-form-{code_id}".*?</form>', page, re.S).group(0)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert live_printed(w.resident.id) == []


# --- the redemption's statements -----------------------------------------------------------------------------

def test_a_redemption_runs_as_many_statements_as_before_cancelled_codes(app, session):
    """The cancellation is a condition of the statements a redemption runs anyway (with both caps, as many as
    before it: 11 on SQLite, 9 on PostgreSQL, measured at the commit before); why a code is refused is asked only
    once it is refused."""
    with app.test_request_context():
        w = world(resident_cap_fen=20_000, provider_cap_fen=1_000_000)
        code, _row = redemption.issue_code(w.resident, actor=w.staff)
        statements, _done = statements_during(lambda: redemption.redeem(code, w.service, 3000, "k-1",
                                                                         actor=w.manager))
    assert len(statements) == (9 if db.engine.dialect.name == "postgresql" else 11)


# --- monthly limits -----------------------------------------------------------------------------------------------

def test_the_residents_monthly_limit_refusal_says_what_is_left_this_month(app, session, client, login_as):
    # ¥310 of vouchers, at most ¥200 a month
    w = committed(app, lambda: world(face_value_fen=7750, resident_cap_fen=20_000))
    login_as(w.manager)
    codes = [committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff, printed=True)[0])
             for _ in range(3)]  # (printed: a new code on the screen would replace the one before)
    refused = redeem_form(client, w, codes[0], "300")
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "将超过该居民的每月限额：本月最多还可使用 ¥200.00。" in page
    assert redeem_form(client, w, codes[1], "50", key="form-2").status_code == 302
    again = redeem_form(client, w, codes[2], "200", key="form-3", headers=EN)
    assert again.status_code == 409
    assert "at most ¥150.00 can still be used this month" in again.get_data(as_text=True)


def test_the_providers_monthly_limit_refusal_says_what_the_provider_has_left(app, session, client, login_as):
    w = committed(app, lambda: world(provider_cap_fen=10_000))
    login_as(w.manager)
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    refused = redeem_form(client, w, code, "150")
    assert refused.status_code == 409
    assert "将超过该服务机构的每月限额：本月最多还可核销 ¥100.00。" in refused.get_data(as_text=True)
    api = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager) | EN,
                      json={"code": code, "service_id": w.service.id, "amount_fen": 15_000, "idempotency_key": "a"})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "provider_cap"
    assert "¥100.00" in api.get_json()["error"]["message"]


def test_the_residents_pages_show_the_monthly_limit_and_what_is_left(app, session, client, login_as):
    w = committed(app, lambda: world(resident_cap_fen=20_000))
    user, profile = committed(app, lambda: phone_resident(w.staff, "赵玉兰"))
    committed(app, lambda: issuance.issue_to_resident(w.programme, profile, actor=w.officer))
    code = committed(app, lambda: redemption.issue_code(profile, actor=user)[0])
    committed(app, lambda: redemption.redeem(code, w.service, 5000, "k-1", actor=w.manager))
    login_as(user)
    mine = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    assert re.search(r'id="monthly-limit-\d+">每月限额 ¥200\.00，本月还可使用 ¥150\.00<', mine)
    as_user(client, login_as, w.staff)
    staff_page = client.get(f"/vouchers/residents/{profile.id}", headers=ZH).get_data(as_text=True)
    assert "每月限额 ¥200.00，本月还可使用 ¥150.00" in staff_page


def test_no_limit_shown_where_the_programme_has_none(app, session, client, login_as):
    w = committed(app, world)
    user, profile = committed(app, lambda: phone_resident(w.staff, "钱桂英"))
    committed(app, lambda: issuance.issue_to_resident(w.programme, profile, actor=w.officer))
    login_as(user)
    mine = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    assert "¥200.00" in mine and "monthly-limit-" not in mine and "每月限额" not in mine


# --- an amount of 0 ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["0", "0.00", "-5"])
def test_zero_or_less_in_the_yuan_field_is_told_in_yuan_words(app, session, client, login_as, typed):
    w = committed(app, world)
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    login_as(w.manager)
    before = state(w.resident.id)
    refused = redeem_form(client, w, code, typed)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "请填写大于 0 的金额" in page and "单位：分" not in page and "分为单位" not in page
    assert state(w.resident.id) == before


def test_the_api_says_amount_fen_in_fen(app, session, client):
    w = committed(app, world)
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    url, headers = "/api/v1/vouchers/redemptions", bearer(w.manager) | EN
    answers = {amount: client.post(url, headers=headers, json={
        "code": code, "service_id": w.service.id, "amount_fen": amount, "idempotency_key": "k"}).get_json()
        for amount in (0, "50")}
    assert answers[0]["error"]["fields"]["amount_fen"] == "Enter an amount above zero."
    assert "fen" in answers["50"]["error"]["fields"]["amount_fen"]
