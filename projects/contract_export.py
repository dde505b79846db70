"""A contract's money as a spreadsheet, for the procurement office, auditors (审计) and the contracted organisation:
its budget lines, the expenses recorded against them and its payment tranches, as the contract page shows them, and
the expenses withdrawn (never deleted: listed last with when, by whom and why, counted in no total).

One CSV through core.csvexport (BOM, formula guard on typed text, amounts from integer fen), in sections: a short
heading block, then each table with its title row, header row, rows and total. Whoever may see the contract's page
may download it (contract_views.can_view: the organisation's members, officers, auditors, administrators); anyone
else gets the page's 404. The file names payees and payment references, so each download is recorded in the audit
trail (who, which contract, how many rows of each table; never a row's content) as the other exports are
(vouchers.exports, the audit log's CSV), the event committed before the file is sent. The rows are few (a contract
has a handful of lines and tranches, some hundreds of expenses at most) and are read at once, so the file is the
state the recorded counts describe.
"""

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit import services as audit
from audit.labels import ACTION_LABELS
from core.csvexport import Raw, beijing_time, csv_response, day, number, yuan
from core.db import db, ensure_write_transaction, utcnow
from core.timeutil import format_local

from .advance_payment import paid_when
from .contract_models import Contract, Expense
from .contract_views import bp, load_contract

CONTRACT_MONEY = "export.contract_money"
ACTION_LABELS.update({CONTRACT_MONEY: _l("Contract money downloaded (CSV)")})



def _heading_rows(contract: Contract) -> Iterator[list]:
    yield [_("Contract"), contract.title]
    yield [_("Organisation"), contract.org.name]
    yield [_("Status"), contract.status_label]
    yield [_("Contract period"), Raw(f"{contract.starts_on.isoformat()} – {contract.ends_on.isoformat()}")]
    yield [_("Contract amount (yuan)"), yuan(contract.amount_fen)]
    yield [_("Paid (yuan)"), yuan(contract.paid_fen)]
    yield [_("Spent (yuan)"), yuan(contract.spent_fen)]
    yield [_("Exported at"), beijing_time(utcnow())]


def _line_rows(contract: Contract) -> Iterator[list]:
    yield [_("Budget lines")]
    yield [_("Category"), _("Item"), _("Budget (yuan)"), _("Spent (yuan)"), _("Remaining (yuan)")]
    for line in contract.lines:
        yield [line.category_label, line.item, yuan(line.budget_fen), yuan(line.spent_fen), yuan(line.remaining_fen)]
    budget, spent = sum(x.budget_fen for x in contract.lines), sum(x.spent_fen for x in contract.lines)
    yield [_("Grand total"), "", yuan(budget), yuan(spent), yuan(budget - spent)]


def _expense_rows(contract: Contract, expenses: list[Expense]) -> Iterator[list]:
    """The expenses counted (not withdrawn), and their total: what the lines' spent amounts add up to."""
    items = {line.id: line.item for line in contract.lines}
    yield [_("Expenses")]
    yield [_("Expense no."), _("Date"), _("Budget line"), _("Payee"), _("Amount (yuan)"), _("Receipt attached"),
           _("Recorded at")]
    for e in expenses:
        yield [number(e.id), day(e.spent_on), items.get(e.line_id, ""), e.payee, yuan(e.amount_fen),
               _("Yes") if e.receipt_id else _("No"), beijing_time(e.created_at)]
    yield [_("Grand total"), "", "", "", yuan(sum(e.amount_fen for e in expenses)), "", ""]


