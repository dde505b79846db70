from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_check, utcnow
from core.enums import LabelledEnum
from core.i18n import _l
from core.uploads import StoredFile
from orgs.models import Organisation

from .contract_change_models import ChangeRequest, ContractAmendment
from .contract_report_models import ActivityRecord, FeePayment, ReportEvidence
from .enums import BudgetCategory

if TYPE_CHECKING:
    from accounts.models import User


class ContractStatus(LabelledEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    TERMINATED = "terminated"

    @classmethod
    def labels(cls):
        return {cls.DRAFT: _l("Awaiting signatures"), cls.ACTIVE: _l("In force"), cls.CLOSED: _l("Completed"),
                cls.TERMINATED: _l("Terminated")}


CONTRACT_TRANSITIONS = {
    ContractStatus.DRAFT: {ContractStatus.ACTIVE, ContractStatus.TERMINATED},
    ContractStatus.ACTIVE: {ContractStatus.CLOSED, ContractStatus.TERMINATED},
    ContractStatus.CLOSED: set(),
    ContractStatus.TERMINATED: set(),
}


class TrancheStatus(LabelledEnum):
    PENDING = "pending"
    PAYABLE = "payable"
    PAID = "paid"
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls):
        return {cls.PENDING: _l("Not yet due"), cls.PAYABLE: _l("Payable"), cls.PAID: _l("Paid"),
                cls.CANCELLED: _l("Cancelled")}


class TrancheKind(LabelledEnum):
    """What a tranche waits for: an advance (预付款) is payable once the contract is in force, a milestone's once
    its report is accepted, the final one (尾款) after the final evaluation."""

    ADVANCE = "advance"
    MILESTONE = "milestone"
    FINAL = "final"

    @classmethod
    def labels(cls):
        return {cls.ADVANCE: _l("Advance payment"), cls.MILESTONE: _l("Milestone payment"),
                cls.FINAL: _l("Final payment")}


# projects.tranches.transition_tranche is the one place a tranche's status changes: payable when what its kind waits
# for has happened (the contract in force, its milestone's report accepted, the final evaluation passed), paid
# once, cancelled with its contract.
TRANCHE_TRANSITIONS = {
    TrancheStatus.PENDING: {TrancheStatus.PAYABLE, TrancheStatus.CANCELLED},
    TrancheStatus.PAYABLE: {TrancheStatus.PAID, TrancheStatus.CANCELLED},
    TrancheStatus.PAID: set(),
    TrancheStatus.CANCELLED: set(),
}


class ReportStatus(LabelledEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @classmethod
    def labels(cls):
        return {cls.SUBMITTED: _l("Awaiting review"), cls.ACCEPTED: _l("Accepted"), cls.RETURNED: _l("Returned")}


REPORT_TRANSITIONS = {
    ReportStatus.SUBMITTED: {ReportStatus.ACCEPTED, ReportStatus.RETURNED},
    ReportStatus.ACCEPTED: set(),
    ReportStatus.RETURNED: set(),  # the organisation submits a new report instead
}


class Contract(db.Model):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), nullable=False, index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), nullable=False, unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    outputs: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    clauses: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ContractStatus.DRAFT.value)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    org_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    org_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    officer_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    officer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document_code: Mapped[str | None] = mapped_column(String(20))
    # Raised by each approved change; the amendments list holds what changed from one version to the next.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    org: Mapped[Organisation] = relationship(lazy="joined")
    lines: Mapped[list["ContractLine"]] = relationship(order_by="ContractLine.position", cascade="all, delete-orphan")
    milestones: Mapped[list["Milestone"]] = relationship(order_by="Milestone.position", cascade="all, delete-orphan")
    tranches: Mapped[list["Tranche"]] = relationship(order_by="Tranche.position", cascade="all, delete-orphan")
    changes: Mapped[list[ChangeRequest]] = relationship(order_by=ChangeRequest.id, cascade="all, delete-orphan")
    amendments: Mapped[list[ContractAmendment]] = relationship(order_by=ContractAmendment.version,
                                                               cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(enum_check("status", ContractStatus), name="status_valid"),
        # The database itself refuses paying more than the contract amount, whatever the application does.
        CheckConstraint("paid_fen >= 0 AND paid_fen <= amount_fen", name="paid_within_amount"),
    )

    @property
    def status_label(self) -> str:
        return ContractStatus(self.status).label

    @property
    def spent_fen(self) -> int:
        return sum(line.spent_fen for line in self.lines)


