"""A resident cancels their own printed code (作废: a sheet lost or taken), not only community staff.

Their vouchers page lists their printed codes still valid, each with a cancel form asking for a confirmation; the
cancellation goes through the one service (printed_codes.cancel_printed_code), is an audit event naming the resident
as the one who did it (reason cancelled_by_resident), and a provider then refuses the code. A code no longer valid
(used, already cancelled) is a 409 that changes nothing; someone else's code is a 404, and an account that is no
resident gets a 403. The app does the same through GET /api/v1/vouchers/printed-codes and
POST /api/v1/vouchers/printed-codes/<id>/cancel, both in the OpenAPI description."""

import re

from accounts.enums import Role
from tests.factories import make_user
from vouchers import issuance, redemption

from .helpers import events, world
from .test_api import bearer
from .test_codes_and_limits import EN, ZH, as_user, committed, data, live_printed, printed, redeem_form, state
from .test_views import phone_resident

API = "/api/v1/vouchers/printed-codes"


def resident_world(app):
    """world() with a resident who logs in (world's own resident was registered by staff, without a login) and
    holds the programme's vouchers: (world, their user, their profile)."""
    def build():
        w = world()
        user, profile = phone_resident(w.staff, "赵桂英")
        issuance.issue_to_resident(w.programme, profile, actor=w.officer)
        return w, user, profile

    return committed(app, build)


def cancel_form(page: str, code_id: int) -> str:
    found = re.search(rf'<form[^>]*id="cancel-code-form-{code_id}".*?</form>', page, re.S)
    assert found, "the page offers to cancel the code"
    return found.group(0)


def test_a_resident_cancels_their_lost_sheets_code_on_their_vouchers_page(app, session, client, login_as):
    w, user, profile = resident_world(app)
    code = printed(app, profile, user)
    [code_id] = live_printed(profile.id)
    login_as(user)
    page = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    form = cancel_form(page, code_id)
    assert f'action="/vouchers/me/codes/{code_id}/cancel"' in form and 'name="csrf_token"' in form
    assert "data-confirm=" in form and "确定作废" in form and re.search(r">\s*作废\s*</button>", form)
    assert "如您遗失了打印单" in page  # in the resident's words, not staff's ("如居民遗失了打印单")

    done = client.post(f"/vouchers/me/codes/{code_id}/cancel", headers=ZH)
    assert done.status_code == 302 and done.headers["Location"].endswith("/vouchers/me")
    after = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    assert "您打印的核销码已作废" in after and f'id="cancel-code-form-{code_id}"' not in after
    assert live_printed(profile.id) == []
    [event] = events("voucher.code_cancelled")
    assert (data(event)["code_id"], data(event)["reason"], event.actor_id) == (
        code_id, "cancelled_by_resident", user.id)

    again = client.post(f"/vouchers/me/codes/{code_id}/cancel", headers=ZH)
    assert again.status_code == 409 and "已无法作废" in again.get_data(as_text=True)
    assert len(events("voucher.code_cancelled")) == 1

    as_user(client, login_as, w.manager)
    before = state(profile.id)
    refused = redeem_form(client, w, code, "50", headers=EN)
    assert refused.status_code == 409 and "the resident or their community cancelled it" in refused.get_data(
        as_text=True)
    assert state(profile.id) == before


def test_a_used_code_cannot_be_cancelled_and_is_no_longer_offered(app, session, client, login_as):
    w, user, profile = resident_world(app)
    code = printed(app, profile, w.staff)
    [code_id] = live_printed(profile.id)
    login_as(w.manager)
    assert redeem_form(client, w, code, "50").status_code == 302
    as_user(client, login_as, user)
    assert 'id="printed-codes"' not in client.get("/vouchers/me").get_data(as_text=True)
    before = state(profile.id)
    refused = client.post(f"/vouchers/me/codes/{code_id}/cancel", headers=EN)
    assert refused.status_code == 409 and "can no longer be cancelled" in refused.get_data(as_text=True)
    assert state(profile.id) == before and events("voucher.code_cancelled") == []