def _withdrawn_rows(contract: Contract, withdrawn: list[Expense]) -> Iterator[list]:
    """Expenses withdrawn (recorded by mistake, or corrected): listed with when, by whom and why, counted in no
    total."""
    items = {line.id: line.item for line in contract.lines}
    yield [_("Withdrawn expenses (not counted)")]
    yield [_("Expense no."), _("Date"), _("Budget line"), _("Payee"), _("Amount (yuan)"), _("Withdrawn at"),
           _("Withdrawn by"), _("Reason")]
    for e in withdrawn:
        reason = _("Corrected by expense #%(id)d", id=e.replaced_by_id) if e.replaced_by_id else e.withdrawal_reason
        yield [number(e.id), day(e.spent_on), items.get(e.line_id, ""), e.payee, yuan(e.amount_fen),
               beijing_time(e.withdrawn_at), e.withdrawn_by.display_name if e.withdrawn_by else "",
               reason]


def _tranche_rows(contract: Contract) -> Iterator[list]:
    milestones = {m.id: m for m in contract.milestones}
    yield [_("Payment tranches")]
    yield [_("Tranche"), _("Milestone"), _("Share (%)"), _("Amount (yuan)"), _("Due on"), _("Status"), _("Paid on"),
           _("Payment reference"), _("Deducted (yuan)"), _("To pay (yuan)")]
    for n, t in enumerate(contract.tranches, start=1):
        milestone = milestones.get(t.milestone_id)
        yield [_("Tranche %(n)d", n=n), paid_when(t, milestone.title if milestone else None),
               number(t.percent), yuan(t.amount_fen), day(milestone.due_on if milestone else None), t.status_label,
               day(t.paid_on), t.reference, yuan(t.deducted_fen or 0), yuan(t.due_fen)]
    yield [_("Grand total"), "", "", yuan(sum(t.amount_fen for t in contract.tranches)), "", "", "", "",
           yuan(sum(t.deducted_fen or 0 for t in contract.tranches)), yuan(sum(t.due_fen for t in contract.tranches))]


def contract_expenses(contract: Contract) -> list[Expense]:
    """Every expense of the contract, withdrawn ones too."""
    return list(db.session.scalars(select(Expense).where(Expense.contract_id == contract.id)
                                   .options(selectinload(Expense.withdrawn_by))
                                   .order_by(Expense.spent_on, Expense.id)))


def money_rows(contract: Contract, expenses: list[Expense]) -> list[list]:
    """The file's rows: the heading block, then budget lines, expenses and tranches, a blank row between; then, when
    there are any, the withdrawn expenses (last, so that the other tables keep their places)."""
    counted = [e for e in expenses if not e.withdrawn]
    withdrawn = [e for e in expenses if e.withdrawn]
    rows = [*_heading_rows(contract), [], *_line_rows(contract), [], *_expense_rows(contract, counted), [],
            *_tranche_rows(contract)]
    return [*rows, [], *_withdrawn_rows(contract, withdrawn)] if withdrawn else rows


def money_csv(contract: Contract, *, actor):
    """The download, recorded (the caller commits before the response is sent)."""
    expenses = contract_expenses(contract)
    rows = money_rows(contract, expenses)
    withdrawn = sum(1 for e in expenses if e.withdrawn)
    audit.record(CONTRACT_MONEY, contract, actor=actor,
                 data={"format": "csv", "lines": len(contract.lines), "expenses": len(expenses) - withdrawn,
                       "tranches": len(contract.tranches), **({"withdrawn_expenses": withdrawn} if withdrawn else {})})
    today = format_local(utcnow(), "%Y-%m-%d")
    stem = _("contract-money-%(title)s-%(date)s", title=contract.title, date=today)
    return csv_response(rows, stem, fallback=f"contract-{contract.id}-money-{today}")


@bp.route("/<int:contract_id>/money.csv")
@login_required
def money_export(contract_id: int):
    """Budget lines, expenses and tranches as a spreadsheet, for whoever may see the contract's page (else 404)."""
    ensure_write_transaction()  # (a GET that writes its audit event: the write lock first, as the other exports)
    contract = load_contract(contract_id)
    response = money_csv(contract, actor=current_user)
    db.session.commit()
    return response
