"""Malformed input gets a clear 4xx, never a 500."""

import pytest

from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from tests.factories import make_user

HUGE = "9" * 30


@pytest.fixture
def token(session):
    user = make_user(Role.OFFICER)
    _t, plain = create_token(user, "t", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


@pytest.mark.parametrize("path", [f"/calls/{HUGE}", f"/orgs/{HUGE}", f"/orgs/?page={HUGE}", "/orgs/?grade=²",
                                  f"/api/v1/orgs?category={HUGE}", "/api/v1/orgs?grade=²", f"/api/v1/orgs?page={HUGE}",
                                  f"/api/v1/calls/{HUGE}", f"/verify/{'x' * 500}"])
def test_bad_urls_are_not_server_errors(client, session, path):
    assert client.get(path).status_code < 500


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/orgs", [1, 2]),
    ("post", "/api/v1/calls/1/proposals", [1]),
    ("put", "/api/v1/proposals/1", ["x"]),
    ("post", "/api/v1/evaluation/members/1/declarations", [1]),
    ("put", "/api/v1/evaluation/members/1/sheets/1", [1]),
])
def test_non_object_json_bodies_are_refused(client, token, method, path, body):
    response = getattr(client, method)(path, json=body, headers=token)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("method, path, data", [
    ("get", f"/audit/?before={HUGE}", None),
    ("get", f"/orgs/export.xlsx?category={HUGE}&grade={HUGE}&community={HUGE}", None),
    ("post", "/calls/1/questions", {"org_id": HUGE, "text": "请问预算是否含税？"}),
    ("post", "/calls/1/proposal", {"org_id": HUGE}),
])
def test_huge_ids_in_queries_and_forms_are_not_server_errors(client, session, login_as, method, path, data):
    login_as(make_user(Role.ADMIN, Role.OFFICER, Role.AUDITOR))
    response = getattr(client, method)(path, data=data) if data else getattr(client, method)(path)
    assert response.status_code < 500


def test_huge_audit_api_cursor_is_not_a_server_error(client, session):
    auditor = make_user(Role.AUDITOR)
    _t, plain = create_token(auditor, "t", actor=auditor)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/audit/events?before=5", headers=headers).status_code == 200
    assert client.get(f"/api/v1/audit/events?before={HUGE}", headers=headers).status_code == 422  # out of range


@pytest.mark.parametrize("path", [f"/contracts/?page={HUGE}", f"/vouchers/programmes?page={HUGE}",
                                  f"/vouchers/catalogue?programme={HUGE}&category={HUGE}&community={HUGE}",
                                  f"/vouchers/residents?community={HUGE}&page={HUGE}"])
def test_huge_numbers_in_new_pages_are_not_server_errors(client, session, login_as, path):
    login_as(make_user(Role.ADMIN, Role.OFFICER, Role.COMMUNITY_STAFF, Role.RESIDENT))
    assert client.get(path).status_code < 500


def test_nul_characters_are_refused_and_change_nothing(client, session, token):
    """PostgreSQL text cannot hold NUL: a form, query or JSON body carrying one is a 400, not a 500, and writes
    nothing (on SQLite too, so both databases behave alike)."""
    from accounts.models import User

    answer = client.post("/signup", data={"username": "nul-user", "display_name": "a\x00b",
                                          "password": "correct-horse-1", "confirm": "correct-horse-1"})
    assert answer.status_code == 400 and "请求" in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.username == "nul-user")) is None
    assert client.get("/calls/?q=a%00b").status_code == 400
    api = client.post("/api/v1/orgs", data='{"name": "a\\u0000b"}', content_type="application/json", headers=token)
    assert api.status_code == 400 and api.get_json()["error"]["code"]
    assert client.get("/calls/?q=ab").status_code == 200  # the same request without the NUL is served
