from sqlalchemy import select

from accounts import services
from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from tests.factories import PASSWORD, login, logout, make_user


def events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_login_and_home_page_in_chinese(client, session):
    make_user(Role.OFFICER, username="wangfang", display_name="王芳")
    response = login(client, "wangfang")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "欢迎，王芳" in page
    assert [e.actor_id for e in events("auth.login")]


def test_unknown_user_and_wrong_password_get_the_same_message(client, session):
    make_user(username="known")
    wrong = login(client, "known", "not-the-password").get_data(as_text=True)
    unknown = login(client, "nobody-here", "not-the-password").get_data(as_text=True)
    message = "用户名或密码不正确"
    assert message in wrong and message in unknown
    failed = events("auth.login_failed")
    assert len(failed) == 2
    # The typed name is never written to the trail; only whether it was an account.
    assert all("nobody-here" not in e.data for e in failed)


def test_logout_kills_the_old_cookie(client, session):
    user = make_user(username="leaver")
    login(client, "leaver")
    stolen = client.get_cookie("session").value
    assert logout(client).status_code == 302
    assert events("auth.logout")[0].target_id == str(user.id)
    client.set_cookie("session", stolen)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, session):
    make_user(username="changer")
    login(client, "changer")
    other = app.test_client()
    login(other, "changer")
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "brand-new-pass-9",
                                                      "confirm": "brand-new-pass-9"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert len(events("user.password_changed")) == 1
    assert login(app.test_client(), "changer", "brand-new-pass-9").status_code == 302


def test_password_change_with_wrong_current_password_changes_nothing(client, session):
    user = make_user(username="careful")
    login(client, "careful")
    old_hash = user.password_hash
    response = client.post("/account/password", data={"current_password": "wrong-one-123",
                                                      "new_password": "brand-new-pass-9",
                                                      "confirm": "brand-new-pass-9"})
    assert response.status_code == 422
    assert "当前密码不正确" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash and not events("user.password_changed")


def test_session_cookie_flags(client, session):
    make_user(username="cookie")
    response = login(client, "cookie")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_when_served_over_https(app, session):
    """With SESSION_COOKIE_SECURE unset, the cookie is Secure over HTTPS and not over plain HTTP."""
    assert not app.config["SESSION_COOKIE_SECURE"]
    make_user(username="secure")
    make_user(username="plain")
    over_https = login(app.test_client(), "secure", base_url="https://localhost")
    assert over_https.status_code == 302 and "; Secure" in over_https.headers["Set-Cookie"]
    over_http = login(app.test_client(), "plain")
    assert over_http.status_code == 302 and "Secure" not in over_http.headers["Set-Cookie"]


def test_account_locks_after_repeated_failures_even_with_the_right_password(client, session):
    make_user(username="target")
    for _ in range(5):
        assert login(client, "target", "guess-guess").status_code == 422
    locked = login(client, "target")
    assert locked.status_code == 429
    assert "多次登录失败" in locked.get_data(as_text=True)
    # The lock is per account: another user from the same address still logs in.
    make_user(username="bystander")
    assert login(client, "bystander").status_code == 302


def test_unknown_accounts_lock_the_same_way(client, session):
    for _ in range(5):
        login(client, "ghost", "guess-guess")
    assert login(client, "ghost", "guess-guess").status_code == 429


def test_successful_logins_do_not_count_towards_the_lockout(app, session):
    make_user(username="regular")
    for _ in range(7):
        c = app.test_client()
        assert login(c, "regular").status_code == 302


def test_per_ip_limit(app, client, session):
    app.config["LOGIN_IP_LIMIT"] = "3 per minute"
    try:
        for i in range(3):
            login(client, f"someone{i}", "x" * 10)
        response = login(client, "someone-else", "x" * 10)
        assert response.status_code == 429
        assert "登录尝试过多" in response.get_data(as_text=True)
    finally:
        app.config["LOGIN_IP_LIMIT"] = "30 per minute"


def test_deactivated_user_is_logged_out_at_once_and_cannot_log_in(app, client, session):
    admin = make_user(Role.ADMIN, username="boss")
    user = make_user(username="temp")
    login(client, "temp")
    assert client.get("/account").status_code == 200
    services.set_active(user, False, actor=admin, reason="离职")
    db.session.commit()
    assert client.get("/account").status_code == 302
    assert login(app.test_client(), "temp").status_code == 422
    assert events("user.deactivated")[0].actor_id == admin.id


def test_next_parameter_cannot_send_users_off_site(client, session):
    make_user(username="nexter")
    response = client.post("/login?next=//evil.example/x", data={"username": "nexter", "password": PASSWORD})
    assert response.headers["Location"] == "/"
