"""A refused payment names every reason at once, the reference and the date each beside its field; it named one
per attempt (the reference first, then the date)."""

from datetime import timedelta

from core.db import db
from core.timeutil import local_today
from projects.contract_models import Tranche


def test_a_refused_payment_names_every_reason_at_once(client, login_as, payable):
    officer, _manager, contract, _report = payable
    tranche = contract.tranches[0]
    login_as(officer)
    future = (local_today() + timedelta(days=3)).isoformat()
    response = client.post(f"/contracts/tranches/{tranche.id}/pay", data={"paid_on": future, "reference": " "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="reference-{tranche.id}-error">请填写付款凭证号。' in page
    assert f'id="paid-on-{tranche.id}-error">日期不能晚于今天。' in page and f'value="{future}"' in page
    early = (contract.starts_on - timedelta(days=1)).isoformat()
    page = client.post(f"/contracts/tranches/{tranche.id}/pay", data={"paid_on": early, "reference": ""}).text
    assert f'id="reference-{tranche.id}-error">请填写付款凭证号。' in page and "付款日期不能早于合同开始日期" in page
    db.session.expire_all()
    assert db.session.get(Tranche, tranche.id).status == "payable"
