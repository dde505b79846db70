from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Community
from core.db import UTCDateTime, db, enum_check, utcnow
from core.uploads import StoredFile
from orgs.models import Organisation, ServiceCategory

from .enums import Aggregation, BudgetCategory, CallStatus, FundingSource, ProposalStatus, PurchasingMode

call_communities = Table(
    "call_communities", db.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True),
)


class Call(db.Model):
    """A government service-purchasing call (项目征集 / 采购公告)."""

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    mode: Mapped[str] = mapped_column(String(40), nullable=False)
    category_id: Mapped[int] = mapped_column(ForeignKey("service_categories.id"), nullable=False)
    funding_source: Mapped[str] = mapped_column(String(30), nullable=False)
    total_budget_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    max_per_proposal_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    questions_until: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submission_deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    review_planned_on: Mapped[date] = mapped_column(Date, nullable=False)
    award_planned_on: Mapped[date] = mapped_column(Date, nullable=False)
    min_eligible_proposals: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=3)
    # Review rules stated in advance: the indicator template (a frozen copy once published; the table belongs to
    # the evaluation package, so it is named, not imported), blind review and how the final score is computed.
    template_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_templates.id"))
    blind: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    aggregation: Mapped[str] = mapped_column(String(20), nullable=False, default=Aggregation.TRIMMED_MEAN.value)
    required_attachments: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    # Eligibility rules, checked against orgs.services.standing()
    allowed_kinds: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    min_grade: Mapped[int | None] = mapped_column(SmallInteger)
    min_years_registered: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    min_certified_social_workers: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0)
    require_annual_report: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    require_clean_credit: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    require_passing_evaluation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Budget rules: shares of the requested amount, in whole percent
    max_personnel_pct: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=60)
    max_management_pct: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=10)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=CallStatus.DRAFT.value, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    announcement_code: Mapped[str | None] = mapped_column(String(20))

    category: Mapped[ServiceCategory] = relationship(lazy="joined")
    communities: Mapped[list[Community]] = relationship(secondary=call_communities, lazy="selectin")
    amendments: Mapped[list["CallAmendment"]] = relationship(back_populates="call", order_by="CallAmendment.version",
                                                             cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(enum_check("status", CallStatus), name="status_valid"),
        CheckConstraint(enum_check("mode", PurchasingMode), name="mode_valid"),
        CheckConstraint(enum_check("funding_source", FundingSource), name="funding_valid"),
        CheckConstraint(enum_check("aggregation", Aggregation), name="aggregation_valid"),
        CheckConstraint("total_budget_fen > 0 AND max_per_proposal_fen > 0 "
                        "AND max_per_proposal_fen <= total_budget_fen", name="budget_valid"),
        CheckConstraint("max_personnel_pct BETWEEN 0 AND 100 AND max_management_pct BETWEEN 0 AND 100",
                        name="shares_valid"),
    )

    @property
    def status_enum(self) -> CallStatus:
        return CallStatus(self.status)

    @property
    def mode_label(self) -> str:
        return PurchasingMode(self.mode).label

    @property
    def funding_label(self) -> str:
        return FundingSource(self.funding_source).label

    @property
    def aggregation_label(self) -> str:
        return Aggregation(self.aggregation).label


class CallAmendment(db.Model):
    __tablename__ = "call_amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    changes: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    call: Mapped[Call] = relationship(back_populates="amendments")

    __table_args__ = (UniqueConstraint("call_id", "version", name="uq_call_amendments_call_version"),)


class CallQuestion(db.Model):
    """A clarification question; published with its answer, never with the asker's identity."""

    __tablename__ = "call_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Proposal(db.Model):
    """An organisation's answer to a call. Editable only as a draft; each submission is frozen in a version."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ProposalStatus.DRAFT.value)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    needs_analysis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    objectives: Mapped[str] = mapped_column(Text, nullable=False, default="")
    work_plan: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [{month, activity}]
    outputs: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [{indicator, target, unit}]
    team: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [{name, role, qualification}]
    co_funding_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # One more each time the draft is saved: a save sends the revision its form was opened at and is refused if the
    # draft was saved since (two tabs, a phone and a computer), instead of silently overwriting the other save.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    screening_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    call: Mapped[Call] = relationship()
    org: Mapped[Organisation] = relationship()
    budget_lines: Mapped[list["BudgetLine"]] = relationship(back_populates="proposal", cascade="all, delete-orphan",
                                                            order_by="BudgetLine.position")
    attachments: Mapped[list["ProposalAttachment"]] = relationship(back_populates="proposal",
                                                                   cascade="all, delete-orphan",
                                                                   order_by="ProposalAttachment.id")
    versions: Mapped[list["ProposalVersion"]] = relationship(back_populates="proposal",
                                                             order_by="ProposalVersion.version")

    __table_args__ = (
        UniqueConstraint("call_id", "org_id", name="uq_proposals_call_org"),
        CheckConstraint(enum_check("status", ProposalStatus), name="status_valid"),
        CheckConstraint("co_funding_fen >= 0", name="co_funding_not_negative"),
    )

    @property
    def status_enum(self) -> ProposalStatus:
        return ProposalStatus(self.status)

    @property
    def requested_fen(self) -> int:
        return sum(line.total_fen for line in self.budget_lines)

    def category_total(self, category: BudgetCategory) -> int:
        return sum(line.total_fen for line in self.budget_lines if line.category == category)

    @property
    def frozen_version(self) -> "ProposalVersion | None":
        return self.versions[-1] if self.versions and self.status != ProposalStatus.DRAFT else None


class BudgetLine(db.Model):
    __tablename__ = "proposal_budget_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    item: Mapped[str] = mapped_column(String(200), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")

    __table_args__ = (
        CheckConstraint(enum_check("category", BudgetCategory), name="category_valid"),
        CheckConstraint("quantity > 0 AND unit_price_fen >= 0", name="amounts_valid"),
    )

    @property
    def total_fen(self) -> int:
        return self.quantity * self.unit_price_fen

    @property
    def category_label(self) -> str:
        return BudgetCategory(self.category).label


class ProposalAttachment(db.Model):
    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    requirement: Mapped[str] = mapped_column(String(100), nullable=False)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), nullable=False)
    proposal: Mapped[Proposal] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(lazy="joined")


class ProposalVersion(db.Model):
    """A submitted proposal, frozen: its canonical content and that content's SHA-256. Never updated except to
    note that it was withdrawn."""

    __tablename__ = "proposal_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[str] = mapped_column(Text, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    requested_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposal: Mapped[Proposal] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("proposal_id", "version", name="uq_proposal_versions_proposal_version"),)
