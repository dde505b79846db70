"""Residents (居民): a user's real-name profile, verified by community staff (DESIGN.md rule 6 for the ID)."""

from datetime import date, datetime

from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_check, utcnow
from core.enums import LabelledEnum
from core.i18n import _l

from .models import Community, User

AGED_THRESHOLD = 80


class ResidentStatus(LabelledEnum):
    PENDING = "pending"  # signed up, awaiting community verification
    VERIFIED = "verified"
    SUSPENDED = "suspended"  # moved away, deceased, fraud: receives nothing new

    @classmethod
    def labels(cls):
        # 'Suspended' alone is an organisation's status too, 暂停活动 (its activities halted), which read oddly beside
        # a resident's name: a resident's has its own translation (已暂停).
        return {cls.PENDING: _l("Awaiting verification"), cls.VERIFIED: _l("Verified"),
                cls.SUSPENDED: lazy_pgettext("resident status", "Suspended")}


RESIDENT_TRANSITIONS = {
    ResidentStatus.PENDING: {ResidentStatus.VERIFIED, ResidentStatus.SUSPENDED},
    ResidentStatus.VERIFIED: {ResidentStatus.SUSPENDED},
    ResidentStatus.SUSPENDED: {ResidentStatus.VERIFIED},
}


class HardshipTag(LabelledEnum):
    """Set by community staff, except AGED_80 which is computed from the date of birth (never stored)."""

    LOW_INCOME = "low_income"  # 低保
    EXTREME_POVERTY = "extreme_poverty"  # 特困
    DISABILITY = "disability"
    LIVING_ALONE = "living_alone"
    AGED_80 = "aged_80"

    @classmethod
    def labels(cls):
        return {cls.LOW_INCOME: _l("Low-income (dibao)"), cls.EXTREME_POVERTY: _l("Extreme poverty (tekun)"),
                cls.DISABILITY: _l("Disability"), cls.LIVING_ALONE: _l("Living alone"),
                cls.AGED_80: _l("Aged 80 or over")}

    @classmethod
    def stored(cls) -> list["HardshipTag"]:
        return [t for t in cls if t is not cls.AGED_80]


class ResidentProfile(db.Model):
    __tablename__ = "resident_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ResidentStatus.PENDING.value)
    real_name: Mapped[str] = mapped_column(String(60), nullable=False)
    # AES-GCM ciphertext (core.personal.encrypt); the keyed hash makes one ID one profile.
    id_number_enc: Mapped[str] = mapped_column(String(120), nullable=False)
    id_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    id_masked: Mapped[str] = mapped_column(String(18), nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff, for residents without phone
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    community: Mapped[Community] = relationship(lazy="joined")
    tag_rows: Mapped[list["ResidentTag"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                         order_by="ResidentTag.tag")

    __table_args__ = (
        CheckConstraint(enum_check("status", ResidentStatus), name="status_valid"),
        # Eligibility scans: verified residents of a community by id (batch issuance walks this index).
        Index("ix_resident_profiles_status_community", "status", "community_id", "id"),
    )

    @property
    def status_enum(self) -> ResidentStatus:
        return ResidentStatus(self.status)

    def age_on(self, day: date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def tags_on(self, day: date) -> set[str]:
        """Stored tags plus the computed aged-80 tag."""
        tags = {row.tag for row in self.tag_rows}
        if self.age_on(day) >= AGED_THRESHOLD:
            tags.add(HardshipTag.AGED_80.value)
        return tags

    @property
    def has_phone(self) -> bool:
        return bool(self.user and self.user.phone)


class ResidentTag(db.Model):
    __tablename__ = "resident_tags"

    resident_id: Mapped[int] = mapped_column(ForeignKey("resident_profiles.id", ondelete="CASCADE"),
                                             primary_key=True)
    tag: Mapped[str] = mapped_column(String(30), primary_key=True)

    __table_args__ = (
        CheckConstraint(enum_check("tag", HardshipTag), name="tag_valid"),
        Index("ix_resident_tags_tag", "tag", "resident_id"),
    )
