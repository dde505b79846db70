from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, enum_check, utcnow
from orgs.models import Organisation

from .enums import Aggregation, MemberStatus, SeatType, SheetStatus, TemplatePurpose

expert_affiliations = Table(
    "expert_affiliations", db.metadata,
    Column("expert_id", ForeignKey("expert_profiles.user_id", ondelete="CASCADE"), primary_key=True),
    Column("org_id", ForeignKey("organisations.id"), primary_key=True),
)


class IndicatorTemplate(db.Model):
    """A weighted criteria tree (评分指标体系). A call's panel scores against a frozen copy."""

    __tablename__ = "indicator_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # What it scores (TemplatePurpose): each chooser offers only its own kind. No default: whoever makes a
    # template says which (migration 0025 gave the rows before it theirs).
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    frozen: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_templates.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    indicators: Mapped[list["Indicator"]] = relationship(back_populates="template", cascade="all, delete-orphan",
                                                         order_by="Indicator.position")

    __table_args__ = (CheckConstraint(enum_check("purpose", TemplatePurpose), name="purpose_valid"),)

    @property
    def purpose_label(self) -> str:
        return TemplatePurpose(self.purpose).label

    @property
    def sections(self) -> list["Indicator"]:
        return [i for i in self.indicators if i.parent_id is None]

    @property
    def criteria(self) -> list["Indicator"]:
        return [i for i in self.indicators if i.max_points is not None]

    @property
    def total_points(self) -> int:
        return sum(c.max_points for c in self.criteria)


class Indicator(db.Model):
    """A section (no maximum) or a criterion (with maximum points and guidance)."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("indicator_templates.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    max_points: Mapped[int | None] = mapped_column(SmallInteger)
    guidance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # A measured figure shown beside the criterion in a project evaluation (project_enums.EvidenceKey)
    evidence_key: Mapped[str | None] = mapped_column(String(30))
    template: Mapped[IndicatorTemplate] = relationship(back_populates="indicators")
    children: Mapped[list["Indicator"]] = relationship(order_by="Indicator.position", viewonly=True)

    __table_args__ = (CheckConstraint("max_points IS NULL OR max_points > 0", name="max_positive"),)


class ExpertProfile(db.Model):
    """An evaluator in the expert pool (评审专家库)."""

    __tablename__ = "expert_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seat_type: Mapped[str] = mapped_column(String(30), nullable=False)
    expertise: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    user: Mapped[User] = relationship(lazy="joined")
    affiliations: Mapped[list[Organisation]] = relationship(secondary=expert_affiliations, lazy="selectin")

    __table_args__ = (CheckConstraint(enum_check("seat_type", SeatType), name="seat_valid"),)


class Panel(db.Model):
    """The panel drawn for one call; the seed and candidate list make the draw reproducible."""

    __tablename__ = "panels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), nullable=False, unique=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("indicator_templates.id"), nullable=False)
    size: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    seats: Mapped[dict] = mapped_column(JSON, nullable=False)  # {seat_type: count}
    seed: Mapped[str] = mapped_column(String(64), nullable=False)
    candidates: Mapped[list] = mapped_column(JSON, nullable=False)  # [{user_id, seat_type}] as drawn from
    max_panels_per_year: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=6)
    blind: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    aggregation: Mapped[str] = mapped_column(String(20), nullable=False, default=Aggregation.TRIMMED_MEAN.value)
    outlier_points: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=15)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    template: Mapped[IndicatorTemplate] = relationship()
    members: Mapped[list["PanelMember"]] = relationship(back_populates="panel", order_by="PanelMember.draw_order",
                                                        cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint(enum_check("aggregation", Aggregation), name="aggregation_valid"),)

    @property
    def aggregation_label(self) -> str:
        return Aggregation(self.aggregation).label

    @property
    def sitting(self) -> list["PanelMember"]:
        return [m for m in self.members if m.status == MemberStatus.ACTIVE]


class PanelMember(db.Model):
    __tablename__ = "panel_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    seat_type: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=MemberStatus.ACTIVE.value)
    draw_order: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    panel: Mapped[Panel] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("panel_id", "user_id", name="uq_panel_members_panel_user"),
        CheckConstraint(enum_check("status", MemberStatus), name="status_valid"),
        CheckConstraint(enum_check("seat_type", SeatType), name="seat_valid"),
    )

    @property
    def seat_label(self) -> str:
        return SeatType(self.seat_type).label

    @property
    def status_label(self) -> str:
        return MemberStatus(self.status).label


class ConflictDeclaration(db.Model):
    """回避: declared per proposal before any proposal is visible."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_members.id", ondelete="CASCADE"), nullable=False)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False)
    has_conflict: Mapped[bool] = mapped_column(Boolean, nullable=False)
    relationship_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("member_id", "proposal_id", name="uq_conflict_declarations_member_proposal"),)


class ScoreSheet(db.Model):
    """One evaluator's scores: for a proposal (panel member + proposal) or a project evaluation (assignment)."""

    __tablename__ = "score_sheets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("panel_members.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_assignments.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=SheetStatus.DRAFT.value)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member: Mapped[PanelMember | None] = relationship(lazy="joined")
    assignment = relationship("EvaluationAssignment")
    scores: Mapped[list["Score"]] = relationship(back_populates="sheet", cascade="all, delete-orphan",
                                                 lazy="selectin")

    __table_args__ = (
        UniqueConstraint("member_id", "proposal_id", name="uq_score_sheets_member_proposal"),
        CheckConstraint(enum_check("status", SheetStatus), name="status_valid"),
        CheckConstraint("(member_id IS NOT NULL AND proposal_id IS NOT NULL AND assignment_id IS NULL) OR "
                        "(member_id IS NULL AND proposal_id IS NULL AND assignment_id IS NOT NULL)",
                        name="one_owner"),
    )

    @property
    def total_half_points(self) -> int:
        return sum(s.half_points for s in self.scores)


class Score(db.Model):
    """Points for one criterion, in half points (so 7.5 is stored as 15: no floats)."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"), nullable=False)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), nullable=False)
    half_points: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")

    __table_args__ = (
        UniqueConstraint("sheet_id", "indicator_id", name="uq_scores_sheet_indicator"),
        CheckConstraint("half_points >= 0", name="not_negative"),
    )


from . import project_models  # noqa: E402,F401  (score sheets refer to evaluation assignments)
from .expert_models import StandingConflict  # noqa: E402,F401
