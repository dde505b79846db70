from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Community, User
from core.db import UTCDateTime, db, enum_check, utcnow
from core.i18n import _l
from core.uploads import StoredFile

from .enums import (
    ChangeStatus,
    CreditList,
    DocumentKind,
    IncubationStage,
    MemberRole,
    MembershipStatus,
    OrgKind,
    OrgStatus,
    ReportStatus,
)

# Records that hold their credit code (see the partial unique index on organisations.uscc).
LIVE_USCC = text("uscc IS NOT NULL AND status NOT IN ('draft', 'rejected')")

org_categories = Table(
    "org_categories", db.metadata,
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("service_categories.id"), primary_key=True, index=True),
)
org_communities = Table(
    "org_communities", db.metadata,
    Column("org_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("community_id", ForeignKey("communities.id"), primary_key=True, index=True),
)


class ServiceCategory(db.Model):
    """The managed list of service categories (养老, 青少年, …), shared by organisations, calls and vouchers."""

    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    name_zh: Mapped[str] = mapped_column(String(60), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_initials: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=OrgStatus.DRAFT.value, index=True)
    uscc: Mapped[str | None] = mapped_column(String(18))
    filing_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    registration_authority: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    registered_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    full_time_staff: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    certified_social_workers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    volunteers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    contact_name: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    contact_phone: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    contact_email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 枢纽型社会组织: designated by an officer; only a hub incubates community groups.
    is_hub: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=sa_false())

    categories: Mapped[list[ServiceCategory]] = relationship(secondary=org_categories, lazy="selectin",
                                                             order_by=ServiceCategory.sort_order)
    communities: Mapped[list[Community]] = relationship(secondary=org_communities, lazy="selectin",
                                                        order_by=Community.id)
    documents: Mapped[list["OrgDocument"]] = relationship(back_populates="org", cascade="all, delete-orphan",
                                                          order_by="OrgDocument.id")
    memberships: Mapped[list["Membership"]] = relationship(back_populates="org", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(enum_check("kind", OrgKind), name="kind_valid"),
        CheckConstraint(enum_check("status", OrgStatus), name="status_valid"),
        CheckConstraint("full_time_staff >= 0 AND certified_social_workers >= 0 AND volunteers >= 0",
                        name="staff_not_negative"),
        # The directory walks this index in display order instead of sorting every public row.
        Index("ix_organisations_directory", "name_initials", "id", "status"),
        # A credit code belongs to one live record: drafts and rejected applications do not hold it, so nobody can
        # block an organisation by filing a draft with its code, and a rejected applicant can apply again.
        Index("uq_organisations_uscc_live", "uscc", unique=True, sqlite_where=LIVE_USCC,
              postgresql_where=LIVE_USCC),
    )

    @property
    def kind_enum(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def status_enum(self) -> OrgStatus:
        return OrgStatus(self.status)

    @property
    def status_label(self) -> str:
        if self.status == OrgStatus.APPROVED and self.kind == OrgKind.COMMUNITY:
            return str(_l("Filed"))
        return self.status_enum.label

    @property
    def code(self) -> str:
        return self.uscc or self.filing_number or ""


class OrgDocument(db.Model):
    __tablename__ = "org_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), nullable=False)
    org: Mapped[Organisation] = relationship(back_populates="documents")
    file: Mapped[StoredFile] = relationship(lazy="joined")

    __table_args__ = (CheckConstraint(enum_check("kind", DocumentKind), name="kind_valid"),)

    @property
    def kind_label(self) -> str:
        return DocumentKind(self.kind).label_for(self.org.kind)  # (a community group's filing record, say)


class Membership(db.Model):
    __tablename__ = "org_memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default=MemberRole.MEMBER.value)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=MembershipStatus.ACTIVE.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    org: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("org_id", "user_id", name="uq_org_memberships_org_user"),
        CheckConstraint(enum_check("role", MemberRole), name="role_valid"),
        CheckConstraint(enum_check("status", MembershipStatus), name="status_valid"),
    )


