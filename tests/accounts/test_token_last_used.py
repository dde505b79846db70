"""An API token's last use: written when it authenticates a request, at most once per TOKEN_USE_INTERVAL, never as an
audit event or a log line holding the token, and shown in the token tables."""

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from accounts import services, tokens
from accounts.enums import Role
from accounts.models import ApiToken
from audit.models import AuditEvent
from core.db import db, utcnow
from core.timeutil import format_local
from tests.factories import make_user, statements_during

ENGLISH = {"Accept-Language": "en"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_token(role=Role.OFFICER):
    user = make_user(role)
    token, plain = tokens.create_token(user, "script", actor=user)
    db.session.commit()
    return user, token.id, plain


def last_used(token_id):
    """The stored value (a column query: never the session's possibly stale object)."""
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def set_last_used(token_id, value):
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=value))
    db.session.commit()


def updates_of_tokens(statements) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("UPDATE") and "api_tokens" in s]


def test_an_api_request_records_the_tokens_use(app, session):
    _user, token_id, plain = new_token()
    assert last_used(token_id) is None
    before = utcnow()
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 200
    used = last_used(token_id)
    assert used is not None and before <= used <= utcnow()


def test_a_post_records_the_use_too_even_when_refused(app, session):
    """A write request (BEGIN IMMEDIATE on SQLite) that the API refuses still used the token."""
    _user, token_id, plain = new_token()
    response = app.test_client().post("/api/v1/me", headers=bearer(plain), json={})
    assert response.status_code == 405
    assert last_used(token_id) is not None


def test_a_second_use_within_the_interval_writes_nothing(app, session):
    _user, token_id, plain = new_token()
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    first = last_used(token_id)
    statements, response = statements_during(lambda: client.get("/api/v1/me", headers=bearer(plain)))
    assert response.status_code == 200
    assert updates_of_tokens(statements) == [] and len(statements) == 1, statements
    assert last_used(token_id) == first
    # Still inside the interval (four minutes ago): not written either.
    four_minutes_ago = utcnow() - timedelta(minutes=4)
    set_last_used(token_id, four_minutes_ago)
    statements, _response = statements_during(lambda: client.post("/api/v1/me", headers=bearer(plain)))
    assert updates_of_tokens(statements) == []
    assert last_used(token_id) == four_minutes_ago


def test_a_use_after_the_interval_is_written_again(app, session):
    _user, token_id, plain = new_token()
    long_ago = utcnow() - tokens.TOKEN_USE_INTERVAL - timedelta(seconds=1)
    set_last_used(token_id, long_ago)
    statements, response = statements_during(
        lambda: app.test_client().get("/api/v1/me", headers=bearer(plain)))
    assert response.status_code == 200
    assert len(updates_of_tokens(statements)) == 1
    assert last_used(token_id) > long_ago + timedelta(minutes=4)


def test_outside_a_request_the_use_is_written_in_the_callers_transaction(session):
    user, token_id, plain = new_token()
    assert tokens.user_for_token(plain).id == user.id
    assert last_used(token_id) is not None
    assert tokens.record_token_use(token_id) is False  # within the interval: the UPDATE's own condition holds it


def test_uses_are_neither_audited_nor_logged(app, session, caplog):
    _user, token_id, plain = new_token()
    client = app.test_client()
    events = db.session.scalar(select(func.count(AuditEvent.seq)))
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
        set_last_used(token_id, utcnow() - timedelta(hours=1))
        assert client.get("/api/v1/me", headers=bearer(plain)).status_code == 200
    assert db.session.scalar(select(func.count(AuditEvent.seq))) == events
    assert plain not in caplog.text


def test_a_failure_to_record_the_use_does_not_fail_the_request(app, session, caplog, monkeypatch):
    _user, token_id, plain = new_token()

    def busy(_token_id):
        raise OperationalError("UPDATE api_tokens", {}, Exception("database is locked"))

    monkeypatch.setattr(tokens, "record_token_use", busy)
    with caplog.at_level(logging.WARNING):
        response = app.test_client().get("/api/v1/me", headers=bearer(plain))
    assert response.status_code == 200 and response.get_json()["username"]
    assert last_used(token_id) is None
    assert f"API token #{token_id}" in caplog.text and plain not in caplog.text


def test_revoked_token_still_refused_and_not_recorded(app, session):
    user, token_id, plain = new_token()
    tokens.revoke_token(db.session.get(ApiToken, token_id), actor=user)
    db.session.commit()
    response = app.test_client().get("/api/v1/me", headers=bearer(plain))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"
    assert last_used(token_id) is None
    assert tokens.user_for_token(plain) is None and last_used(token_id) is None


def test_deactivated_users_token_is_not_recorded(app, session):
    admin = make_user(Role.ADMIN)
    user, token_id, plain = new_token()
    services.set_active(user, False, actor=admin, reason="离职")
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 401
    assert last_used(token_id) is None


def last_used_cell(page: str, table_start: str = "<table") -> str:
    """The 'last used' cell of the table's first token."""
    table = page.split(table_start, 1)[1].split("</table>", 1)[0]
    head, body = table.split("<tbody>", 1)
    assert "Last used" in head
    return body.split('class="token-last-used">', 1)[1].split("</td>", 1)[0]


def test_own_account_page_shows_last_use_or_never(app, client, session, login_as):
    user, token_id, plain = new_token()
    login_as(user)
    assert "Never used" in last_used_cell(client.get("/account", headers=ENGLISH).get_data(as_text=True))
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 200
    cell = last_used_cell(client.get("/account", headers=ENGLISH).get_data(as_text=True))
    assert cell == format_local(last_used(token_id))


def test_admin_user_page_shows_last_use_in_local_time(app, client, session, login_as):
    user, token_id, _plain = new_token()
    set_last_used(token_id, datetime(2025, 3, 1, 23, 30, tzinfo=UTC))
    login_as(make_user(Role.ADMIN))
    page = client.get(f"/admin/users/{user.id}", headers=ENGLISH).get_data(as_text=True)
    assert last_used_cell(page, 'id="user-tokens"') == "2025-03-02 07:30"  # Asia/Shanghai, the next morning
