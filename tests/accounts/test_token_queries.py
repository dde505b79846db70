"""The API token lookup: one query for the token, its user and the user's roles, and still refusing revoked
tokens and deactivated users."""

from accounts import services
from accounts.enums import Role
from accounts.models import User
from accounts.tokens import create_token, revoke_token, user_for_token
from core.db import db
from tests.factories import make_user, statements_during


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_an_authenticated_api_request_costs_one_query(app, session):
    user = make_user(Role.OFFICER, Role.AUDITOR)
    _token, plain = create_token(user, "script", actor=user)
    db.session.commit()
    # The first use records itself (an UPDATE, at most every TOKEN_USE_INTERVAL, see test_token_last_used.py); the
    # requests after it within the interval are the hot path measured here.
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 200
    statements, response = statements_during(lambda: app.test_client().get("/api/v1/me",
                                                                                 headers=bearer(plain)))
    assert response.status_code == 200
    assert response.get_json()["roles"] == sorted([str(Role.OFFICER), str(Role.AUDITOR)])
    assert len(statements) == 1, statements
    assert "api_tokens" in statements[0] and "user_roles" in statements[0]


def test_revoked_token_is_refused(app, session):
    user = make_user(Role.OFFICER)
    token, plain = create_token(user, "t", actor=user)
    db.session.commit()
    assert user_for_token(plain).id == user.id
    revoke_token(token, actor=user)
    db.session.commit()
    db.session.expunge_all()
    assert user_for_token(plain) is None
    response = app.test_client().get("/api/v1/me", headers=bearer(plain))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "invalid_token"


def test_deactivated_users_token_is_refused_and_reactivation_restores_it(app, session):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.OFFICER)
    user_id, admin_id = user.id, admin.id
    _token, plain = create_token(user, "t", actor=user)
    services.set_active(user, False, actor=admin, reason="离职")
    db.session.commit()
    db.session.expunge_all()
    assert user_for_token(plain) is None
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 401
    services.set_active(db.session.get(User, user_id), True, actor=db.session.get(User, admin_id))
    db.session.commit()
    db.session.expunge_all()
    assert user_for_token(plain).id == user_id
    assert app.test_client().get("/api/v1/me", headers=bearer(plain)).status_code == 200


def test_unknown_and_malformed_tokens_are_refused(app, session):
    user = make_user(Role.OFFICER)
    _token, plain = create_token(user, "t", actor=user)
    db.session.commit()
    assert user_for_token(plain + "x") is None
    assert user_for_token(plain[3:]) is None
    assert app.test_client().get("/api/v1/me", headers=bearer("gz_nope")).status_code == 401