class GradeRecord(db.Model):
    """A civil-affairs evaluation grade (评估等级) 1A–5A, valid for a period."""

    __tablename__ = "org_grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    grade: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    awarded_on: Mapped[date] = mapped_column(Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(Date, nullable=False)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    evidence: Mapped[StoredFile | None] = relationship()

    __table_args__ = (
        CheckConstraint("grade BETWEEN 1 AND 5", name="grade_range"),
        CheckConstraint("valid_until > awarded_on", name="period_order"),
    )

    @property
    def label(self) -> str:
        return f"{self.grade}A"


class AnnualReport(db.Model):
    __tablename__ = "org_annual_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ReportStatus.SUBMITTED.value)
    review_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file: Mapped[StoredFile] = relationship()

    __table_args__ = (
        UniqueConstraint("org_id", "year", name="uq_org_annual_reports_org_year"),
        CheckConstraint(enum_check("status", ReportStatus), name="status_valid"),
    )

    @property
    def status_label(self) -> str:
        return ReportStatus(self.status).label


class CreditListEntry(db.Model):
    __tablename__ = "org_credit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    list_type: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    start_on: Mapped[date] = mapped_column(Date, nullable=False)
    end_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint(enum_check("list_type", CreditList), name="list_valid"),
        CheckConstraint("end_on IS NULL OR end_on > start_on", name="period_order"),
    )

    @property
    def list_label(self) -> str:
        return CreditList(self.list_type).label

    def active_on(self, day: date) -> bool:
        return self.start_on <= day and (self.end_on is None or day < self.end_on)

    def ended_by(self, day: date) -> bool:
        """Whether the entry no longer counts from `day` on (its end date is the first day it does not count)."""
        return self.end_on is not None and self.end_on <= day


class Incubation(db.Model):
    """A hub organisation (枢纽型社会组织) incubating a community group."""

    __tablename__ = "org_incubations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    stage: Mapped[str] = mapped_column(String(20), nullable=False, default=IncubationStage.INCUBATING.value)
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    hub: Mapped[Organisation] = relationship(foreign_keys=[hub_id])
    child: Mapped[Organisation] = relationship(foreign_keys=[child_id])

    __table_args__ = (
        UniqueConstraint("hub_id", "child_id", name="uq_org_incubations_pair"),
        CheckConstraint("hub_id <> child_id", name="not_self"),
        CheckConstraint(enum_check("stage", IncubationStage), name="stage_valid"),
        Index("ix_org_incubations_stage", "stage"),
    )

    @property
    def stage_label(self) -> str:
        return IncubationStage(self.stage).label


# One open change request per organisation: a second would be decided against items the first may change.
OPEN_CHANGE = text("status = 'pending'")


class ChangeRequest(db.Model):
    """A change registration (变更登记): the registered items the organisation asks for (all four, the unchanged as
    they were), decided by an officer; approved, they become the organisation's."""

    __tablename__ = "org_change_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                        index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ChangeStatus.PENDING.value)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    uscc: Mapped[str | None] = mapped_column(String(18))
    legal_representative: Mapped[str] = mapped_column(String(60), nullable=False)
    address: Mapped[str] = mapped_column(String(200), nullable=False)
    # {item: [as registered when asked, as asked]} for the items that change: what the history shows.
    changes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    org: Mapped[Organisation] = relationship()
    document: Mapped[StoredFile | None] = relationship()

    __table_args__ = (
        CheckConstraint(enum_check("status", ChangeStatus), name="status_valid"),
        Index("uq_org_change_requests_open", "org_id", unique=True, sqlite_where=OPEN_CHANGE,
              postgresql_where=OPEN_CHANGE),
    )

    @property
    def status_label(self) -> str:
        return ChangeStatus(self.status).label
