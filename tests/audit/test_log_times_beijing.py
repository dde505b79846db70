"""The audit log reads in Beijing time throughout: its time column says so, and a moment recorded in an event's data
(UTC, as the services store it: a code's expiry, '2026-11-20T06:55:00.000000Z') is shown with its Beijing reading
beside it, as an amount in fen is shown in yuan. It was only the UTC text, eight hours off the column beside it."""


from accounts.enums import Role
from audit import services as audit
from audit.display import shown_data
from core.db import db
from tests.factories import make_user


def test_a_recorded_utc_moment_is_read_in_beijing_time(client, session, login_as):
    actor = make_user(username="moment-writer")
    event = audit.record("test.moment", ("things", 1), actor=actor, data={
        "expires_at": "2026-11-20T06:55:00.000000Z", "at": "2026-12-31T16:30:00+00:00", "day": "2026-11-20",
        "note": "2026-11-20T06:55:00Z is when", "bad": "2026-02-30T06:55:00Z"})
    db.session.commit()
    readings = {key: reading for key, _text, reading in shown_data(event)}
    assert readings["day"] == "" and readings["note"] == "" and readings["bad"] == ""
    login_as(make_user(Role.AUDITOR))
    body = client.get("/audit/?actor=moment-writer").get_data(as_text=True)
    assert "<th>时间（北京时间）</th>" in body
    assert "<strong>失效时间</strong>：<span>北京时间 2026-11-20 14:55:00</span>" in body
    assert "<span>北京时间 2027-01-01 00:30:00</span>" in body  # a new year in Beijing, still the old one in UTC
