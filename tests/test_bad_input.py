"""Malformed input gets a clear 4xx, never a 500."""

import pytest

from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from tests.factories import make_user

HUGE = "9" * 30


@pytest.fixture
def token(session):
    user = make_user(Role.OFFICER)
    _t, plain = accounts.create_token(user, "t", actor=user)
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
