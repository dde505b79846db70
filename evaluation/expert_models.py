from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from orgs.models import Organisation


class StandingConflict(db.Model):
    """An expert's conflict with an organisation, declared before any draw: never drawn for its calls."""

    __tablename__ = "expert_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    relationship_note: Mapped[str] = mapped_column(Text, nullable=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    org: Mapped[Organisation] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("user_id", "org_id", name="uq_expert_conflicts_user_org"),)
