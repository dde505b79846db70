from core.enums import LabelledEnum
from core.i18n import _l
from projects.enums import Aggregation  # noqa: F401  (a call states its aggregation in advance)


class SeatType(LabelledEnum):
    SOCIAL_SERVICE = "social_service"
    FINANCE = "finance"
    SERVICE_USER = "service_user"
    COMMUNITY_STAFF = "community_staff"

    @classmethod
    def labels(cls):
        return {cls.SOCIAL_SERVICE: _l("Social-service expert"), cls.FINANCE: _l("Finance/audit expert"),
                cls.SERVICE_USER: _l("Service-user representative"), cls.COMMUNITY_STAFF: _l("Host-community staff")}


class MemberStatus(LabelledEnum):
    ACTIVE = "active"
    RECUSED = "recused"
    ABSENT = "absent"

    @classmethod
    def labels(cls):
        return {cls.ACTIVE: _l("Sitting"), cls.RECUSED: _l("Recused"), cls.ABSENT: _l("Absent")}


class SheetStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"

    @classmethod
    def labels(cls):
        return {cls.DRAFT: _l("Draft"), cls.SUBMITTED: _l("Submitted")}


SHEET_TRANSITIONS = {SheetStatus.DRAFT: {SheetStatus.SUBMITTED}, SheetStatus.SUBMITTED: {SheetStatus.DRAFT}}


class TemplatePurpose(LabelledEnum):
    """What an indicator template scores: proposals (a call's panel) or finished projects (an evaluation)."""

    PROPOSAL_REVIEW = "proposal_review"
    PROJECT_EVALUATION = "project_evaluation"

    @classmethod
    def labels(cls):
        return {cls.PROPOSAL_REVIEW: _l("Proposal review"), cls.PROJECT_EVALUATION: _l("Project evaluation")}
