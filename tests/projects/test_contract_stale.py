"""The contract page as an officer meets it in two tabs: a report reviewed, or a tranche paid, meanwhile answers 409
with the contract as it is now and why (it answered 422, as if what was typed were wrong), changing nothing."""

from sqlalchemy import select

from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from projects.contract_models import Tranche


def events() -> int:
    return len(db.session.scalars(select(AuditEvent.seq)).all())


def test_a_report_reviewed_in_another_tab_answers_409(client, login_as, payable):
    officer, _manager, contract, report = payable
    login_as(officer)
    before = events()
    response = client.post(f"/contracts/reports/{report.id}/accept")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "该报告已审核。" in page and contract.title in page
    response = client.post(f"/contracts/reports/{report.id}/return", data={"comment": "请补充台账"})
    assert response.status_code == 409 and events() == before


def test_a_tranche_paid_in_another_tab_answers_409(client, login_as, payable):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    login_as(officer)
    today = local_today().isoformat()
    assert client.post(f"/contracts/tranches/{tranche.id}/pay",
                       data={"paid_on": today, "reference": "ZF-0001"}).status_code == 302
    before = events()
    response = client.post(f"/contracts/tranches/{tranche.id}/pay", data={"paid_on": today, "reference": "ZF-0002"})
    assert response.status_code == 409 and "该批次不可拨付（未到拨付条件或已拨付）。" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Tranche, tranche.id).reference == "ZF-0001" and events() == before
