"""A refused log-in answers 422, as every refused form does (core.views.form_status): it answered 200, as if the page
had simply been opened. The reason, the name as typed, the lockout and the audit of failed logins are unchanged."""

from sqlalchemy import select

from audit.models import AuditEvent
from core.db import db
from tests.factories import PASSWORD, login, make_user


def failed_logins() -> int:
    return len(list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))))


def test_a_wrong_password_is_422_with_the_reason_and_the_name_as_typed(client, session):
    make_user(username="zhao-ayi")
    response = login(client, "zhao-ayi", "not-the-password")
    assert response.status_code == 422
    assert "用户名或密码不正确" in response.text
    assert 'value="zhao-ayi"' in response.text and "not-the-password" not in response.text  # never the password
    assert failed_logins() == 1
    assert client.get("/account").status_code == 302  # not logged in


def test_an_empty_field_is_422_and_the_opened_page_200(client, session):
    assert client.get("/login").status_code == 200
    response = client.post("/login", data={"username": "typed-name", "password": ""})
    assert response.status_code == 422
    assert 'value="typed-name"' in response.text and "此项为必填项" in response.text
    assert failed_logins() == 0  # nothing was tried: not a failed log-in


def test_the_right_password_after_a_refusal_still_logs_in(client, session):
    make_user(username="second-try")
    assert login(client, "second-try", "wrong-one-123").status_code == 422
    response = login(client, "second-try", PASSWORD)
    assert response.status_code == 302 and client.get("/account").status_code == 200


def test_the_lockout_still_counts_refusals_and_answers_429(client, session):
    make_user(username="locked-out")
    statuses = [login(client, "locked-out", "guess-guess").status_code for _ in range(5)]
    assert statuses == [422] * 5
    locked = login(client, "locked-out")  # even with the right password
    assert locked.status_code == 429 and "多次登录失败" in locked.text
