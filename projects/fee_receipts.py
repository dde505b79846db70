"""Fees and allowances an organisation reports paying to named people (费用确认), and which of them stand.

A fee is reported with a milestone report. When the officer returns the report its fees no longer stand: the
organisation reports them again with the report's next version, and they count once (the contract's fee totals and
the close-out account read the fees of reports not returned). So the recipient is asked only about standing fees, and
a fee reported again keeps the answer its recipient gave on the returned report (`carry_answers`): one payment is
never asked about twice."""

from sqlalchemy import exists, select

from core.db import db

from .contract_models import MilestoneReport, ReportStatus
from .contract_report_models import FeePayment, ReceiptStatus


def stands():
    """SQL: the fee's report was not returned."""
    return ~exists().where(MilestoneReport.id == FeePayment.report_id, MilestoneReport.status == ReportStatus.RETURNED)


def receipts_of(user, limit: int = 200) -> list[FeePayment]:
    """The standing fees reported as paid to the user, newest first (the receipts page and the API)."""
    return list(db.session.scalars(select(FeePayment).where(FeePayment.recipient_user_id == user.id, stands())
                                   .order_by(FeePayment.id.desc()).limit(limit)))


def _same_payment(fee: FeePayment) -> tuple:
    return (fee.kind, fee.recipient_user_id, fee.recipient_name, fee.recipient_phone, fee.amount_fen, fee.paid_on)


def carry_answers(fees: list[FeePayment], returned: MilestoneReport | None) -> list[tuple[FeePayment, FeePayment]]:
    """The new report's fees that are the returned report's again (same kind, recipient, amount and date), each
    matched once: those its recipient answered start with that answer (a new row's first state, not a transition:
    the caller records each carried answer). Returns the pairs (new fee, returned report's fee) matched: their
    recipients were asked already and are not notified again."""
    if returned is None:
        return []
    earlier = {}
    for old in returned.fees:
        earlier.setdefault(_same_payment(old), []).append(old)
    matched = []
    for fee in fees:
        candidates = earlier.get(_same_payment(fee))
        if not candidates:
            continue
        old = candidates.pop(0)
        if old.status != ReceiptStatus.UNCONFIRMED:
            fee.status, fee.response_note, fee.responded_at = old.status, old.response_note, old.responded_at
        matched.append((fee, old))
    return matched
