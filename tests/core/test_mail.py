"""Notification e-mail through a real SMTP server (aiosmtpd on localhost), sent only after commit."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from accounts.notifications import notify
from core.db import db
from tests.factories import make_user


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    yield inbox
    app.config.update(SMTP_HOST=None)
    controller.stop()


def test_notification_mail_is_sent_after_commit_in_the_users_language(session, smtp):
    user = make_user(email="wang@example.org")
    notify(user.id, "account.welcome", link="/orgs/1", name="王芳")
    assert smtp.messages == []  # nothing leaves before the transaction commits
    db.session.commit()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "wang@example.org"
    body = message.get_payload(decode=True).decode()
    assert "王芳" in body and "http://gongzhi.test/orgs/1" in body


def test_rolled_back_notifications_send_nothing(session, smtp):
    user = make_user(email="li@example.org")
    db.session.commit()
    db.session.begin_nested()
    notify(user.id, "account.welcome", name="李")
    db.session.rollback()
    db.session.commit()
    assert smtp.messages == []


def test_users_without_an_address_get_no_mail(session, smtp):
    user = make_user()
    notify(user.id, "account.welcome", name="无邮箱")
    db.session.commit()
    assert smtp.messages == []
