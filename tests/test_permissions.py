"""The role × route table: who may open what. Anonymous visitors are sent to the login page."""

import pytest

from accounts.enums import Role
from core.db import db
from tests.factories import make_user

ROLES = ["anonymous", *[r.value for r in Role]]
OK, DENIED, LOGIN = "ok", "denied", "login"

# route -> set of roles allowed; everyone else authenticated is denied, anonymous goes to login
TABLE = [
    ("GET", "/", set(ROLES)),
    ("GET", "/audit/head", set(ROLES)),
    ("GET", "/verify", set(ROLES)),
    ("GET", "/account", set(ROLES) - {"anonymous"}),
    ("GET", "/account/password", set(ROLES) - {"anonymous"}),
    ("GET", "/admin/users", {"admin"}),
    ("GET", "/admin/users/new", {"admin"}),
    ("GET", "/admin/users/{user_id}", {"admin"}),
    ("POST", "/admin/users/{user_id}/deactivate", {"admin"}),
    ("GET", "/audit/", {"admin", "auditor"}),
    ("POST", "/audit/head/certificate", {"admin", "auditor"}),
    ("GET", "/contracts/", set(ROLES) - {"anonymous"}),
    ("GET", "/contracts/receipts", set(ROLES) - {"anonymous"}),
    ("GET", "/evaluation/conflicts", {"evaluator"}),
    ("GET", "/evaluations/", {"officer", "auditor", "admin"}),
    ("GET", "/evaluations/mine", set(ROLES) - {"anonymous"}),
    ("GET", "/evaluations/agencies", {"officer"}),
    ("GET", "/needs/", {"community_staff", "officer", "auditor", "admin"}),
    ("GET", "/needs/mine", {"resident"}),  # (one without a profile yet is sent to tell their community who they are)
]
PUBLIC = {"/", "/audit/head", "/verify"}


def expected(role, path, allowed):
    if role in allowed:
        return OK
    return LOGIN if role == "anonymous" else DENIED


def outcome(response):
    if response.status_code == 403:
        return DENIED
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return LOGIN
    return OK if response.status_code in (200, 302) else f"status {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_role_route_table(client, session, login_as, role):
    target = make_user(Role.OFFICER, username="target-user")
    make_user(Role.ADMIN, username="spare-admin")  # so an admin may act on the target
    if role != "anonymous":
        login_as(make_user(role, username=f"as-{role}"))
    db.session.commit()
    results = {}
    for method, path, allowed in TABLE:
        url = path.format(user_id=target.id)
        response = client.open(url, method=method, data={"reason": "测试"} if method == "POST" else None)
        results[(method, path)] = (outcome(response), expected(role, path, allowed))
    mismatches = {k: v for k, v in results.items() if v[0] != v[1]}
    assert mismatches == {}
