"""What a progress report carries beyond its narrative: activity records with photos, evidence files, and the fees
and allowances paid to named people, each of whom can confirm or deny receipt in the app."""

from datetime import date, datetime

from flask_babel import lazy_pgettext
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_check
from core.enums import LabelledEnum
from core.i18n import _l
from core.uploads import StoredFile


class FeeKind(LabelledEnum):
    EXPERT_FEE = "expert_fee"
    VOLUNTEER_ALLOWANCE = "volunteer_allowance"

    @classmethod
    def labels(cls):
        return {cls.EXPERT_FEE: _l("Expert fee"), cls.VOLUNTEER_ALLOWANCE: _l("Volunteer allowance")}


class ReceiptStatus(LabelledEnum):
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    DENIED = "denied"

    @classmethod
    def labels(cls):
        return {cls.UNCONFIRMED: lazy_pgettext("fee receipt", "Awaiting confirmation"),
                cls.CONFIRMED: lazy_pgettext("fee receipt", "Confirmed"),
                cls.DENIED: lazy_pgettext("fee receipt", "Denied")}


RECEIPT_TRANSITIONS = {
    ReceiptStatus.UNCONFIRMED: {ReceiptStatus.CONFIRMED, ReceiptStatus.DENIED},
    ReceiptStatus.CONFIRMED: set(),
    ReceiptStatus.DENIED: set(),
}


class ActivityRecord(db.Model):
    __tablename__ = "report_activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("milestone_reports.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False)
    participants: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    photos: Mapped[list["ActivityPhoto"]] = relationship(order_by="ActivityPhoto.id", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("participants >= 0", name="participants_valid"),)


class ActivityPhoto(db.Model):
    __tablename__ = "activity_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("report_activities.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), nullable=False)
    file: Mapped[StoredFile] = relationship(lazy="joined")


class ReportEvidence(db.Model):
    __tablename__ = "report_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("milestone_reports.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), nullable=False)
    file: Mapped[StoredFile] = relationship(lazy="joined")


class FeePayment(db.Model):
    """An expert fee or volunteer allowance the organisation says it paid; the recipient confirms or denies it."""

    __tablename__ = "fee_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("milestone_reports.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(100), nullable=False)
    recipient_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReceiptStatus.UNCONFIRMED.value,
                                        index=True)
    response_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(enum_check("status", ReceiptStatus), name="status_valid"),
        CheckConstraint(enum_check("kind", FeeKind), name="kind_valid"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    @property
    def status_label(self) -> str:
        return ReceiptStatus(self.status).label

    @property
    def kind_label(self) -> str:
        return FeeKind(self.kind).label
