"""A resident's need (居民需求): raised by the resident, answered by community staff or an officer, each step kept
as an entry of its thread (taking it on, with a reply or none; closing it, with one)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_check, utcnow

from .enums import NeedCategory, NeedStatus
from .models import Community, User
from .resident_models import ResidentProfile

MAX_DESCRIPTION = 1000
MAX_REPLY = 1000


class ResidentNeed(db.Model):
    __tablename__ = "resident_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident_profiles.id", ondelete="CASCADE"), nullable=False)
    # The resident's community when raised: the staff who look after it answer (a move later does not reroute it).
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    wants_contact: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=NeedStatus.OPEN.value)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    resident: Mapped[ResidentProfile] = relationship(lazy="joined")
    community: Mapped[Community] = relationship(lazy="joined")
    # Every entry of the thread, oldest first (lists that show them eager-load them: accounts.needs).
    replies: Mapped[list["NeedReply"]] = relationship(back_populates="need", order_by="NeedReply.id",
                                                      cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (
        CheckConstraint(enum_check("status", NeedStatus), name="status_valid"),
        CheckConstraint(enum_check("category", NeedCategory), name="category_valid"),
        Index("ix_resident_needs_resident", "resident_id", "id"),
        Index("ix_resident_needs_community_status", "community_id", "status", "id"),
    )

    @property
    def status_enum(self) -> NeedStatus:
        return NeedStatus(self.status)

    @property
    def category_enum(self) -> NeedCategory:
        return NeedCategory(self.category)

    @property
    def reply(self) -> str:
        """The latest reply written: empty until there is one (taking the need on may have said nothing)."""
        return next((r.text for r in reversed(self.replies) if r.text), "")


class NeedReply(db.Model):
    """One step of a need's thread, written by the transition it came with (accounts.needs.transition_need): who
    moved the need to which status and when, and what they wrote the resident; the text is empty when they took it
    on without a word (the entry is still the resident's sign that someone has it)."""

    __tablename__ = "resident_need_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("resident_needs.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)  # the status the need moved to with it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    need: Mapped[ResidentNeed] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(enum_check("status", NeedStatus), name="status_valid"),
        Index("ix_resident_need_replies_need", "need_id", "id"),
    )

    @property
    def status_enum(self) -> NeedStatus:
        return NeedStatus(self.status)
