"""The QA walk's newly registered resident, who gets no vouchers until the next monthly batch: the staff's resident
page says when the next issuance is expected (from the programme's latest batch), and staff ask the street office to
issue now: the programme's officers are notified (with the link to its page, where they issue to one resident), the
request is audited, and a second for the same resident, programme and month is refused and tells no one again."""

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from accounts.notifications import Notification
from core.db import db, utcnow
from core.timeutil import LOCAL_TZ
from vouchers import issuance, issue_requests
from vouchers.programmes import period_of, shift_period

from .helpers import events, resident, world
from .test_codes_and_limits import ZH, committed


def notes(user_id: int) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.code == issue_requests.REQUESTED))


def batch_then_newcomer(app):
    """A programme whose month was issued by a batch today, and a resident registered after it."""
    def build():
        w = world()
        resident(w.staff)  # (someone for the batch to issue to)
        batch = issuance.start_batch(w.programme, actor=w.officer)
        return w, batch, resident(w.staff)
    return committed(app, build)


def test_the_month_later_is_clamped_and_a_day_past_is_not_said():
    assert issue_requests._month_later(date(2027, 1, 31)) == date(2027, 2, 28)
    assert issue_requests._month_later(date(2026, 12, 15)) == date(2027, 1, 15)

    class Batch:
        period, started_at = "2026-11", datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    assert issue_requests.next_issuance(None, Batch, datetime(2026, 11, 20, tzinfo=UTC)) == (
        date(2026, 11, 2), "2026-12", date(2026, 12, 2))
    assert issue_requests.next_issuance(None, Batch, datetime(2026, 12, 5, tzinfo=UTC)) == (
        date(2026, 11, 2), "2026-12", None)  # late: the month only
    assert issue_requests.next_issuance(None, None, datetime(2026, 12, 5, tzinfo=UTC)) == (None, None, None)


def test_the_staff_page_says_when_the_next_issuance_is_expected(app, session, client, login_as):
    w, batch, newcomer = batch_then_newcomer(app)
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{newcomer.id}", headers=ZH).get_data(as_text=True)
    box = re.search(rf'id="outlook-{w.programme.id}".*?</div>', page, re.S).group(0)
    ran = batch.started_at.astimezone(LOCAL_TZ).date()
    expected = issue_requests._month_later(ran)
    assert f"尚未领到 {period_of()} 的服务券" in box
    assert f"街道上次于 {ran} 发放；下一次按月发放（{shift_period(batch.period, 1)}）预计在 {expected} 前后" in box
    assert f'id="issue-request-{w.programme.id}">申请街道立即发放<' in box
    holder = client.get(f"/vouchers/residents/{w.resident.id}").get_data(as_text=True)
    assert "issuance-outlook" not in holder  # (holds this month's vouchers)


def test_without_a_batch_the_page_says_it_is_not_known(app, session, client, login_as):
    w = committed(app, world)
    newcomer = committed(app, lambda: resident(w.staff))
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{newcomer.id}", headers=ZH).get_data(as_text=True)
    assert "街道尚未发放过本项目的服务券" in page


def test_asking_the_street_office_notifies_its_officers_once_a_month(app, session, client, login_as):
    w, batch, newcomer = batch_then_newcomer(app)
    login_as(w.staff)
    path = f"/vouchers/residents/{newcomer.id}/issue-request/{w.programme.id}"
    answer = client.post(path, headers=ZH, follow_redirects=True)
    assert answer.status_code == 200 and "已申请街道立即为该居民发放" in answer.get_data(as_text=True)
    assert notes(w.officer.id) == 1
    note = db.session.scalar(select(Notification).where(Notification.user_id == w.officer.id,
                                                        Notification.code == issue_requests.REQUESTED))
    assert note.link == f"/vouchers/programmes/{w.programme.id}#issue-requests"
    assert newcomer.real_name in note.text and newcomer.id_masked in note.text
    [event] = events(issue_requests.REQUESTED)
    assert event.target_id == str(newcomer.id) and newcomer.real_name not in event.data
    page = client.get(f"/vouchers/residents/{newcomer.id}", headers=ZH).get_data(as_text=True)
    assert f'id="outlook-requested-{w.programme.id}"' in page and f'id="issue-request-{w.programme.id}"' not in page

    again = client.post(path, headers=ZH, follow_redirects=True)
    assert "不能重复申请" in again.get_data(as_text=True)
    assert notes(w.officer.id) == 1 and len(events(issue_requests.REQUESTED)) == 1


def test_once_issued_the_page_says_nothing_more_and_a_request_is_refused(app, session, client, login_as):
    w, batch, newcomer = batch_then_newcomer(app)
    committed(app, lambda: issuance.issue_to_resident(w.programme, newcomer, actor=w.officer))
    login_as(w.staff)
    assert "issuance-outlook" not in client.get(f"/vouchers/residents/{newcomer.id}").get_data(as_text=True)
    client.post(f"/vouchers/residents/{newcomer.id}/issue-request/{w.programme.id}")
    assert notes(w.officer.id) == 0 and events(issue_requests.REQUESTED) == []


def test_staff_of_another_community_cannot_ask(app, session, client, login_as):
    from .test_staff_resident_pages import staff_of

    w, batch, newcomer = batch_then_newcomer(app)
    login_as(staff_of("幸福社区"))
    assert client.post(f"/vouchers/residents/{newcomer.id}/issue-request/{w.programme.id}").status_code == 404
    assert notes(w.officer.id) == 0


def test_next_month_it_may_be_asked_again(app, session):
    w, batch, newcomer = batch_then_newcomer(app)
    with app.test_request_context():
        assert issue_requests.request_issuance(w.programme, newcomer, actor=w.staff) == 1
        later = utcnow() + timedelta(days=32)
        assert issue_requests.request_issuance(w.programme, newcomer, actor=w.staff, now=later) == 1
    assert len(events(issue_requests.REQUESTED)) == 2
    db.session.rollback()


def test_next_issuances_for_other_pages(app, session):
    w, batch, newcomer = batch_then_newcomer(app)
    found = issue_requests.next_issuances([w.programme.id, 0])
    ran = batch.started_at.astimezone(LOCAL_TZ).date()
    assert found[w.programme.id] == (ran, shift_period(batch.period, 1), issue_requests._month_later(ran))
    assert found[0] == (None, None, None)
