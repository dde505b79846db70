"""Voucher states and their allowed transitions (importable from anywhere, no cycles)."""

from flask_babel import lazy_pgettext

from core.enums import LabelledEnum
from core.i18n import _l


class ProgrammeStatus(LabelledEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"  # 暂停 (a fraud investigation, a budget freeze): no codes, redemptions or issuance
    CLOSED = "closed"

    @classmethod
    def labels(cls):
        return {cls.DRAFT: _l("Draft"), cls.ACTIVE: _l("Running"),
                cls.SUSPENDED: lazy_pgettext("programme status", "Suspended"), cls.CLOSED: _l("Closed")}


# Suspended → active resumes the programme (暂停 → 恢复); its vouchers kept their expiry meanwhile.
PROGRAMME_TRANSITIONS = {
    ProgrammeStatus.DRAFT: {ProgrammeStatus.ACTIVE},
    ProgrammeStatus.ACTIVE: {ProgrammeStatus.SUSPENDED, ProgrammeStatus.CLOSED},
    ProgrammeStatus.SUSPENDED: {ProgrammeStatus.ACTIVE, ProgrammeStatus.CLOSED},
    ProgrammeStatus.CLOSED: set(),
}


class TagsMode(LabelledEnum):
    ANY = "any"
    ALL = "all"

    @classmethod
    def labels(cls):
        return {cls.ANY: _l("Any of the tags"), cls.ALL: _l("All of the tags")}


class ProviderMode(LabelledEnum):
    OPEN = "open"  # any organisation in good standing offering an eligible service
    CONTRACTED = "contracted"  # only organisations with a contract in force under the named call

    @classmethod
    def labels(cls):
        return {cls.OPEN: _l("Any organisation in good standing"),
                cls.CONTRACTED: _l("Only organisations contracted under a call")}


class VoucherStatus(LabelledEnum):
    ACTIVE = "active"  # may have a zero balance (fully spent); value can come back by a reversal
    EXPIRED = "expired"
    REVOKED = "revoked"

    @classmethod
    def labels(cls):
        return {cls.ACTIVE: _l("Valid"), cls.EXPIRED: _l("Expired"), cls.REVOKED: _l("Revoked")}


VOUCHER_TRANSITIONS = {
    VoucherStatus.ACTIVE: {VoucherStatus.EXPIRED, VoucherStatus.REVOKED},
    VoucherStatus.EXPIRED: set(),
    VoucherStatus.REVOKED: set(),
}


class BatchStatus(LabelledEnum):
    RUNNING = "running"
    DONE = "done"
    BUDGET_EXHAUSTED = "budget_exhausted"
    FAILED = "failed"

    @classmethod
    def labels(cls):
        return {cls.RUNNING: _l("In progress"), cls.DONE: _l("Finished"),
                cls.BUDGET_EXHAUSTED: _l("Stopped: budget used up"), cls.FAILED: _l("Failed")}


class RedemptionStatus(LabelledEnum):
    COMPLETED = "completed"
    DISPUTED = "disputed"  # held out of settlement until an officer decides
    REVERSED = "reversed"  # dispute upheld: the value went back to the vouchers

    @classmethod
    def labels(cls):
        return {cls.COMPLETED: _l("Redeemed"), cls.DISPUTED: _l("Disputed"), cls.REVERSED: _l("Reversed")}


REDEMPTION_TRANSITIONS = {
    RedemptionStatus.COMPLETED: {RedemptionStatus.DISPUTED},
    RedemptionStatus.DISPUTED: {RedemptionStatus.COMPLETED, RedemptionStatus.REVERSED},
    RedemptionStatus.REVERSED: set(),
}


class DisputeStatus(LabelledEnum):
    OPEN = "open"
    UPHELD = "upheld"
    REJECTED = "rejected"

    @classmethod
    def labels(cls):
        return {cls.OPEN: _l("Awaiting ruling"), cls.UPHELD: _l("Upheld"), cls.REJECTED: _l("Rejected")}


class SettlementStatus(LabelledEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PAID = "paid"
    WITHDRAWN = "withdrawn"  # drawn up by mistake, before payment: its redemptions went back to be settled again

    @classmethod
    def labels(cls):
        # One word per state on the statement's page, PDF and CSV; "Paid" alone reads 已拨付 (a contract's tranches).
        return {cls.DRAFT: lazy_pgettext("settlement status", "Prepared"),
                cls.APPROVED: lazy_pgettext("settlement status", "Approved"),
                cls.PAID: lazy_pgettext("settlement status", "Paid"),
                cls.WITHDRAWN: lazy_pgettext("settlement status", "Withdrawn")}


# A paid statement is never withdrawn (its SETTLE ledger row stands); a mistyped payment reference is corrected
# (vouchers.settlement_corrections.correct_payment_reference), not the status.
SETTLEMENT_TRANSITIONS = {
    SettlementStatus.DRAFT: {SettlementStatus.APPROVED, SettlementStatus.WITHDRAWN},
    SettlementStatus.APPROVED: {SettlementStatus.PAID, SettlementStatus.WITHDRAWN},
    SettlementStatus.PAID: set(),
    SettlementStatus.WITHDRAWN: set(),
}


class LedgerKind(LabelledEnum):
    """Signed amounts on a voucher: the sum of a voucher's rows is its balance (SETTLE rows carry no voucher)."""

    ISSUE = "issue"  # +face value
    REDEEM = "redeem"  # -amount
    REVERSE = "reverse"  # +amount (dispute upheld)
    EXPIRE = "expire"  # -remaining balance
    REVOKE = "revoke"  # -remaining balance
    SETTLE = "settle"  # a settlement paid to a provider: no voucher, amount = the statement total

    @classmethod
    def labels(cls):
        # Not "Issued": that msgid is a document's issue time on the verification page (签发时间).
        return {cls.ISSUE: _l("Issued to a resident"), cls.REDEEM: _l("Redeemed"), cls.REVERSE: _l("Reversed"),
                cls.EXPIRE: _l("Expired"), cls.REVOKE: _l("Revoked"), cls.SETTLE: _l("Settled")}


class FraudKind(LabelledEnum):
    OWN_STAFF = "own_staff"
    BURST = "burst"
    AT_CAP = "at_cap"
    DISPUTES = "disputes"

    @classmethod
    def labels(cls):
        return {cls.OWN_STAFF: _l("Redeemed for the provider's own staff member"),
                cls.BURST: _l("Burst of redemptions"), cls.AT_CAP: _l("At the cap every period"),
                cls.DISPUTES: _l("Many disputes")}
