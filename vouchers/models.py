"""Programmes, the provider catalogue, vouchers and issuance batches (redemptions: redemption_models.py).

Money is integer fen. The database itself refuses an overdrawn voucher (balance CHECK), an over-allocated budget
(allocated CHECK) and a second voucher for the same resident, period and sequence number (UNIQUE).
"""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Community
from accounts.resident_models import ResidentProfile
from core.db import UTCDateTime, db, enum_check, utcnow
from orgs.models import Organisation, ServiceCategory

from .enums import BatchStatus, ProgrammeStatus, ProviderMode, TagsMode, VoucherStatus

programme_categories = Table(
    "voucher_programme_categories", db.metadata,
    Column("programme_id", ForeignKey("voucher_programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("service_categories.id"), primary_key=True),
)
programme_communities = Table(
    "voucher_programme_communities", db.metadata,
    Column("programme_id", ForeignKey("voucher_programmes.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)
service_communities = Table(
    "voucher_service_communities", db.metadata,
    Column("service_id", ForeignKey("voucher_services.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True, index=True),
)


class Programme(db.Model):
    """A voucher programme 服务券项目. allocated_fen = face value issued minus value returned by expiry and
    revocation, i.e. redeemed + outstanding; it never exceeds budget_fen (guarded UPDATE plus CHECK)."""

    __tablename__ = "voucher_programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ProgrammeStatus.DRAFT.value)
    budget_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    allocated_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    face_value_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    vouchers_per_period: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    # Eligibility: all that are set must hold. Communities: none listed means every community.
    min_age: Mapped[int | None] = mapped_column(SmallInteger)
    required_tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    tags_mode: Mapped[str] = mapped_column(String(3), nullable=False, default=TagsMode.ANY.value)
    # Validity of each voucher: N days from issue, or until the end of a Beijing date (whichever is set first).
    validity_days: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[date | None] = mapped_column(Date)
    provider_mode: Mapped[str] = mapped_column(String(20), nullable=False, default=ProviderMode.OPEN.value)
    contract_call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    # Per calendar month (Asia/Shanghai): most a resident may spend, most a provider may redeem.
    resident_cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    provider_cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # While suspended (暂停): since when and by whom (cleared on resuming; each suspension is in the audit trail).
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    categories: Mapped[list[ServiceCategory]] = relationship(secondary=programme_categories, lazy="selectin",
                                                             order_by=ServiceCategory.sort_order)
    communities: Mapped[list[Community]] = relationship(secondary=programme_communities, lazy="selectin",
                                                        order_by=Community.id)
    suspended_by = relationship("User", foreign_keys=[suspended_by_id])  # (the programme page only)

    __table_args__ = (
        CheckConstraint(enum_check("status", ProgrammeStatus), name="status_valid"),
        CheckConstraint(enum_check("tags_mode", TagsMode), name="tags_mode_valid"),
        CheckConstraint(enum_check("provider_mode", ProviderMode), name="provider_mode_valid"),
        CheckConstraint("budget_fen > 0", name="budget_positive"),
        CheckConstraint("allocated_fen >= 0 AND allocated_fen <= budget_fen", name="allocated_within_budget"),
        CheckConstraint("face_value_fen > 0", name="face_value_positive"),
        CheckConstraint("vouchers_per_period BETWEEN 1 AND 31", name="vouchers_per_period_range"),
        CheckConstraint("min_age IS NULL OR min_age BETWEEN 0 AND 150", name="min_age_range"),
        CheckConstraint("(validity_days IS NOT NULL AND validity_days > 0) OR valid_until IS NOT NULL",
                        name="validity_set"),
        CheckConstraint("provider_mode = 'open' OR contract_call_id IS NOT NULL", name="contract_call_set"),
        CheckConstraint("(resident_cap_fen IS NULL OR resident_cap_fen > 0) AND "
                        "(provider_cap_fen IS NULL OR provider_cap_fen > 0)", name="caps_positive"),
    )

    @property
    def status_enum(self) -> ProgrammeStatus:
        return ProgrammeStatus(self.status)

    @property
    def unallocated_fen(self) -> int:
        return self.budget_fen - self.allocated_fen

    @property
    def per_resident_fen(self) -> int:
        """Face value one resident receives per period."""
        return self.face_value_fen * self.vouchers_per_period

    @property
    def category_ids(self) -> set[int]:
        return {c.id for c in self.categories}

    @property
    def community_ids(self) -> set[int]:
        return {c.id for c in self.communities}


class VoucherService(db.Model):
    """A service a provider offers to voucher holders (the catalogue), kept by the organisation's members."""

    __tablename__ = "voucher_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    price_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # How a resident gets the service, shown in the catalogue: a public phone to book it (not the organisation's
    # contact person, whose number stays private), where it is given and when.
    booking_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="", server_default="")
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="", server_default="")
    hours: Mapped[str] = mapped_column(String(100), nullable=False, default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship(lazy="joined")
    category: Mapped[ServiceCategory] = relationship(lazy="joined")
    communities: Mapped[list[Community]] = relationship(secondary=service_communities, lazy="selectin",
                                                        order_by=Community.id)

    __table_args__ = (CheckConstraint("price_fen > 0", name="price_positive"),)


class IssuanceBatch(db.Model):
    """One run issuing a period to every eligible resident; committed chunk by chunk, so it can be resumed from
    cursor_resident_id after a crash (the vouchers' UNIQUE key makes a repeat harmless anyway)."""

    __tablename__ = "voucher_issuance_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM, Beijing calendar month
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=BatchStatus.RUNNING.value)
    expected_residents: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cursor_resident_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    residents_issued: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    vouchers_issued: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    issued_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programme: Mapped[Programme] = relationship()

    __table_args__ = (
        CheckConstraint(enum_check("status", BatchStatus), name="status_valid"),
        Index("ix_voucher_issuance_batches_programme", "programme_id", "period"),
    )

    @property
    def status_enum(self) -> BatchStatus:
        return BatchStatus(self.status)

    @property
    def progress_pct(self) -> int:
        """Residents issued out of those expected, truthfully: 100 only when the run is done (a run stopped at 2 of
        3 says 66)."""
        if self.status == BatchStatus.DONE:
            return 100
        if not self.expected_residents:
            return 0
        done = min(100, 100 * self.residents_issued // self.expected_residents)
        return min(99, done) if self.status == BatchStatus.RUNNING else done

    @property
    def residents_missed(self) -> int:
        """Residents expected but not issued by a run that stopped (0 while running or when done)."""
        if self.status in (BatchStatus.RUNNING, BatchStatus.DONE):
            return 0
        return max(0, self.expected_residents - self.residents_issued)


class Voucher(db.Model):
    __tablename__ = "vouchers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("voucher_programmes.id"), nullable=False)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident_profiles.id"), nullable=False)
    period: Mapped[str] = mapped_column(String(7), nullable=False)
    seq: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 1..vouchers_per_period
    face_value_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    balance_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=VoucherStatus.ACTIVE.value)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The issuing batch, if any: no foreign key, whose check on every row slowed bulk issuance markedly.
    batch_id: Mapped[int | None] = mapped_column(Integer)

    programme: Mapped[Programme] = relationship()
    resident: Mapped[ResidentProfile] = relationship()

    __table_args__ = (
        UniqueConstraint("programme_id", "resident_id", "period", "seq", name="uq_vouchers_programme_resident_period"),
        CheckConstraint(enum_check("status", VoucherStatus), name="status_valid"),
        CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
        CheckConstraint("balance_fen <= face_value_fen", name="balance_within_face_value"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        # Redemption walks a resident's valid vouchers earliest-expiring first; expiry scans by expires_at.
        Index("ix_vouchers_resident_spend", "resident_id", "programme_id", "status", "expires_at"),
        Index("ix_vouchers_status_expires", "status", "expires_at"),
    )

    @property
    def status_enum(self) -> VoucherStatus:
        return VoucherStatus(self.status)
