"""The logged-in page path does less per request without changing who is logged in."""


import time
from datetime import timedelta

from core.db import db
from tests.factories import logout, make_user, statements_during


def test_the_session_user_and_roles_come_in_one_query(app, client, session, login_as):
    user = make_user("officer", "auditor")
    login_as(user)
    db.session.commit()
    client.get("/")  # the first page after login shows (and so changes) the flashed message
    seen, _ = statements_during(lambda: client.get("/"))
    touching_users = [s for s in seen if "FROM users" in s or "FROM user_roles" in s]
    assert len(touching_users) == 1 and "JOIN user_roles" in touching_users[0]
    page = client.get("/").get_data(as_text=True)
    assert user.display_name in page


def test_an_unchanged_session_is_not_re_sent(client, session, login_as):
    user = make_user()
    login_as(user)
    db.session.commit()
    client.get("/")
    response = client.get("/")
    assert response.status_code == 200 and user.display_name in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    # ...and the cookie the browser holds still works, until logout ends it everywhere.
    copied = client.get_cookie("session").value
    assert logout(client).status_code == 302
    client.set_cookie("session", copied)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_changed_session_is_still_sent(client, session, login_as):
    login_as(make_user())
    response = client.get("/lang/en?next=/")
    assert "session=" in response.headers.get("Set-Cookie", "")


def _opened(app) -> dict:
    return app.extensions.setdefault("gongzhi_opened_sessions", {})


def test_a_kept_session_cookie_is_still_checked(app, client, session, login_as):
    """A cookie opened once is reopened from memory; a forged or altered one still meets the signature's check."""
    user = make_user()
    login_as(user)
    db.session.commit()
    client.get("/")
    genuine = client.get_cookie("session").value
    assert client.get("/account").status_code == 200
    assert genuine in _opened(app)
    payload, _sep, signature = genuine.rpartition(".")
    altered = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie("session", altered)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert altered not in _opened(app)


def test_a_kept_session_cookie_expires_with_its_lifetime(app, client, session, login_as, monkeypatch):
    """The session's lifetime holds for a cookie reopened from memory as for one opened anew."""
    user = make_user()
    login_as(user)
    db.session.commit()
    client.get("/")
    monkeypatch.setattr(app, "permanent_session_lifetime", timedelta(seconds=1))
    assert client.get("/account").status_code == 200
    assert client.get_cookie("session").value in _opened(app)
    time.sleep(2.1)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_session_holding_flashed_messages_is_not_kept(app, client, session, login_as):
    """Only plain values are kept (the session's dict copies them safely): flashed messages are a list."""
    login_as(make_user())
    response = client.get("/lang/en?next=/")  # a changed session: sent again
    assert "session=" in response.headers.get("Set-Cookie", "")
    with client.session_transaction() as flask_session:
        flask_session["_flashes"] = [("info", "hello")]
    cookie = client.get_cookie("session").value
    page = client.get("/").get_data(as_text=True)
    assert "hello" in page
    assert cookie not in _opened(app)
