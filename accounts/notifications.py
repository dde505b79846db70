"""In-app notifications. Stored as a code and data; the sentence is translated when shown (DESIGN.md rule 10).

Packages register their codes: NOTIFICATION_TEXTS.update({"org.approved": _l("... %(org)s ...")}), and which of a
code's values are labels of an enum, stored as the enum's value and shown in the reader's language:
NOTIFICATION_LABELS["evaluation.report_issued"] = {"grade": Grade}.
"""

import contextlib
import json
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, utcnow
from core.mail import mail_enabled, queue_mail

from .models import User

NOTIFICATION_TEXTS: dict[str, object] = {
    "account.welcome": _l("Welcome to Gongzhi, %(name)s."),
}
# A label stored as text was in the language of whoever caused the notice (an officer reading Chinese wrote 不合格
# into an English reader's notice): a label is stored as its enum's value and translated when shown.
NOTIFICATION_LABELS: dict[str, dict[str, type]] = {}


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(60), nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    link: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # A user's notices since a moment (the reminders' once-a-day check); its leading column serves every
    # lookup by user (the list, the unread count, deleting a user), so it replaces the index on user_id alone.
    __table_args__ = (Index("ix_notifications_user_created", "user_id", "created_at"),)

    @property
    def text(self) -> str:
        template = NOTIFICATION_TEXTS.get(self.code)
        values = json.loads(self.data or "{}")
        if template is None:
            return self.code
        for key, enum in NOTIFICATION_LABELS.get(self.code, {}).items():
            with contextlib.suppress(KeyError, ValueError):  # (a notice stored before holds the label's text)
                values[key] = str(enum(values[key]).label)
        try:
            return str(template) % _Stored(values)
        except (TypeError, ValueError):
            return str(template)


class _Stored(dict):
    """A notice's stored values; one its text asks for that a notice stored before the text named it does not hold
    reads as an ellipsis, rather than the whole text showing its placeholders."""

    def __missing__(self, key):
        return "…"


def notify(user_id: int, code: str, *, link: str = "", **data) -> Notification:
    """An in-app notification, and an e-mail (after commit) when SMTP is configured and the user has an address."""
    note = Notification(user_id=user_id, code=code, link=link,
                        data=json.dumps(data, ensure_ascii=False, sort_keys=True))
    db.session.add(note)
    db.session.flush()
    if mail_enabled():
        user = db.session.get(User, user_id)
        if user is not None and user.email:
            _mail(user, note, link)
    return note


def _mail(user: User, note: Notification, link: str) -> None:
    """The notification as an e-mail in the user's language, sent after commit."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text, subject = note.text, str(_l("Gongzhi notification"))
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    queue_mail(db.session(), user.email, subject, f"{text}\n\n{base}{link}" if link else text)


def notify_many(user_ids, code: str, *, link: str = "", **data) -> int:
    """The same notification to many users in one INSERT (and, when SMTP is configured, their e-mail addresses in
    one query): a programme's residents told of a suspension, however many. Returns how many were told."""
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    stored, now = json.dumps(data, ensure_ascii=False, sort_keys=True), utcnow()
    db.session.execute(insert(Notification), [{"user_id": user_id, "code": code, "link": link, "data": stored,
                                               "created_at": now} for user_id in user_ids])
    if mail_enabled():
        note = Notification(code=code, data=stored)
        for user in db.session.scalars(select(User).where(User.id.in_(user_ids), User.email.is_not(None),
                                                          User.email != "")):
            _mail(user, note, link)
    return len(user_ids)


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def mark_all_read(user_id: int) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
                       .values(read_at=utcnow()))
