from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db


class AuditEvent(db.Model):
    """One link of the hash chain. Rows are only ever inserted (PostgreSQL enforces it by trigger)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_roles: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    request_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    target_type: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    target_id: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    # Canonical JSON text: the exact bytes that were hashed, so verification needs no re-serialisation.
    data: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)

    # No foreign key: the trail stands alone and is insert-only; the link is for display.
    actor = relationship("User", primaryjoin="foreign(AuditEvent.actor_id) == User.id", viewonly=True,
                         lazy="raise")

    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)
