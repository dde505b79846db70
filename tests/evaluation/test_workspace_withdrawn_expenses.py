"""The evaluator's workspace lists every expense of the contract by budget line. A withdrawn one (recorded by mistake,
or corrected) stays in the list, struck through with when and why, and counts in no total there: neither in its
line's spent amount nor in the measured spending rate. It was listed like any other, so an evaluator added it up."""

import re

from core.db import db
from core.money import format_fen
from core.timeutil import local_today
from projects import contract_money
from tests.evaluation.project_helpers import commissioned


def test_withdrawn_expenses_are_struck_through_with_their_reason_and_counted_nowhere(app, client, session,
                                                                                      login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    line = contract.lines[0]
    with app.test_request_context():
        kept = contract_money.record_expense(contract, line, local_today(), "正确供应商", 12_300, None, actor=manager)
        twice = contract_money.record_expense(contract, line, local_today(), "重复录入", 45_600, None, actor=manager)
        wrong = contract_money.record_expense(contract, line, local_today(), "金额录错", 78_900, None, actor=manager)
        contract_money.withdraw_expense(twice, "重复录入了同一张发票", actor=manager)
        fixed = contract_money.correct_expense(wrong, line, local_today(), "金额录错", 7_890, None, actor=manager)
    db.session.commit()
    db.session.refresh(line)
    assert line.spent_fen == 12_300 + 7_890  # (the projects service gave the withdrawn amounts back)
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True)

    def item(expense) -> str:
        return re.search(rf'<li[^>]*id="ws-expense-{expense.id}">(.*?)</li>', page, re.S).group(0)

    for live in (kept, fixed):
        assert "<del" not in item(live) and "已撤回" not in item(live) and format_fen(live.amount_fen) in item(live)
    duplicate, corrected = item(twice), item(wrong)
    assert 'class="expense-withdrawn"' in duplicate and "已撤回" in duplicate
    assert re.search(rf"<del[^>]*>#{twice.id} · .*重复录入 · {re.escape(format_fen(45_600))}.*</del>", duplicate, re.S)
    assert "重复录入了同一张发票" in duplicate and manager.display_name in duplicate
    assert "<del" in corrected and f"#{fixed.id}" in corrected  # corrected by the new expense, named by its number
    # the line's total is the two live expenses only; so is the spending rate among the measured figures
    summary = re.search(rf"<summary>{re.escape(line.item)} · (.*?) / ", page).group(1)
    assert summary == format_fen(12_300 + 7_890)
    figures = page.split('id="figures"', 1)[1].split("</ul>", 1)[0]
    spent, budget = sum(x.spent_fen for x in contract.lines), sum(x.budget_fen for x in contract.lines)
    assert spent == 12_300 + 7_890 and f"{format_fen(spent)} / {format_fen(budget)}" in figures
