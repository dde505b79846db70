"""A fee recipient given by phone number is shown under the name the organisation typed, never under the platform
user's own name, and the organisation's answers do not say whether the phone is a platform user's: a manager cannot
use the report to find out whose number it is."""

import pytest

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from tests.factories import logout, make_user
from tests.projects.contract_helpers import active_contract, bearer

EN = {"Accept-Language": "en"}
NARRATIVE = "第一阶段工作已经完成，详见附件。"
NOTE = "not a platform user"


@pytest.fixture
def world(app, session):
    officer, manager, contract = active_contract(app)
    holder = make_user(Role.RESIDENT, display_name="张秘密")
    holder.phone = "13700001234"
    db.session.commit()
    return officer, manager, contract, holder


def fee(phone: str, name: str) -> dict:
    return {"kind": "volunteer_allowance", "name": name, "phone": phone, "amount_fen": 5000,
            "paid_on": local_today().isoformat()}


def test_the_api_and_the_page_keep_the_typed_name(client, login_as, world):
    officer, manager, contract, holder = world
    answer = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=bearer(manager),
                         json={"narrative": NARRATIVE, "fees": [fee(holder.phone, "小李"),
                                                                            fee("13800002222", "王强")]})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_data(as_text=True)
    assert "张秘密" not in body and "recipient_user_id" not in body
    # No field names the holder's user id (a digit search of the whole answer failed on dates such as 2026-12-14)
    assert holder.id not in [value for f in answer.get_json()["fees"] for key, value in f.items()
                             if key not in ("id", "contract_id", "amount_fen")]
    assert [f["recipient"] for f in answer.get_json()["fees"]] == ["小李", "王强"]
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    assert "小李" in page and "张秘密" not in page and NOTE not in page  # nor which of the two can confirm
    logout(client)
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}", headers=EN).get_data(as_text=True)
    assert "小李" in page and page.count(NOTE) == 1  # the officer sees that 王强's receipt cannot be confirmed


def test_a_phone_without_a_typed_name_is_refused_whether_or_not_it_is_a_users(client, world):
    officer, manager, contract, holder = world
    for phone in (holder.phone, "13800002222"):  # the same answer for a platform user's phone and anyone else's
        answer = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=bearer(manager),
                             json={"narrative": NARRATIVE, "fees": [fee(phone, "")]})
        assert answer.status_code == 422 and "Name each recipient" in answer.get_data(as_text=True), phone


def test_fees_reported_cannot_pass_the_contract_amount(client, world):
    """A fee of ten times the contract was accepted; the fees standing in all its reports stay within its amount."""
    officer, manager, contract, holder = world
    url = f"/api/v1/milestones/{contract.milestones[0].id}/reports"
    too_much = {**fee("13800002222", "王强"), "amount_fen": contract.amount_fen + 1}
    answer = client.post(url, headers=bearer(manager), json={"narrative": NARRATIVE, "fees": [too_much]})
    assert answer.status_code == 422 and "more than its amount" in answer.get_json()["error"]["fields"]["fees"]
    whole = {**fee("13800002222", "王强"), "amount_fen": contract.amount_fen}
    assert client.post(url, headers=bearer(manager), json={"narrative": NARRATIVE, "fees": [whole]}).status_code == 201
