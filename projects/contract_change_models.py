"""Change requests (budget: money moved between lines; schedule: a milestone moved) and the amendments that
approved changes leave behind, one per contract version."""

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UTCDateTime, db, enum_check, utcnow
from core.enums import LabelledEnum
from core.i18n import _l


class ChangeKind(LabelledEnum):
    BUDGET = "budget"
    SCHEDULE = "schedule"

    @classmethod
    def labels(cls):
        return {cls.BUDGET: _l("Budget change"), cls.SCHEDULE: _l("Schedule change")}


class ChangeStatus(LabelledEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def labels(cls):
        return {cls.REQUESTED: _l("Awaiting decision"), cls.APPROVED: _l("Approved"), cls.REJECTED: _l("Rejected"),
                cls.WITHDRAWN: _l("Withdrawn")}


CHANGE_TRANSITIONS = {
    ChangeStatus.REQUESTED: {ChangeStatus.APPROVED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN},
    ChangeStatus.APPROVED: set(),
    ChangeStatus.REJECTED: set(),
    ChangeStatus.WITHDRAWN: set(),
}


class ChangeRequest(db.Model):
    __tablename__ = "contract_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ChangeStatus.REQUESTED.value)
    from_line_id: Mapped[int | None] = mapped_column(ForeignKey("contract_lines.id"))
    to_line_id: Mapped[int | None] = mapped_column(ForeignKey("contract_lines.id"))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"))
    new_due_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(enum_check("status", ChangeStatus), name="status_valid"),
        CheckConstraint(enum_check("kind", ChangeKind), name="kind_valid"),
        CheckConstraint("amount_fen IS NULL OR amount_fen > 0", name="amount_positive"),
    )

    @property
    def status_label(self) -> str:
        return ChangeStatus(self.status).label

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label


class ContractAmendment(db.Model):
    """Version n of a contract: what the approved change altered (before/after), kept for good."""

    __tablename__ = "contract_amendments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("contract_changes.id"))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    before: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    after: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("contract_id", "version", name="version_once"),)

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label
