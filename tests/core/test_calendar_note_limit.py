"""An administrator's note on a holiday or adjusted working day is at most 100 characters (core.calendar.MAX_NOTE,
the column's width): exactly 100 with spaces around it is kept whole; 101 is refused on the page (the field marked,
maxlength on the input) and by the service, never cut, and nothing changes."""

from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from accounts import services as accounts
from accounts.enums import Role
from audit.models import AuditEvent
from core import calendar
from core.db import db
from core.errors import ServiceError
from tests.factories import make_user

EN = {"Accept-Language": "en"}
DAY = date(2031, 2, 1)


def text(n: int) -> str:
    return ("春节调休上班" * (n // 6 + 1))[: n - 1] + "终"


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(AuditEvent)),
            db.session.scalar(select(func.count()).select_from(calendar.CalendarDay)))


def test_the_calendar_note_is_refused_not_cut(app, client, login_as, session):
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login_as(admin)
    db.session.commit()
    assert 'maxlength="100"' in client.get("/admin/calendar").get_data(as_text=True)
    before = counts()
    response = client.post("/admin/calendar", data={"day": DAY.isoformat(), "kind": "working",
                                                    "note": f" {text(101)} "}, headers=EN)
    assert response.status_code == 422
    assert "Field cannot be longer than 100 characters." in response.get_data(as_text=True)
    assert counts() == before
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as exc:
        accounts.set_calendar_day(DAY, True, text(101), actor=admin)
    db.session.rollback()
    assert str(exc.value.fields["note"]) == "At most 100 characters."
    assert counts() == before and db.session.get(calendar.CalendarDay, DAY) is None
    response = client.post("/admin/calendar", data={"day": DAY.isoformat(), "kind": "working",
                                                    "note": f"  {text(100)} "}, headers=EN)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(calendar.CalendarDay, DAY).note == text(100)


def test_the_page_shows_the_services_refusal(app, client, login_as, session, monkeypatch):
    """Should the page's limit ever differ from the service's, the service's refusal is shown on the form (not a
    500) and nothing is saved."""
    admin = make_user(Role.ADMIN)
    db.session.commit()
    login_as(admin)
    db.session.commit()
    monkeypatch.setattr(calendar, "MAX_NOTE", 10)
    before = counts()
    response = client.post("/admin/calendar", data={"day": DAY.isoformat(), "kind": "holiday",
                                                    "note": text(11)}, headers=EN)
    assert response.status_code == 422 and "At most 10 characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before and db.session.get(calendar.CalendarDay, DAY) is None