class ContractLine(db.Model):
    __tablename__ = "contract_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    item: Mapped[str] = mapped_column(String(200), nullable=False)
    budget_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    spent_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)

    __table_args__ = (CheckConstraint("spent_fen >= 0 AND spent_fen <= budget_fen", name="spent_within_budget"),)

    @property
    def remaining_fen(self) -> int:
        return self.budget_fen - self.spent_fen

    @property
    def category_label(self) -> str:
        return BudgetCategory(self.category).label


class Milestone(db.Model):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    deliverables: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence_required: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Set when its report is accepted: open milestones past due (overdue) are then found through an index.
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reports: Mapped[list["MilestoneReport"]] = relationship(order_by="MilestoneReport.id",
                                                            cascade="all, delete-orphan")

    __table_args__ = (Index("ix_milestones_open_due", "accepted_at", "due_on"),)

    @property
    def latest_report(self) -> "MilestoneReport | None":
        return self.reports[-1] if self.reports else None


class Tranche(db.Model):
    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # TrancheKind: what it waits for
    percent: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TrancheStatus.PENDING.value)
    paid_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Two-person approval (above TWO_PERSON_APPROVAL_ABOVE_FEN): a first officer approves, another one pays.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deducted (扣减) by an officer before payment (projects.tranches.deduct_tranche): amount_fen stays the amount
    # agreed, due_fen is what is paid; the reasons given, one a line (each deduction is in the audit trail too).
    deducted_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0, server_default="0")
    deduction_reason: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")

    __table_args__ = (
        Index("ix_tranches_status", "status"),
        CheckConstraint(enum_check("status", TrancheStatus), name="status_valid"),
        CheckConstraint(enum_check("kind", TrancheKind), name="kind_valid"),
        CheckConstraint("percent > 0 AND percent <= 100 AND amount_fen >= 0", name="amount_valid"),
        CheckConstraint("deducted_fen >= 0 AND deducted_fen <= amount_fen", name="deduction_valid"),
    )

    @property
    def status_label(self) -> str:
        return TrancheStatus(self.status).label

    @property
    def kind_label(self) -> str:
        return TrancheKind(self.kind).label

    @property
    def due_fen(self) -> int:
        """What is paid (or to be paid) for this tranche: its amount less what was deducted."""
        return self.amount_fen - (self.deducted_fen or 0)


class MilestoneReport(db.Model):
    __tablename__ = "milestone_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), nullable=False,
                                              index=True)
    narrative: Mapped[str] = mapped_column(Text, nullable=False)
    outputs: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # [{indicator, achieved}]
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReportStatus.SUBMITTED.value)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[StoredFile | None] = relationship()
    activities: Mapped[list[ActivityRecord]] = relationship(order_by=ActivityRecord.held_on,
                                                            cascade="all, delete-orphan")
    evidence_files: Mapped[list[ReportEvidence]] = relationship(order_by=ReportEvidence.id,
                                                                cascade="all, delete-orphan")
    fees: Mapped[list[FeePayment]] = relationship(order_by=FeePayment.id, cascade="all, delete-orphan")

    __table_args__ = (Index("ix_milestone_reports_status", "status"),
                      CheckConstraint(enum_check("status", ReportStatus), name="status_valid"))

    @property
    def status_label(self) -> str:
        return ReportStatus(self.status).label


class Expense(db.Model):
    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("contract_lines.id"), nullable=False, index=True)
    spent_on: Mapped[date] = mapped_column(Date, nullable=False)
    payee: Mapped[str] = mapped_column(String(100), nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Withdrawn (recorded by mistake), never deleted nor edited: the row stays with when, by whom and why, and no
    # longer counts in its line's spent_fen. A correction is a withdrawal replaced by the expense recorded with it.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_reason: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id"))
    withdrawn_by: Mapped["User | None"] = relationship("User", foreign_keys=[withdrawn_by_id])
    # A correction without a new receipt keeps the old one's: two expenses may share one file.
    receipt: Mapped[StoredFile | None] = relationship(foreign_keys=[receipt_id])

    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),
                      CheckConstraint("withdrawn_at IS NULL OR withdrawal_reason <> ''", name="withdrawal_has_reason"))

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
