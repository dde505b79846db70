from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_check, utcnow
from core.enums import LabelledEnum
from core.i18n import _l
from core.uploads import StoredFile

from .models import Proposal


class AwardDecision(db.Model):
    """The officer's decision on one ranked proposal: awarded (with the amount) or not."""

    __tablename__ = "award_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False)
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    final_score: Mapped[str] = mapped_column(String(12), nullable=False)
    awarded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notice_code: Mapped[str | None] = mapped_column(String(20))
    proposal: Mapped[Proposal] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("call_id", "proposal_id", name="uq_award_decisions_call_proposal"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )


class ObjectionStatus(LabelledEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"

    @classmethod
    def labels(cls):
        return {cls.PENDING: _l("Awaiting an answer"), cls.UPHELD: _l("Objection upheld"),
                cls.REJECTED: _l("Objection not upheld")}


class Objection(db.Model):
    """质疑: lodged by an applicant during publicity, answered and published by an officer."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ObjectionStatus.PENDING.value)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file: Mapped[StoredFile | None] = relationship()
    org = relationship("Organisation")  # named to the officers who decide it (the public page does not)

    __table_args__ = (CheckConstraint(enum_check("status", ObjectionStatus), name="status_valid"),)

    @property
    def status_label(self) -> str:
        return ObjectionStatus(self.status).label


class Publicity(db.Model):
    """公示: results public for N working days; the calendar source used is kept and shown."""

    __tablename__ = "publicity_periods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, index=True)
    working_days: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)  # the last day objections are accepted
    calendar_sources: Mapped[str] = mapped_column(String(100), nullable=False)
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    announcement_code: Mapped[str | None] = mapped_column(String(20))
    summary_code: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
