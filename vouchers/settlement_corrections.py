"""Corrections to settlement statements 结算单, by the officers who settle: a statement drawn up by mistake is
withdrawn before it is paid (its redemptions go back to be settled again, on a new statement), and a paid
statement's mistyped payment reference is corrected. Each needs a reason, is audited with what it was before and
after, and is told to the provider's members; a statement PDF already issued is issued again with the correction."""

from flask_babel import gettext as _

from audit import services as audit
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, invalid

from . import documents, permissions, settlement_notices
from .enums import SettlementStatus
from .redemption_models import Settlement
from .settlement import PAYMENT_REFERENCE_MAX, transition_settlement

REASON_MAX = 500


def can_withdraw(user, found: Settlement) -> bool:
    """Whoever may approve a statement may withdraw it while it is not paid (drawn up or approved)."""
    return permissions.can_settle(user, found) and found.status in (SettlementStatus.DRAFT.value,
                                                                    SettlementStatus.APPROVED.value)


def can_correct_reference(user, found: Settlement) -> bool:
    return permissions.can_settle(user, found) and found.status == SettlementStatus.PAID.value


def _reason(reason: str | None, errors: dict, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = missing
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("At most %(n)d characters.", n=REASON_MAX)
    return reason


def withdraw_settlement(found: Settlement, reason: str, *, actor) -> None:
    """Withdraw a statement drawn up or approved, not paid (transition_settlement gives its lines back)."""
    errors: dict = {}
    reason = _reason(reason, errors, _("Give the reason for withdrawing the statement."))
    if not permissions.can_settle(actor, found):
        raise Forbidden(_("Only officers settle with providers."))
    if errors:
        raise invalid(errors)
    transition_settlement(found, SettlementStatus.WITHDRAWN, actor=actor, reason=reason)


def correct_payment_reference(found: Settlement, reference: str, reason: str, *, actor):
    """Correct the payment reference of a paid statement (mistyped): the old and the new are kept in its event and
    shown on its page. A statement PDF issued before is issued again (it prints the reference): returns that new
    document, or None."""
    if not permissions.can_settle(actor, found):
        raise Forbidden(_("Only officers settle with providers."))
    lock_row(found, "status", "payment_reference")
    if found.status != SettlementStatus.PAID.value:
        raise Conflict(_("Only the payment reference of a paid statement can be corrected."))
    errors: dict = {}
    reference, old = (reference or "").strip(), found.payment_reference
    if not reference:
        errors["payment_reference"] = _("Enter the payment reference.")
    elif len(reference) > PAYMENT_REFERENCE_MAX:
        errors["payment_reference"] = _("At most %(n)d characters.", n=PAYMENT_REFERENCE_MAX)
    elif reference == old:
        errors["payment_reference"] = _("This is the payment reference already recorded.")
    reason = _reason(reason, errors, _("Give the reason for the correction."))
    if errors:
        raise invalid(errors)
    found.payment_reference = reference
    db.session.flush()
    audit.record("voucher.settlement_reference_corrected", found, actor=actor,
                 data={"reason": reason, "total_fen": found.total_fen},
                 changes={"payment_reference": [old, reference]})
    settlement_notices.tell_provider(found, "reference_corrected", old=old, new=reference, reason=reason)
    if found.document_code:
        return documents.issue_statement(found, actor=actor)
    return None
