"""A running programme's budget is raised from its page: issuance stops when the budget is used up, and the service
to raise it (programmes.raise_budget) had no page, so the officer could only start a new programme. Refused (no
amount, an amount not above the budget, not a number) the page comes back (422) with what was typed and why beside
it; the same budget again is no raise and writes no event."""

from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from tests.factories import make_user
from vouchers.models import Programme

from .helpers import world


def budget_of(programme_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Programme, programme_id).budget_fen


def raised_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action == "voucher_programme.budget_raised"))


def test_an_officer_raises_a_running_programmes_budget(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    pid, before = w.programme.id, w.programme.budget_fen  # ¥100,000.00
    page = client.get(f"/vouchers/programmes/{pid}").get_data(as_text=True)
    assert 'id="budget-form"' in page and "data-confirm=\"确定追加预算吗？追加后不能再调减。\"" in page
    response = client.post(f"/vouchers/programmes/{pid}/budget", data={"budget_fen": "150000"})
    assert response.status_code == 302 and budget_of(pid) == 15_000_000 != before
    assert raised_events() == 1


def test_refusals_come_back_beside_the_amount_and_change_nothing(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    pid, before = w.programme.id, w.programme.budget_fen
    for typed, reason in (("100000", "预算只能追加：请填写高于 ¥100,000.00 的金额。"),
                          ("50", "预算只能追加：请填写高于 ¥100,000.00 的金额。"),
                          ("", "请填写追加后的预算金额。"), ("十万", "")):
        response = client.post(f"/vouchers/programmes/{pid}/budget", data={"budget_fen": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and f'value="{typed}"' in page and 'id="budget_fen-error"' in page
        assert reason in page
    assert budget_of(pid) == before and raised_events() == 0


def test_an_auditor_cannot_raise_it(app, client, login_as):
    with app.test_request_context():
        w = world()
        auditor = make_user(Role.AUDITOR)
        db.session.commit()
    login_as(auditor)
    assert 'id="budget-form"' not in client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    assert client.post(f"/vouchers/programmes/{w.programme.id}/budget", data={"budget_fen": "1"}).status_code == 403
