import hashlib

from sqlalchemy import select

from accounts.cli import users_cli
from accounts.enums import Role
from accounts.models import ApiToken, User
from audit.models import AuditEvent
from core.db import db
from tests.factories import make_user


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_is_shown_once_and_stored_hashed(client, session, login_as):
    user = make_user(Role.OFFICER)
    login_as(user)
    page = client.post("/account/tokens", data={"name": "脚本"}, follow_redirects=True).get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("gz_")
    stored = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in client.get("/account").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.created"))
    assert token not in "".join(db.session.scalars(select(AuditEvent.data)))
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.get_json()["username"] == user.username


def test_revoked_token_stops_working(app, client, session, login_as):
    user = make_user(Role.OFFICER)
    runner = app.test_cli_runner()
    token = runner.invoke(users_cli, ["token", user.username]).output.strip()
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200
    login_as(user)
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    response = app.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_someone_elses_token_cannot_be_revoked(client, session, login_as):
    owner = make_user(Role.OFFICER)
    from accounts.tokens import create_token

    token, _plain = create_token(owner, "mine", actor=owner)
    login_as(make_user(Role.OFFICER))
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 403
    assert token.revoked_at is None


def test_session_cookie_does_not_authenticate_the_api(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.get_json()["error"]) == {"code", "message", "fields"}


def test_deactivated_users_tokens_stop_working(app, session):
    from accounts import services
    from accounts.tokens import create_token

    admin = make_user(Role.ADMIN)
    user = make_user(Role.OFFICER)
    _token, plain = create_token(user, "t", actor=user)
    services.set_active(user, False, actor=admin, reason="离职")
    db.session.commit()
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 401


def test_api_errors_are_json(client, session):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["code"] == "not_found"
    garbage = client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert garbage.status_code == 401 and garbage.is_json


def test_audit_events_api_needs_an_auditor(app, session):
    from accounts.tokens import create_token

    officer = make_user(Role.OFFICER)
    auditor = make_user(Role.AUDITOR)
    _t, officer_token = create_token(officer, "t", actor=officer)
    _t, auditor_token = create_token(auditor, "t", actor=auditor)
    db.session.commit()
    c = app.test_client()
    assert c.get("/api/v1/audit/events", headers=bearer(officer_token)).status_code == 403
    events = c.get("/api/v1/audit/events?action=token.", headers=bearer(auditor_token)).get_json()["events"]
    assert {e["action"] for e in events} == {"token.created"}


def test_cli_creates_users_with_roles_from_stdin(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(users_cli, ["create", "lijianguo", "--role", "officer", "--role", "auditor",
                                       "--password-stdin"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "lijianguo"))
    assert user.role_names == {"officer", "auditor"}
    short = runner.invoke(users_cli, ["create", "shorty", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and db.session.scalar(select(User).where(User.username == "shorty")) is None
    bad_role = runner.invoke(users_cli, ["create", "x1y", "--role", "king", "--password-stdin"], input="a" * 12)
    assert bad_role.exit_code != 0
    missing = runner.invoke(users_cli, ["token", "nobody"])
    assert missing.exit_code != 0


def test_a_refused_token_name_says_why_and_makes_nothing(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    for name, reason in (("x" * 101, "100"), ("   ", "")):
        answer = client.post("/account/tokens", data={"name": name})
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422 and 'id="new-token"' not in page
        assert "is-invalid" in page and reason in page  # the reason beside the name field (the length limit)
    assert db.session.scalar(select(ApiToken)) is None


def test_the_new_tokens_secret_is_shown_once_after_a_redirect_and_a_reload_makes_no_second_token(client, session,
                                                                                                 login_as):
    """The secret was rendered by the POST itself: F5 posted again and made a second token nobody saw."""
    user = make_user(Role.OFFICER)
    login_as(user)
    posted = client.post("/account/tokens", data={"name": "脚本"})
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/account#api-tokens")
    assert "gz_" not in posted.get_data(as_text=True)
    shown = client.get("/account").get_data(as_text=True)
    token = shown.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("gz_")
    reloaded = client.get("/account").get_data(as_text=True)  # F5 on the page the redirect led to
    assert 'id="new-token"' not in reloaded and token not in reloaded
    assert len(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()) == 1
    with client.session_transaction() as kept:
        assert token not in str(dict(kept))  # gone from the session once shown
