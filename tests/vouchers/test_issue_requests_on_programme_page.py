"""Staff's requests to issue a newcomer this month's vouchers are listed on the programme's page for its officers,
each issued with one click (audited as any issue to one resident); once issued, or for another programme, the
request is no longer listed. Others cannot issue through it. The database picks the programme's requests of the
month out of the trail, so the page's cost does not grow with other programmes' requests."""

from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from accounts.enums import Role
from audit import services as audit
from audit.models import AuditEvent
from core.db import db, utcnow
from tests.factories import make_user, statements_during
from vouchers import issue_requests
from vouchers.models import Voucher
from vouchers.programmes import period_of, shift_period

from .helpers import events, resident
from .test_codes_and_limits import ZH, committed
from .test_walk_issue_request import batch_then_newcomer


def _vouchers(resident_id: int) -> int:
    return db.session.scalar(select(func.count(Voucher.id)).where(Voucher.resident_id == resident_id,
                                                                   Voucher.period == period_of()))


def test_the_officer_issues_what_staff_asked_for_from_the_programme_page(app, session, client, login_as):
    w, batch, newcomer = batch_then_newcomer(app)
    committed(app, lambda: issue_requests.request_issuance(w.programme, newcomer, actor=w.staff))
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{w.programme.id}", headers=ZH).get_data(as_text=True)
    assert 'id="issue-requests"' in page and f'id="asked-{newcomer.id}"' in page
    assert newcomer.id_masked in page and w.staff.display_name in page
    assert _vouchers(newcomer.id) == 0
    answer = client.post(f"/vouchers/programmes/{w.programme.id}/issue/{newcomer.id}", headers=ZH,
                         follow_redirects=True)
    assert answer.status_code == 200 and _vouchers(newcomer.id) > 0
    assert f'id="asked-{newcomer.id}"' not in answer.get_data(as_text=True)
    assert issue_requests.open_requests(w.programme) == []
    # twice: refused by issue_to_resident (already issued), nothing more issued
    before = _vouchers(newcomer.id)
    client.post(f"/vouchers/programmes/{w.programme.id}/issue/{newcomer.id}", headers=ZH)
    assert _vouchers(newcomer.id) == before


def test_staff_cannot_issue_through_it_and_nothing_is_listed_without_a_request(app, session, client, login_as):
    w, batch, newcomer = batch_then_newcomer(app)
    assert issue_requests.open_requests(w.programme) == []
    committed(app, lambda: issue_requests.request_issuance(w.programme, newcomer, actor=w.staff))
    [request] = issue_requests.open_requests(w.programme)
    assert request.resident.id == newcomer.id and request.staff.id == w.staff.id
    login_as(w.staff)
    assert client.post(f"/vouchers/programmes/{w.programme.id}/issue/{newcomer.id}").status_code == 403
    assert _vouchers(newcomer.id) == 0 and len(events(issue_requests.REQUESTED)) == 1


def _asked_of_others(app, w, newcomer):
    """Besides the newcomer's request (made already), the month holds requests that are not open for the programme:
    for another programme, for its last month, with its id as text, a second for the newcomer (the first stands), one
    for a resident who holds the month's vouchers; then a later resident's, asked by other staff."""
    period, other_staff = period_of(), make_user(Role.COMMUNITY_STAFF)

    def build():
        late = resident(w.staff)
        for someone, programme_id, month in ((late, w.programme.id + 1, period),
                                             (late, w.programme.id, shift_period(period, -1)),
                                             (late, str(w.programme.id), period),
                                             (newcomer, w.programme.id, period),
                                             (w.resident, w.programme.id, period)):
            audit.record(issue_requests.REQUESTED, someone, actor=other_staff,
                         data={"programme_id": programme_id, "period": month, "officers": 1})
        issue_requests.request_issuance(w.programme, late, actor=other_staff)
        return late, other_staff
    return committed(app, build)


def test_only_the_programmes_open_requests_of_the_month_are_listed_first_request_first(app, session):
    w, batch, newcomer = batch_then_newcomer(app)
    committed(app, lambda: issue_requests.request_issuance(w.programme, newcomer, actor=w.staff))
    late, other_staff = _asked_of_others(app, w, newcomer)
    found = [(r.resident.id, r.period, r.staff.id) for r in issue_requests.open_requests(w.programme)]
    assert found == [(newcomer.id, period_of(), w.staff.id), (late.id, period_of(), other_staff.id)]
    [first] = [e for e in events(issue_requests.REQUESTED) if e.target_id == str(newcomer.id)][:1]
    assert issue_requests.open_requests(w.programme)[0].at == first.occurred_at
    next_month = utcnow() + timedelta(days=32)
    assert issue_requests.open_requests(w.programme, now=next_month) == []


def test_the_database_picks_the_programmes_requests_in_a_few_queries(app, session):
    w, batch, newcomer = batch_then_newcomer(app)
    committed(app, lambda: issue_requests.request_issuance(w.programme, newcomer, actor=w.staff))
    db.session.refresh(w.programme)  # (loaded again after the commit, outside the count)
    one, _found = statements_during(lambda: issue_requests.open_requests(w.programme))
    _asked_of_others(app, w, newcomer)
    db.session.refresh(w.programme)
    for row in [o for o in db.session.identity_map.values() if isinstance(o, AuditEvent)]:
        db.session.expire(row)  # (so that each row the query returns is counted)
    loaded = []

    def count(target, *_args):
        if isinstance(target, AuditEvent):
            loaded.append(target.seq)
    sa_event.listen(AuditEvent, "load", count)
    sa_event.listen(AuditEvent, "refresh", count)
    try:
        two, found = statements_during(lambda: issue_requests.open_requests(w.programme))
    finally:
        sa_event.remove(AuditEvent, "load", count)
        sa_event.remove(AuditEvent, "refresh", count)
    assert len(found) == 2 and len(two) == len(one) <= 7
    assert len(loaded) == 4  # the programme's requests of the month (two for the newcomer, one of a holder), no other
