"""No write of the API is accepted from the wrong person (DESIGN.md rule 8: the API is not a back door).

tests/test_openapi.py fuzzes the bodies; here every POST/PUT/PATCH/DELETE route of /api/v1 gets a *valid* request
for a real record of the demo data (tests/api/foreign_cases.py), sent first by users who must not do the thing (one
with no role, others whose role or organisation is the wrong one) and with no token: each is refused (401, 403 or
404, never a 2xx nor a 500) and the database is exactly as it was (the rows of every table, the audit trail). Then
the right user sends the same request and it succeeds, which proves the body was valid and the refusals were about
the person."""

import hashlib

import pytest
import sqlalchemy as sa

from accounts.models import User
from accounts.tokens import create_token, revoke_token
from audit.models import AuditEvent
from core.db import db

from .foreign_cases import CASES
from .world import World

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = {401, 403, 404}
# Stamped by any request with a token (its last use, written after the response): not a change the request made.
NOT_COMPARED = {"api_tokens"}


def write_routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
            for method in rule.methods & WRITE_METHODS}


def test_every_write_route_has_a_case(app):
    """A new write route must bring its world and valid body (tests/api/foreign_cases.py CASES)."""
    missing = sorted(write_routes(app) - set(CASES))
    assert not missing, ("write routes of /api/v1 without a case in tests/api/foreign_cases.py CASES (add a world, "
                         "a valid body, the right user and the wrong ones): "
                         + ", ".join(f"{m} {r}" for m, r in missing))
    assert not set(CASES) - write_routes(app), "cases of routes that no longer exist"


def row_counts() -> dict[str, int]:
    """Every table's row count (one query), and the number of audit events."""
    counts = sa.union_all(*(sa.select(sa.literal(t.name).label("name"), sa.func.count().label("n")).select_from(t)
                            for t in db.metadata.sorted_tables))
    return {**dict(db.session.execute(counts).all()),
            "audit events": db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))}


def contents() -> dict[str, str]:
    """A digest of every table's rows: what an UPDATE changes without adding a row."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name not in NOT_COMPARED:
            rows = sorted(map(repr, db.session.execute(sa.select(table))))
            digests[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests


def changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


PARAMS = [pytest.param(builder, id=f"{method} {rule.removeprefix('/api/v1')} {builder.__name__}")
          for (method, rule), builders in CASES.items() for builder in builders]


@pytest.mark.parametrize("builder", PARAMS)
def test_a_valid_write_from_the_wrong_person_is_refused_and_changes_nothing(client, session, demo_data, builder):
    """The wrong users of the case, anonymous, the right user's revoked token and the right user's account
    deactivated: refused, nothing changed (row counts and audit events after each request, every row's content
    after all of them). Then the right user: a 2xx that writes its audit event."""
    world = World()
    case = builder(world)
    db.session.commit()
    tokens = {name: world.token(user) for name, user in case.wrong.items()}
    revoked, tokens["no token"] = create_token(case.right, "revoked", actor=case.right), None
    revoke_token(revoked[0], actor=case.right)
    tokens["the right user's revoked token"] = revoked[1]
    right = tokens["the right user, deactivated"] = world.token(case.right)
    case.right.active = False
    db.session.commit()
    kwargs = {} if case.body is None else {"json": case.body}

    def send(token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.open(case.url, method=case.method, headers=headers, **kwargs)

    counts, rows = row_counts(), contents()
    for name, token in tokens.items():
        response = send(token)
        assert response.status_code in REFUSED, (
            f"{case.method} {case.url} as {name}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        assert changed(counts, row_counts()) == [], f"{case.method} {case.url} as {name} added or removed rows"
    assert changed(rows, contents()) == [], f"{case.method} {case.url}: a refused request changed these tables"

    db.session.get(User, case.right.id).active = True
    db.session.commit()
    counts = row_counts()
    response = send(right)
    assert 200 <= response.status_code < 300, (
        f"{case.method} {case.url} as the right user: {response.status_code} {response.get_data(as_text=True)[:300]}")
    assert "audit events" in changed(counts, row_counts()), "the right user's request wrote no audit event"
