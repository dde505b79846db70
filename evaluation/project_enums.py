"""States and grades of project evaluations (issue 7), with their allowed transitions."""

from fractions import Fraction

from core.enums import LabelledEnum
from core.i18n import _l


class EvaluationKind(LabelledEnum):
    MIDTERM = "midterm"
    FINAL = "final"

    @classmethod
    def labels(cls):
        return {cls.MIDTERM: _l("Mid-term evaluation"), cls.FINAL: _l("Final evaluation")}


class EvaluationStatus(LabelledEnum):
    IN_PROGRESS = "in_progress"
    RECTIFICATION = "rectification"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls):
        return {cls.IN_PROGRESS: _l("In progress"), cls.RECTIFICATION: _l("Report issued, rectification open"),
                cls.COMPLETED: _l("Completed"), cls.CANCELLED: _l("Cancelled")}


EVALUATION_TRANSITIONS = {
    EvaluationStatus.IN_PROGRESS: {EvaluationStatus.RECTIFICATION, EvaluationStatus.COMPLETED,
                                   EvaluationStatus.CANCELLED},
    EvaluationStatus.RECTIFICATION: {EvaluationStatus.COMPLETED},
    EvaluationStatus.COMPLETED: set(),
    EvaluationStatus.CANCELLED: set(),
}


class Grade(LabelledEnum):
    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"
    FAIL = "fail"

    @classmethod
    def labels(cls):
        return {cls.EXCELLENT: _l("Excellent"), cls.GOOD: _l("Good"), cls.PASS: _l("Pass"), cls.FAIL: _l("Fail")}

    @property
    def rank(self) -> int:
        return {Grade.EXCELLENT: 4, Grade.GOOD: 3, Grade.PASS: 2, Grade.FAIL: 1}[self]

    @property
    def passed(self) -> bool:
        return self is not Grade.FAIL


def grade_for(score: Fraction) -> Grade:
    """优秀 ≥ 90, 良好 80–89, 合格 60–79, 不合格 < 60 — exact, so 89.5 is 良好 and 59.5 is 不合格."""
    score = Fraction(score)
    if score >= 90:
        return Grade.EXCELLENT
    if score >= 80:
        return Grade.GOOD
    if score >= 60:
        return Grade.PASS
    return Grade.FAIL


class TaskStatus(LabelledEnum):
    OPEN = "open"
    RESPONDED = "responded"
    VERIFIED = "verified"

    @classmethod
    def labels(cls):
        return {cls.OPEN: _l("To be rectified"), cls.RESPONDED: _l("Response awaiting verification"),
                cls.VERIFIED: _l("Verified and closed")}


TASK_TRANSITIONS = {
    TaskStatus.OPEN: {TaskStatus.RESPONDED},
    TaskStatus.RESPONDED: {TaskStatus.VERIFIED, TaskStatus.OPEN},
    TaskStatus.VERIFIED: set(),
}


class QuestionKind(LabelledEnum):
    RATING = "rating"
    CHOICE = "choice"
    TEXT = "text"

    @classmethod
    def labels(cls):
        return {cls.RATING: _l("Rating 1–5"), cls.CHOICE: _l("Choice"), cls.TEXT: _l("Free text")}


class EvidenceKey(LabelledEnum):
    """Measured figures a criterion can be shown beside (Indicator.evidence_key)."""

    BUDGET_EXECUTION = "budget_execution"
    OUTPUT_COMPLETION = "output_completion"
    MILESTONES_ON_TIME = "milestones_on_time"
    FEE_RECEIPTS = "fee_receipts"
    SATISFACTION = "satisfaction"
    VOUCHER_RATINGS = "voucher_ratings"

    @classmethod
    def labels(cls):
        return {cls.BUDGET_EXECUTION: _l("Budget execution rate"),
                cls.OUTPUT_COMPLETION: _l("Output completion per target"),
                cls.MILESTONES_ON_TIME: _l("Milestones accepted on time"),
                cls.FEE_RECEIPTS: _l("Fee receipts unconfirmed or denied"),
                cls.SATISFACTION: _l("Resident satisfaction"),
                cls.VOUCHER_RATINGS: _l("Residents' ratings of the organisation's voucher services")}
