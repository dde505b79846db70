"""The voucher API: status codes, idempotent retries over HTTP, and the role × endpoint permission table."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import category
from tests.vouchers.helpers import events, running_programme, world
from vouchers import issuance
from vouchers.models import Voucher
from vouchers.redemption_models import Redemption


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {create_token(user, 'app', actor=user)[1]}"}


def new_code(client, w) -> str:
    response = client.post("/api/v1/vouchers/codes", headers=bearer(w.resident.user), json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def body(w, one_time_code: str, **overrides) -> dict:
    return {"code": one_time_code, "service_id": w.service.id, "amount_fen": 5000, "idempotency_key": "pos-1",
            **overrides}


def total_balance(w) -> int:
    return db.session.scalar(select(func.sum(Voucher.balance_fen)).where(Voucher.resident_id == w.resident.id))


def test_redeem_created_and_retried(client, session):
    w = world()
    headers = bearer(w.manager)
    code = new_code(client, w)
    first = client.post("/api/v1/vouchers/redemptions", headers=headers, json=body(w, code))
    assert first.status_code == 201
    data = first.get_json()
    assert data["amount_fen"] == 5000 and data["status"] == "completed" and data["resident"].endswith("*")
    retry = client.post("/api/v1/vouchers/redemptions", headers=headers, json=body(w, code))
    assert retry.status_code == 201 and retry.get_json() == data
    assert total_balance(w) == 15_000 and db.session.scalar(select(func.count(Redemption.id))) == 1
    assert len(events("voucher.redeemed")) == 1
    changed = client.post("/api/v1/vouchers/redemptions", headers=headers, json=body(w, code, amount_fen=4000))
    assert changed.status_code == 422 and changed.get_json()["error"]["code"] == "idempotency_mismatch"
    reused = client.post("/api/v1/vouchers/redemptions", headers=headers, json=body(w, code, idempotency_key="pos-2"))
    assert reused.status_code == 409 and reused.get_json()["error"]["code"] == "code_used"
    assert total_balance(w) == 15_000


@pytest.mark.parametrize(("overrides", "status", "error"), [
    ({"code": "00000000"}, 409, "code_unknown"),
    ({"amount_fen": 20_001}, 409, "insufficient_balance"),
    ({"amount_fen": "50"}, 422, "invalid"),
    ({"amount_fen": -1}, 422, "invalid"),
    ({"service_id": "1"}, 422, "invalid"),
    ({"service_id": 999_999}, 422, "invalid"),
    ({"idempotency_key": None}, 422, "invalid"),
    ({"code": 12345678}, 422, "invalid"),
])
def test_redeem_errors_change_nothing(client, session, overrides, status, error):
    w = world()
    code = new_code(client, w)
    response = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager), json=body(w, code, **overrides))
    assert response.status_code == status and response.get_json()["error"]["code"] == error
    assert total_balance(w) == 20_000 and not events("voucher.redeemed")
    ok = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager), json=body(w, code))
    assert ok.status_code == 201  # the code was not used up by the refused request


def test_not_json_is_422(client, session):
    w = world()
    response = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager), data="code=1")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "bad_json"


def test_provider_not_allowed_in_the_programme_is_403(client, session):
    w = world()
    other = running_programme(w.officer, name="助残券", category_ids=[category("disability").id])
    issuance.issue_to_resident(other, w.resident, actor=w.officer)
    response = client.post("/api/v1/vouchers/codes", headers=bearer(w.resident.user), json={"programme_id": other.id})
    assert response.status_code == 201 and response.get_json()["programme_id"] == other.id
    answer = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager),
                         json=body(w, response.get_json()["code"]))
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "provider_not_allowed"


def test_codes_balance_and_services(client, session):
    w = world()
    response = client.post("/api/v1/vouchers/codes", headers=bearer(w.resident.user))
    assert response.status_code == 201 and set(response.get_json()) == {"code", "expires_at", "programme_id"}
    balance = client.get("/api/v1/vouchers/balance", headers=bearer(w.resident.user)).get_json()
    assert balance["total_fen"] == 20_000 and balance["programmes"][0]["vouchers"] == 4
    mine = client.get("/api/v1/vouchers/services", headers=bearer(w.manager)).get_json()
    assert [s["id"] for s in mine["items"]] == [w.service.id]
    listed = client.get(f"/api/v1/vouchers/services?programme_id={w.programme.id}",
                        headers=bearer(w.resident.user)).get_json()
    assert [s["id"] for s in listed["items"]] == [w.service.id]
    assert listed["items"][0]["provider_rating"] == {"average": None, "count": 0}


def test_dispute_and_rating_through_the_api(client, session):
    w = world()
    made = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager), json=body(w, new_code(client, w)))
    rid = made.get_json()["id"]
    resident_headers = bearer(w.resident.user)
    assert client.post(f"/api/v1/vouchers/redemptions/{rid}/rating", headers=resident_headers,
                       json={"stars": 5, "comment": "好"}).status_code == 201
    assert client.post(f"/api/v1/vouchers/redemptions/{rid}/rating", headers=resident_headers,
                       json={"stars": 4}).status_code == 409
    assert client.post(f"/api/v1/vouchers/redemptions/{rid}/dispute", headers=bearer(w.manager),
                       json={"reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/vouchers/redemptions/{rid}/dispute", headers=resident_headers,
                       json={"reason": "没来"}).status_code == 201


# role -> endpoint -> expected status
PERMISSIONS = {
    "anonymous": {"redeem": 401, "codes": 401, "balance": 401, "services": 401},
    "officer": {"redeem": 403, "codes": 403, "balance": 403, "services": 200},
    "staff": {"redeem": 403, "codes": 403, "balance": 403, "services": 200},
    "resident": {"redeem": 403, "codes": 201, "balance": 200, "services": 200},
    "other_org_member": {"redeem": 403, "codes": 403, "balance": 403, "services": 200},
    "provider_member": {"redeem": 201, "codes": 403, "balance": 403, "services": 200},
}


@pytest.mark.parametrize("role", sorted(PERMISSIONS))
def test_api_permission_table(client, session, role):
    w = world()
    from tests.vouchers.helpers import provider

    users = {"anonymous": None, "officer": w.officer, "staff": w.staff, "resident": w.resident.user,
             "provider_member": w.manager, "other_org_member": provider(w.officer)[1]}
    headers = bearer(users[role]) if users[role] else {}
    code = new_code(client, w)
    calls = {
        "redeem": lambda: client.post("/api/v1/vouchers/redemptions", headers=headers, json=body(w, code)),
        "codes": lambda: client.post("/api/v1/vouchers/codes", headers=headers, json={}),
        "balance": lambda: client.get("/api/v1/vouchers/balance", headers=headers),
        "services": lambda: client.get("/api/v1/vouchers/services", headers=headers),
    }
    for endpoint, expected in PERMISSIONS[role].items():
        response = calls[endpoint]()
        assert response.status_code == expected, (role, endpoint, response.get_json())


def test_session_cookie_does_not_authenticate_the_api(client, login_as, session):
    login_as(make_user(Role.OFFICER))
    assert client.get("/api/v1/vouchers/balance").status_code == 401


def test_catalogue_queries_do_not_grow_with_providers(client, session):
    from sqlalchemy import event

    from tests.vouchers.helpers import provider, service

    w = world()
    headers = bearer(w.resident.user)
    url = f"/api/v1/vouchers/services?programme_id={w.programme.id}"
    statements = []

    def count(*_args):
        statements.append(1)

    def measure() -> int:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url, headers=headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    # The token's first use records it (accounts.tokens.TOKEN_USE_INTERVAL): measure requests after that one.
    assert client.get(url, headers=headers).status_code == 200
    one = measure()
    for _ in range(3):
        org, manager = provider(w.officer)
        service(org, manager, communities=["和平社区"])
    assert len(client.get(url, headers=headers).get_json()["items"]) == 4
    assert measure() == one
