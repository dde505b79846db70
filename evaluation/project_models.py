"""Project evaluation (issue 7): commissions, evaluators, document requests, rectification, resident surveys.

Score sheets are the review engine's (`models.ScoreSheet`): a sheet belongs either to a proposal review (panel
member + proposal) or to a project evaluation (an assignment here)."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from core.db import UTCDateTime, db, enum_check, utcnow
from core.timeutil import local_today
from core.uploads import StoredFile
from orgs.models import Organisation
from projects.contract_models import Contract

from .enums import Aggregation
from .models import IndicatorTemplate
from .project_enums import EvaluationKind, EvaluationStatus, Grade, TaskStatus

request_files = Table(
    "evaluation_request_files", db.metadata,
    Column("request_id", ForeignKey("evaluation_document_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("file_id", ForeignKey("stored_files.id"), primary_key=True),
)


class EvaluationAgency(db.Model):
    """An organisation registered as a third-party evaluation agency (第三方评估机构); its members holding the
    evaluator role are its evaluators."""

    __tablename__ = "evaluation_agencies"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    org: Mapped[Organisation] = relationship(lazy="joined")


class ProjectEvaluation(db.Model):
    __tablename__ = "project_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=EvaluationStatus.IN_PROGRESS.value)
    agency_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("indicator_templates.id"), nullable=False)
    aggregation: Mapped[str] = mapped_column(String(20), nullable=False, default=Aggregation.MEAN.value)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    final_score: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    grade: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    report_code: Mapped[str | None] = mapped_column(String(20))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    commissioned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    contract: Mapped[Contract] = relationship(lazy="joined")
    agency: Mapped[Organisation | None] = relationship(foreign_keys=[agency_org_id])
    template: Mapped[IndicatorTemplate] = relationship()
    # The evaluators taking part: withdrawn ones (EvaluationAssignment.withdrawn_at) are left out, so whatever goes
    # through this list (permissions, the workspace, aggregation, missing work, "my evaluations") no longer sees
    # them. Their rows and sheets are kept for the record: all_assignments lists everyone ever assigned.
    assignments: Mapped[list["EvaluationAssignment"]] = relationship(
        primaryjoin="and_(ProjectEvaluation.id == EvaluationAssignment.evaluation_id, "
                    "EvaluationAssignment.withdrawn_at.is_(None))",
        back_populates="evaluation", order_by="EvaluationAssignment.id", cascade="all, delete-orphan")
    all_assignments: Mapped[list["EvaluationAssignment"]] = relationship(viewonly=True,
                                                                         order_by="EvaluationAssignment.id")
    tasks: Mapped[list["RectificationTask"]] = relationship(order_by="RectificationTask.id",
                                                            cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(enum_check("kind", EvaluationKind), name="kind_valid"),
        CheckConstraint(enum_check("status", EvaluationStatus), name="status_valid"),
        CheckConstraint(f"grade IS NULL OR {enum_check('grade', Grade)}", name="grade_valid"),
        CheckConstraint(enum_check("aggregation", Aggregation), name="aggregation_valid"),
    )

    @property
    def kind_label(self) -> str:
        return EvaluationKind(self.kind).label

    @property
    def status_label(self) -> str:
        return EvaluationStatus(self.status).label

    @property
    def grade_label(self) -> str:
        return Grade(self.grade).label if self.grade else ""

    @property
    def issued(self) -> bool:
        return self.report_code is not None

    @property
    def overdue(self) -> bool:
        """The report is still awaited after the due date (shown, not enforced: late work is still accepted)."""
        return self.status == EvaluationStatus.IN_PROGRESS and self.due_on < local_today()


class EvaluationAssignment(db.Model):
    """One evaluator on one evaluation; declares a conflict (or none) before seeing anything. An officer may
    withdraw them while the evaluation is in progress (project_services.withdraw_evaluator): the row and any sheet
    stay, for the record, but they take no further part."""

    __tablename__ = "evaluation_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("project_evaluations.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    has_conflict: Mapped[bool | None] = mapped_column(Boolean)
    relationship_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    # Chosen although the organisation paid them under the contract: the commissioning officer's reason (the
    # override, project_services.commission); None for everyone else.
    paid_override_reason: Mapped[str | None] = mapped_column(Text)
    evaluation: Mapped[ProjectEvaluation] = relationship(back_populates="assignments")
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id], lazy="joined")
    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("evaluation_id", "user_id", name="uq_evaluation_assignments_evaluation_user"),)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def cleared(self) -> bool:
        """Declared no conflict and not withdrawn: may see the workspace and score (its sheet counts)."""
        return self.declared_at is not None and self.has_conflict is False and self.withdrawn_at is None


class DocumentRequest(db.Model):
    """The evaluator asks the organisation for further documents; the answer attaches files."""

    __tablename__ = "evaluation_document_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("project_evaluations.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, nullable=False, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    files: Mapped[list[StoredFile]] = relationship(secondary=request_files, lazy="selectin")

    @property
    def overdue(self) -> bool:
        return self.answered_at is None and self.due_on < local_today()


# The standard task of a 不合格 result was stored as this text (Chinese whatever the reader's language) until the
# platform stored it as "" and translated it when shown; rows from then are shown the same way.
FAIL_REQUIREMENT_STORED_BEFORE = "评估结果为不合格：请对照评估报告逐项整改，并提交整改报告及佐证材料。"


class RectificationTask(db.Model):
    """整改: from a 不合格 result or a flagged criterion; the organisation responds, the evaluator verifies."""

    __tablename__ = "rectification_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("project_evaluations.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    # As the evaluator wrote it; "" (never typed: a typed one is refused empty) for the platform's standard task
    # of a 不合格 result, which `requirement` shows in the reader's language.
    written_requirement: Mapped[str] = mapped_column("requirement", Text, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=TaskStatus.OPEN.value)
    response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    evidence: Mapped[StoredFile | None] = relationship()

    __table_args__ = (CheckConstraint(enum_check("status", TaskStatus), name="status_valid"),)

    @property
    def requirement(self) -> str:
        """What must be rectified, in the reader's language when the platform wrote it."""
        if self.written_requirement in ("", FAIL_REQUIREMENT_STORED_BEFORE):
            return _("The evaluation result is Fail: rectify each point against the evaluation report, then submit "
                     "a rectification report with supporting evidence.")
        return self.written_requirement

    @property
    def status_label(self) -> str:
        return TaskStatus(self.status).label

    @property
    def overdue(self) -> bool:
        """Awaiting the organisation's response (again, once reopened) after the due date."""
        return self.status == TaskStatus.OPEN and self.due_on < local_today()

    @property
    def verification_overdue(self) -> bool:
        """Responded, awaiting the evaluator's verification after the due date: the evaluator is late (as the
        officers' digest and the overdue list count it, evaluation.reminders)."""
        return self.status == TaskStatus.RESPONDED and self.due_on < local_today()


class Survey(db.Model):
    """A resident satisfaction survey for one evaluation: rating and choice questions and one free text."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("project_evaluations.id", ondelete="CASCADE"),
                                               nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    questions: Mapped[list] = mapped_column(JSON, nullable=False)  # [{kind, text, options}]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    evaluation: Mapped[ProjectEvaluation] = relationship()


class SurveyCode(db.Model):
    """A one-time code handed out at an activity; only its keyed hash is kept."""

    __tablename__ = "survey_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SurveyResponse(db.Model):
    """One resident's answers. No user id: `respondent_key` is a keyed hash that only refuses a second answer."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False, index=True)
    respondent_key: Mapped[str] = mapped_column(String(64), nullable=False)
    answers: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("survey_id", "respondent_key", name="uq_survey_responses_survey_respondent"),)
