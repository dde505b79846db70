"""The logged-in page path does less per request without changing who is logged in."""


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
