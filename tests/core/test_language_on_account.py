"""A signed-in user's language choice is kept on their account, so notification e-mail (sent in user.locale, with
no request to take a language from) follows it: /lang/<code> used to write the session only, so every e-mail was
in Chinese."""

from email.header import decode_header, make_header

from accounts.models import User
from accounts.notifications import notify
from core.db import db
from tests.core.test_mail import smtp  # noqa: F401  (the fixture: a real SMTP server on loopback)
from tests.factories import make_user


def _locale_of(user_id: int) -> str | None:
    db.session.expire_all()
    return db.session.get(User, user_id).locale


def test_switching_language_when_signed_in_is_stored_on_the_account(client, session, login_as):
    user = make_user()
    login_as(user)
    assert client.get("/lang/en?next=/").status_code == 302
    assert _locale_of(user.id) == "en"
    client.get("/lang/zh_Hans_CN")
    assert _locale_of(user.id) == "zh_Hans_CN"


def test_an_unknown_language_changes_nothing_on_the_account(client, session, login_as):
    user = make_user()
    login_as(user)
    client.get("/lang/en")
    client.get("/lang/fr")
    assert _locale_of(user.id) == "en"


def test_switching_language_signed_out_touches_no_account(client, session):
    user = make_user()
    client.get("/lang/en")
    assert _locale_of(user.id) is None
    assert "Home" in client.get("/").get_data(as_text=True)  # the session still carries the choice


def test_notification_mail_follows_the_language_chosen_on_the_site(client, session, login_as, smtp):  # noqa: F811
    user = make_user(email="zhang@example.org")
    login_as(user)
    client.get("/lang/en")
    assert _locale_of(user.id) == "en"  # (and this test's session reads the account afresh, as a later request would)
    notify(user.id, "account.welcome", name="张")
    db.session.commit()
    (message,) = smtp.messages
    assert str(make_header(decode_header(message["Subject"]))) == "Gongzhi notification"
    assert "Welcome to Gongzhi, 张." in message.get_payload(decode=True).decode()


def test_the_choice_is_written_in_the_write_transaction_and_only_when_it_changes(client, session, login_as,
                                                                                  monkeypatch):
    """A GET that writes takes the write transaction first (core.db.ensure_write_transaction: SQLite never upgrades
    a read snapshot under load); choosing the language already kept writes nothing."""
    from flask import g

    from core import views

    user = make_user()
    login_as(user)
    seen = []
    remember = views.remember_language

    def spy(who, code):
        seen.append((code, g.get("write_transaction", False)))
        return remember(who, code)

    monkeypatch.setattr(views, "remember_language", spy)
    client.get("/lang/en")
    client.get("/lang/en")
    assert seen == [("en", True)] and _locale_of(user.id) == "en"
