"""A contract's close-out account (contract_closeout) as a spreadsheet: a heading block, the account from the
contract amount to the balance, then its budget lines, payment tranches, returns and the fees named in reports, each
with its title row, header row, rows and total, through core.csvexport (BOM, formula guard on typed text, amounts
from integer fen). It names payment references, so each download is recorded in the audit trail (who, which
contract, how many rows of each table; never a row's content), as the contract's money CSV is (contract_export); the
caller commits before the file is sent. Services flush; callers commit."""

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audit import services as audit
from audit.labels import ACTION_LABELS
from core.csvexport import Raw, beijing_time, csv_response, day, yuan
from core.db import utcnow
from core.timeutil import format_local

from .advance_payment import paid_when
from .contract_closeout import CloseoutAccount, closeout_account
from .contract_models import Contract
from .contract_report_models import ReceiptStatus

CLOSEOUT_CSV = "export.contract_closeout"
ACTION_LABELS.update({CLOSEOUT_CSV: _l("Close-out account downloaded (CSV)")})



def _summary_rows(account: CloseoutAccount) -> Iterator[list]:
    contract = account.contract
    yield [_("Contract"), contract.title]
    yield [_("Organisation"), contract.org.name]
    yield [_("Status"), contract.status_label]
    yield [_("Ended on"), day(account.ended_on)]
    yield [_("Exported at"), beijing_time(utcnow())]
    yield []
    yield [_("Close-out account"), _("Amount (yuan)")]
    yield [_("Contract amount"), yuan(account.amount_fen)]
    yield [_("Moved between budget lines by approved changes"), yuan(account.moved_fen)]
    yield [_("Paid"), yuan(account.paid_fen)]
    yield [_("Deducted from tranches (not paid)"), yuan(account.deducted_fen)]
    yield [_("Cancelled tranches"), yuan(account.cancelled_fen)]
    yield [_("of which payable when the contract ended"), yuan(account.payable_cancelled_fen)]
    yield [_("Tranches neither paid nor cancelled"), yuan(account.unpaid_fen)]
    yield [_("Spent (expenses recorded against the budget lines)"), yuan(account.spent_fen)]
    yield [_("Balance (paid minus spent)"), yuan(account.balance_fen)]
    yield [_("To return"), yuan(account.to_return_fen)]
    yield [_("Returned so far"), yuan(account.returned_fen)]
    yield [_("Still to return"), yuan(account.outstanding_fen)]
    yield [_("Spent beyond the payments"), yuan(account.uncovered_fen)]


def _line_rows(account: CloseoutAccount) -> Iterator[list]:
    yield [_("Budget lines")]
    yield [
        _("Category"),
        _("Item"),
        _("Budget at signing (yuan)"),
        _("Approved changes (yuan)"),
        _("Final budget (yuan)"),
        _("Spent (yuan)"),
        _("Unspent (yuan)"),
    ]
    for a in account.lines:
        yield [
            a.line.category_label,
            a.line.item,
            yuan(a.signed_fen),
            yuan(a.changed_fen),
            yuan(a.final_fen),
            yuan(a.spent_fen),
            yuan(a.unspent_fen),
        ]
    yield [
        _("Grand total"),
        "",
        yuan(sum(a.signed_fen for a in account.lines)),
        yuan(0),
        yuan(sum(a.final_fen for a in account.lines)),
        yuan(account.spent_fen),
        yuan(sum(a.unspent_fen for a in account.lines)),
    ]


def _tranche_rows(account: CloseoutAccount) -> Iterator[list]:
    yield [_("Payment tranches")]
    yield [
        _("Tranche"),
        _("Milestone"),
        _("Share (%)"),
        _("Amount (yuan)"),
        _("Deducted (yuan)"),
        _("To pay (yuan)"),
        _("Status"),
        _("Paid on"),
        _("Payment reference"),
        _("Payable when the contract ended"),
    ]
    for a in account.tranches:
        t = a.tranche
        yield [
            _("Tranche %(n)d", n=a.number),
            paid_when(a.tranche, a.milestone_title),
            Raw(str(t.percent)),
            yuan(t.amount_fen),
            yuan(t.deducted_fen or 0),
            yuan(t.due_fen),
            t.status_label,
            day(t.paid_on),
            t.reference,
            _("Yes") if a.payable_when_ended else "",
        ]


def _return_rows(account: CloseoutAccount) -> Iterator[list]:
    yield [_("Returns of the unspent balance")]
    yield [_("Returned on"), _("Amount (yuan)"), _("Payment reference"), _("Recorded at"), _("Recorded by")]
    for r in account.returns:
        yield [
            day(r.returned_on),
            yuan(r.returned_fen),
            r.reference,
            beijing_time(r.recorded_at),
            r.recorded_by.display_name if r.recorded_by else "",
        ]
    yield [_("Grand total"), yuan(account.returned_fen), "", "", ""]


def _fee_rows(account: CloseoutAccount) -> Iterator[list]:
    yield [_("Fees and allowances named in reports (not added to the spending)")]
    yield [_("Recipient's confirmation"), _("Amount (yuan)")]
    for status in ReceiptStatus:
        yield [status.label, yuan(account.fees.by_status.get(status.value, 0))]
    yield [_("Grand total"), yuan(account.fees.total_fen)]


def closeout_csv_rows(account: CloseoutAccount) -> list[list]:
    return [
        *_summary_rows(account),
        [],
        *_line_rows(account),
        [],
        *_tranche_rows(account),
        [],
        *_return_rows(account),
        [],
        *_fee_rows(account),
    ]


def closeout_download(contract: Contract, *, actor):
    """The account as a CSV, the download recorded (the caller commits before the response is sent)."""
    account = closeout_account(contract)
    rows = closeout_csv_rows(account)
    audit.record(
        CLOSEOUT_CSV,
        contract,
        actor=actor,
        data={
            "format": "csv",
            "lines": len(account.lines),
            "tranches": len(account.tranches),
            "returns": len(account.returns),
        },
    )
    today = format_local(utcnow(), "%Y-%m-%d")
    stem = _("contract-closeout-%(title)s-%(date)s", title=contract.title, date=today)
    return csv_response(rows, stem, fallback=f"contract-{contract.id}-closeout-{today}")
