from core.enums import LabelledEnum
from core.i18n import _l


class CallStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    UNDER_REVIEW = "under_review"
    PUBLICITY = "publicity"
    AWARDED = "awarded"
    FAILED = "failed"  # 流标
    CANCELLED = "cancelled"

    @classmethod
    def labels(cls):
        return {
            cls.DRAFT: _l("Draft"), cls.PUBLISHED: _l("Open for proposals"), cls.CLOSED: _l("Closed"),
            cls.UNDER_REVIEW: _l("Under review"), cls.PUBLICITY: _l("Results in publicity"),
            cls.AWARDED: _l("Awarded"), cls.FAILED: _l("Failed (too few eligible proposals)"),
            cls.CANCELLED: _l("Cancelled"),
        }


CALL_TRANSITIONS: dict[CallStatus, set[CallStatus]] = {
    CallStatus.DRAFT: {CallStatus.PUBLISHED, CallStatus.CANCELLED},
    CallStatus.PUBLISHED: {CallStatus.CLOSED, CallStatus.CANCELLED},
    CallStatus.CLOSED: {CallStatus.UNDER_REVIEW, CallStatus.FAILED, CallStatus.CANCELLED},
    CallStatus.UNDER_REVIEW: {CallStatus.PUBLICITY, CallStatus.FAILED, CallStatus.CANCELLED},
    CallStatus.PUBLICITY: {CallStatus.AWARDED, CallStatus.UNDER_REVIEW},
    CallStatus.AWARDED: set(),
    CallStatus.FAILED: set(),
    CallStatus.CANCELLED: set(),
}
PUBLIC_CALL_STATUSES = set(CallStatus) - {CallStatus.DRAFT}


class Aggregation(LabelledEnum):
    MEAN = "mean"
    TRIMMED_MEAN = "trimmed_mean"
    MEDIAN = "median"

    @classmethod
    def labels(cls):
        return {cls.MEAN: _l("Arithmetic mean"),
                cls.TRIMMED_MEAN: _l("Mean without the highest and lowest (with 5 or more members)"),
                cls.MEDIAN: _l("Median")}


class PurchasingMode(LabelledEnum):
    PUBLIC_TENDER = "public_tender"
    COMPETITIVE_CONSULTATION = "competitive_consultation"
    PROJECT_APPLICATION = "project_application"
    VENTURE_PHILANTHROPY = "venture_philanthropy"

    @classmethod
    def labels(cls):
        return {cls.PUBLIC_TENDER: _l("Public tender"), cls.COMPETITIVE_CONSULTATION: _l("Competitive consultation"),
                cls.PROJECT_APPLICATION: _l("Project application"),
                cls.VENTURE_PHILANTHROPY: _l("Venture philanthropy")}


class FundingSource(LabelledEnum):
    BUDGET = "budget"
    LOTTERY = "lottery"
    SPECIAL_SUBSIDY = "special_subsidy"
    OTHER = "other"

    @classmethod
    def labels(cls):
        return {cls.BUDGET: _l("Fiscal budget"), cls.LOTTERY: _l("Lottery welfare fund"),
                cls.SPECIAL_SUBSIDY: _l("Special subsidy"), cls.OTHER: _l("Other funding")}


class ProposalStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"

    @classmethod
    def labels(cls):
        return {cls.DRAFT: _l("Draft"), cls.SUBMITTED: _l("Submitted"), cls.ELIGIBLE: _l("Eligible"),
                cls.INELIGIBLE: _l("Ineligible")}


PROPOSAL_TRANSITIONS: dict[ProposalStatus, set[ProposalStatus]] = {
    ProposalStatus.DRAFT: {ProposalStatus.SUBMITTED},
    ProposalStatus.SUBMITTED: {ProposalStatus.DRAFT, ProposalStatus.ELIGIBLE, ProposalStatus.INELIGIBLE},
    ProposalStatus.ELIGIBLE: {ProposalStatus.INELIGIBLE},
    ProposalStatus.INELIGIBLE: {ProposalStatus.ELIGIBLE},
}


class BudgetCategory(LabelledEnum):
    PERSONNEL = "personnel"
    ACTIVITIES = "activities"
    MATERIALS = "materials"
    MANAGEMENT_FEE = "management_fee"
    OTHER = "other"

    @classmethod
    def labels(cls):
        return {cls.PERSONNEL: _l("Personnel"), cls.ACTIVITIES: _l("Activities"), cls.MATERIALS: _l("Materials"),
                cls.MANAGEMENT_FEE: _l("Management fee"), cls.OTHER: _l("Other costs")}
