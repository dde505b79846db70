"""E-mail when SMTP is configured. Messages are queued on the database session and sent only after the
transaction commits, so a rolled-back change never sends mail."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .jobs import enqueue

log = logging.getLogger(__name__)
OUTBOX = "gongzhi_outbox"


def mail_enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def queue_mail(session: Session, to: str, subject: str, body: str) -> None:
    if to and mail_enabled():
        session.info.setdefault(OUTBOX, []).append((to, subject, body))


def smtp_settings() -> dict:
    cfg = current_app.config
    return {"host": cfg["SMTP_HOST"], "port": cfg["SMTP_PORT"], "user": cfg.get("SMTP_USER"),
            "password": cfg.get("SMTP_PASSWORD"), "sender": cfg["SMTP_FROM"], "starttls": cfg["SMTP_STARTTLS"]}


def send_mail(settings: dict, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings["sender"], to, subject
    message.set_content(body)
    with smtplib.SMTP(settings["host"], settings["port"], timeout=20) as smtp:
        if settings["starttls"]:
            smtp.starttls()
        if settings["user"]:
            smtp.login(settings["user"], settings["password"])
        smtp.send_message(message)


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    outbox = session.info.pop(OUTBOX, None)
    if not outbox:
        return
    settings = smtp_settings()
    for to, subject, body in outbox:
        try:
            enqueue(send_mail, settings, to, subject, body)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a mail server being down must not turn it into an error page.
            log.warning("could not send a notification e-mail (request continues)")


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop(OUTBOX, None)
