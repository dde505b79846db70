"""Closing a running programme revokes every voucher not yet spent, for good: it asks for the reason, recorded with
the closing. Sent without one (or with one over 2,000 characters) the programme page comes back, 422, the reason
as typed in its box and why under it, the programme still running and no voucher revoked. A blank reason was taken
(the trail said 'programme closed'); a long one got the generic error page, the typed reason lost."""

import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.errors import ServiceError
from vouchers import programmes
from vouchers.enums import ProgrammeStatus, VoucherStatus
from vouchers.models import Programme, Voucher

from .helpers import world


def active_vouchers(programme_id: int) -> int:
    return db.session.scalar(select(func.count(Voucher.id)).where(
        Voucher.programme_id == programme_id, Voucher.status == VoucherStatus.ACTIVE.value))


def status_of(programme_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Programme, programme_id).status


def test_closing_without_a_reason_is_refused_beside_the_reason(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    pid, held = w.programme.id, active_vouchers(w.programme.id)
    assert held > 0
    response = client.post(f"/vouchers/programmes/{pid}/status/closed", data={"reason": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="close-reason-error">请填写关闭项目的原因。<', page)
    assert re.search(r'<input class="form-control[^"]* is-invalid"[^>]* name="reason" id="close-reason"', page)
    assert status_of(pid) == "active" and active_vouchers(pid) == held


def test_a_reason_too_long_comes_back_as_typed(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    pid = w.programme.id
    typed = "试点期满，转入常态化项目" * 200  # 2,400 characters
    response = client.post(f"/vouchers/programmes/{pid}/status/closed", data={"reason": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{typed}"' in page and 'id="close-reason-error"' in page
    assert status_of(pid) == "active"


def test_closing_with_a_reason_revokes_and_records_it(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    pid = w.programme.id
    response = client.post(f"/vouchers/programmes/{pid}/status/closed", data={"reason": "试点期满"})
    assert response.status_code == 302
    assert status_of(pid) == "closed" and active_vouchers(pid) == 0
    assert db.session.get(Programme, pid).status_reason == "试点期满"


def test_an_auditor_may_not_close_even_with_the_form_refused(app, client, login_as):
    from accounts.enums import Role
    from tests.factories import make_user

    with app.test_request_context():
        w = world()
        auditor = make_user(Role.AUDITOR)
        db.session.commit()
    login_as(auditor)
    assert client.post(f"/vouchers/programmes/{w.programme.id}/status/closed", data={}).status_code == 403



def test_the_service_itself_refuses_to_close_without_a_reason(app):
    """Not only the form: any caller of the one transition function (a script, a future API) gives the reason."""
    with app.test_request_context():
        w = world()
        held = active_vouchers(w.programme.id)
        with pytest.raises(ServiceError) as refused:
            programmes.transition_programme(w.programme, ProgrammeStatus.CLOSED, actor=w.officer, reason="  ")
    assert "reason" in refused.value.fields
    assert status_of(w.programme.id) == "active" and active_vouchers(w.programme.id) == held
