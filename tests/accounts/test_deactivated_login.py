"""A deactivated account's owner, typing the right password, is told the account is deactivated and to contact the
administrator (not "wrong password", which had them retry); a wrong password still gets the usual message, so a
guesser learns nothing. Either way: no session, a failed log-in in the audit trail, counted by the lockout."""

import json

from sqlalchemy import select

from accounts import services
from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from tests.factories import login, make_user

DEACTIVATED = "该账号已停用，请联系管理员。"
WRONG = "用户名或密码不正确。"


def deactivated_user(username: str, **kwargs):
    user = make_user(Role.RESIDENT, username=username, **kwargs)
    services.set_active(user, False, actor=make_user(Role.ADMIN), reason="离职")
    db.session.commit()
    return user


def failed_logins() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")))


def test_the_right_password_of_a_deactivated_account_says_so(app, client, session):
    user = deactivated_user("gone-away", phone="13800007777")
    for typed in ("gone-away", "13800007777"):
        response = login(client, typed)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and DEACTIVATED in page and WRONG not in page
    assert client.get("/account").status_code == 302  # no session
    failed = failed_logins()
    assert [(e.target_id, json.loads(e.data)) for e in failed] == [(str(user.id), {"known_user": True})] * 2
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login")).all()


def test_a_wrong_password_of_a_deactivated_account_tells_nothing(client, session):
    deactivated_user("gone-quiet")
    page = login(client, "gone-quiet", "not-the-password").get_data(as_text=True)
    assert WRONG in page and DEACTIVATED not in page
    assert len(failed_logins()) == 1


def test_the_lockout_counts_a_deactivated_accounts_log_ins(app, session):
    deactivated_user("gone-locked")
    for _ in range(5):
        assert login(app.test_client(), "gone-locked").status_code == 422
    assert login(app.test_client(), "gone-locked").status_code == 429


def test_reactivated_it_logs_in(app, client, session):
    user = deactivated_user("back-again")
    services.set_active(user, True, actor=make_user(Role.ADMIN))
    db.session.commit()
    assert login(client, "back-again").status_code == 302