def test_someone_elses_code_is_not_found_and_a_non_resident_is_refused(app, session, client, login_as):
    w, user, profile = resident_world(app)
    other = committed(app, world)  # another resident (of 和平社区 too) with their own printed code
    printed(app, profile, w.staff)
    printed(app, other.resident, other.staff)
    [mine], [theirs] = live_printed(profile.id), live_printed(other.resident.id)
    login_as(user)
    assert client.post(f"/vouchers/me/codes/{theirs}/cancel").status_code == 404
    assert client.post("/vouchers/me/codes/999999/cancel").status_code == 404
    for user in (w.staff, w.officer, committed(app, lambda: make_user(Role.ADMIN))):
        as_user(client, login_as, user)  # none of them is a resident: no code of theirs to cancel here
        assert client.post(f"/vouchers/me/codes/{mine}/cancel").status_code == 403
    assert live_printed(profile.id) == [mine] and live_printed(other.resident.id) == [theirs]
    assert events("voucher.code_cancelled") == []


def test_the_residents_cancel_needs_the_forms_csrf_token(app, session, client, login_as, monkeypatch):
    w, user, profile = resident_world(app)
    printed(app, profile, user)
    [code_id] = live_printed(profile.id)
    login_as(user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    path = f"/vouchers/me/codes/{code_id}/cancel"
    assert client.post(path).status_code in (400, 422)
    assert live_printed(profile.id) == [code_id]
    form = cancel_form(client.get("/vouchers/me").get_data(as_text=True), code_id)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert live_printed(profile.id) == []


# --- the API ----------------------------------------------------------------------------------------------------

def test_the_app_lists_and_cancels_the_residents_own_printed_code(app, session, client):
    w = committed(app, world)
    printed(app, w.resident, w.staff)
    [code_id] = live_printed(w.resident.id)
    on_phone = committed(app, lambda: redemption.issue_code(w.resident, actor=w.resident.user)[1].id)
    headers = bearer(w.resident.user) | EN
    listed = client.get(API, headers=headers)
    assert listed.status_code == 200
    [item] = listed.get_json()["items"]  # the sheet's code, not the one on the phone's screen
    assert (item["id"], item["programme_id"], item["cancelled_at"]) == (code_id, w.programme.id, None)

    assert client.post(f"{API}/{on_phone}/cancel", headers=headers).status_code == 404  # not a printed code
    done = client.post(f"{API}/{code_id}/cancel", headers=headers)
    assert done.status_code == 200 and done.get_json()["id"] == code_id and done.get_json()["cancelled_at"]
    assert live_printed(w.resident.id) == [] and client.get(API, headers=headers).get_json()["items"] == []
    [event] = events("voucher.code_cancelled")
    assert (data(event)["reason"], event.actor_id) == ("cancelled_by_resident", w.resident.user.id)

    again = client.post(f"{API}/{code_id}/cancel", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "code_not_live"
    assert len(events("voucher.code_cancelled")) == 1


def test_the_app_refuses_someone_elses_code_and_a_non_resident(app, session, client):
    w = committed(app, world)
    other = committed(app, world)
    printed(app, other.resident, other.staff)
    [theirs] = live_printed(other.resident.id)
    assert client.post(f"{API}/{theirs}/cancel", headers=bearer(w.resident.user)).status_code == 404
    for user in (other.staff, other.manager):  # staff cancel on the resident's page, not through a resident's app
        response = client.post(f"{API}/{theirs}/cancel", headers=bearer(user))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "not_a_resident"
    assert client.get(API, headers=bearer(other.staff)).status_code == 403
    assert live_printed(other.resident.id) == [theirs] and events("voucher.code_cancelled") == []


def test_the_openapi_description_has_both_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    cancel = paths["/api/v1/vouchers/printed-codes/{code_id}/cancel"]["post"]
    assert {"403", "404", "409"} <= set(cancel["responses"]) and "get" in paths["/api/v1/vouchers/printed-codes"]
