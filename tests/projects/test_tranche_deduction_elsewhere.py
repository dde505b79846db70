"""A deduction (扣减) is said wherever a tranche's money is: the projects board's payments waiting list the amount
to pay, the contract's money CSV gives the amount agreed, the deduction and what is paid, the API gives
deducted_fen and due_fen beside amount_fen, and the timeline's payment is what was paid."""

from core.db import db
from core.timeutil import local_today
from projects import contract_money, contract_watch
from projects.contract_shapes import contract_json
from projects.tranches import deduct_tranche
from tests.projects.test_contract_money_export import download, parse, sections

FIRST = 4_800_000  # the payable first tranche: 40% of ¥120,000
DEDUCTED = 123_456


def _deducted(app, payable):
    officer, manager, contract, _report = payable
    with app.test_request_context():
        deduct_tranche(contract.tranches[0], DEDUCTED, "第二期产出未达成", actor=officer)
    db.session.commit()
    return officer, manager, contract


def test_the_board_and_the_api_say_what_is_to_be_paid(app, payable):
    officer, manager, contract = _deducted(app, payable)
    [waiting] = [r for r in contract_watch.dashboard().payable if r.contract_id == contract.id]
    assert waiting.amount_fen == FIRST - DEDUCTED
    with app.test_request_context():
        tranche = contract_json(contract, officer)["tranches"][0]
    assert (tranche["amount_fen"], tranche["deducted_fen"], tranche["due_fen"]) == (FIRST, DEDUCTED, FIRST - DEDUCTED)


def test_the_csv_and_the_timeline_give_the_deduction_and_what_was_paid(app, payable, client, login_as):
    officer, manager, contract = _deducted(app, payable)
    with app.test_request_context():
        contract_money.pay_tranche(contract.tranches[0], "转账001", local_today(), actor=officer)
    db.session.commit()
    payment = [i for i in contract_watch.timeline(contract) if i["kind"] == "payment"]
    assert [i["amount_fen"] for i in payment] == [FIRST - DEDUCTED]
    login_as(officer)
    client.get("/lang/en")
    tranches = sections(parse(download(client, contract)))[3]
    assert tranches[1][-2:] == ["Deducted (yuan)", "To pay (yuan)"]
    assert tranches[2][3] == "48000.00" and tranches[2][-2:] == ["1234.56", "46765.44"]
    assert tranches[-1][0] == "Grand total" and tranches[-1][-2:] == ["1234.56", "118765.44"]
