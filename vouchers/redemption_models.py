"""One-time codes, redemptions, the ledger, per-period usage counters, disputes, ratings and settlements."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.resident_models import ResidentProfile
from core.db import UTCDateTime, db, enum_check, utcnow
from orgs.models import Organisation

from .enums import DisputeStatus, LedgerKind, RedemptionStatus, SettlementStatus
from .models import Programme, VoucherService


class RedemptionCode(db.Model):
    """A one-time numeric code a resident shows; only its keyed hash is stored. Used once. On the resident's phone
    it is valid 5 minutes; printed on a sheet of vouchers (printed) a week, and cancelled (cancelled_at) when a newer
    sheet is printed or community staff cancel it (a sheet lost): a provider then refuses it (printed_codes)."""

    __tablename__ = "voucher_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident_profiles.id", ondelete="CASCADE"), nullable=False)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the resident, or staff printing it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    printed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship()

    __table_args__ = (
        Index("ix_voucher_codes_code_hash", "code_hash"),
        Index("ix_voucher_codes_resident", "resident_id", "created_at"),
        CheckConstraint("used_at IS NULL OR cancelled_at IS NULL", name="used_or_cancelled"),
    )


class Redemption(db.Model):
    """核销: a provider drew amount_fen from a resident's vouchers for one service (the ledger rows say which)."""

    __tablename__ = "voucher_redemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident_profiles.id"), nullable=False)
    service_id: Mapped[int] = mapped_column(ForeignKey("voucher_services.id"), nullable=False)
    code_id: Mapped[int | None] = mapped_column(ForeignKey("voucher_codes.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # Beijing month of the redemption
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=RedemptionStatus.COMPLETED.value)
    idempotency_key: Mapped[str] = mapped_column(String(100), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)  # what the key was first used for
    redeemed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("voucher_settlements.id"))

    programme: Mapped[Programme] = relationship()
    provider: Mapped[Organisation] = relationship()
    resident: Mapped[ResidentProfile] = relationship()
    service: Mapped[VoucherService] = relationship()

    __table_args__ = (
        UniqueConstraint("provider_org_id", "idempotency_key", name="uq_voucher_redemptions_provider_key"),
        CheckConstraint(enum_check("status", RedemptionStatus), name="status_valid"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        Index("ix_voucher_redemptions_settle", "programme_id", "provider_org_id", "period", "status"),
        Index("ix_voucher_redemptions_resident", "resident_id", "created_at"),
        Index("ix_voucher_redemptions_provider_time", "provider_org_id", "created_at"),
    )

    @property
    def status_enum(self) -> RedemptionStatus:
        return RedemptionStatus(self.status)


class LedgerEntry(db.Model):
    """Every movement of value. Per voucher the signed amounts add up to its balance; the CHECK fixes the sign
    of each kind so a row cannot pretend to be another."""

    __tablename__ = "voucher_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"))
    # resident_id, batch_id and actor_id repeat what the voucher and the audit trail say, without foreign keys:
    # checking three more keys for each of 400,000 issuance rows doubled the time of a batch.
    resident_id: Mapped[int | None] = mapped_column(Integer)
    provider_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("voucher_redemptions.id"))
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("voucher_settlements.id"))
    batch_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint(enum_check("kind", LedgerKind), name="kind_valid"),
        CheckConstraint(
            "(kind IN ('issue', 'reverse') AND amount_fen > 0 AND voucher_id IS NOT NULL) OR "
            "(kind IN ('redeem', 'expire', 'revoke') AND amount_fen < 0 AND voucher_id IS NOT NULL) OR "
            "(kind = 'settle' AND amount_fen >= 0 AND voucher_id IS NULL)", name="signed_by_kind"),
        Index("ix_voucher_ledger_voucher", "voucher_id"),
        Index("ix_voucher_ledger_programme_kind", "programme_id", "kind"),
        Index("ix_voucher_ledger_redemption", "redemption_id", postgresql_where=text("redemption_id IS NOT NULL"),
              sqlite_where=text("redemption_id IS NOT NULL")),  # issuance rows (most of them) stay out of it
    )


class PeriodUsage(db.Model):
    """Value redeemed per (programme, month, resident or provider), kept only where the programme has a cap:
    the cap is enforced by one guarded UPDATE, so concurrent redemptions cannot pass it together."""

    __tablename__ = "voucher_period_usage"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    subject: Mapped[str] = mapped_column(String(10), nullable=False)  # 'resident' or 'provider'
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False)
    used_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("programme_id", "period", "subject", "subject_id", name="uq_voucher_period_usage_subject"),
        CheckConstraint("subject IN ('resident', 'provider')", name="subject_valid"),
        CheckConstraint("used_fen >= 0", name="used_not_negative"),
    )


class Dispute(db.Model):
    __tablename__ = "voucher_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("voucher_redemptions.id"), nullable=False, unique=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DisputeStatus.OPEN.value)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    redemption: Mapped[Redemption] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint(enum_check("status", DisputeStatus), name="status_valid"),)

    @property
    def status_enum(self) -> DisputeStatus:
        return DisputeStatus(self.status)


class Rating(db.Model):
    __tablename__ = "voucher_ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("voucher_redemptions.id"), nullable=False, unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident_profiles.id"), nullable=False)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("voucher_services.id"), nullable=False)
    stars: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # When the resident last changed it (catalogue.change_rating); None while it is as first given.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),)


class Settlement(db.Model):
    """结算: the undisputed redemptions of one provider in one month, approved and paid by an officer. A later
    statement (seq 2, …) picks up redemptions whose disputes were rejected after the first."""

    __tablename__ = "voucher_settlements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    seq: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    total_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    redemption_count: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SettlementStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    document_code: Mapped[str | None] = mapped_column(String(20))  # the statement PDF's verification code
    # and the version it prints (vouchers.documents.printed_version): another version gets a new document
    document_version: Mapped[str | None] = mapped_column(String(64))

    programme: Mapped[Programme] = relationship()
    provider: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def rejected_dispute_lines(self) -> set[int]:
        """Its redemptions whose dispute was rejected (marked 争议已驳回 on its page, PDF and CSV; one query)."""
        from .statement_facts import rejected_dispute_lines
        return rejected_dispute_lines(self)

    __table_args__ = (
        UniqueConstraint("programme_id", "provider_org_id", "period", "seq", name="uq_voucher_settlements_statement"),
        CheckConstraint(enum_check("status", SettlementStatus), name="status_valid"),
        CheckConstraint("total_fen >= 0 AND redemption_count >= 0", name="totals_not_negative"),
    )

    @property
    def status_enum(self) -> SettlementStatus:
        return SettlementStatus(self.status)
