"""Staff's requests to issue a newcomer this month's vouchers are listed on the programme's page for its officers,
each issued with one click (audited as any issue to one resident); once issued, or for another programme, the
request is no longer listed. Others cannot issue through it."""

from sqlalchemy import func, select

from core.db import db
from vouchers import issue_requests
from vouchers.models import Voucher
from vouchers.programmes import period_of

from .helpers import events
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
