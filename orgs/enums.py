from wtforms import SelectChoice

from core.enums import LabelledEnum
from core.i18n import _l


class OrgKind(LabelledEnum):
    ASSOCIATION = "association"  # 社会团体
    AGENCY = "agency"  # 社会服务机构 / 民办非企业单位
    FOUNDATION = "foundation"  # 基金会
    COMMUNITY = "community"  # 社区社会组织 (filed, not registered)
    SOCIAL_ENTERPRISE = "social_enterprise"  # 社会企业

    @classmethod
    def labels(cls):
        return {
            cls.ASSOCIATION: _l("Social association"),
            cls.AGENCY: _l("Social service agency"),
            cls.FOUNDATION: _l("Foundation"),
            cls.COMMUNITY: _l("Community social organisation"),
            cls.SOCIAL_ENTERPRISE: _l("Social enterprise"),
        }

    @property
    def needs_uscc(self) -> bool:
        return self is not OrgKind.COMMUNITY

    @property
    def is_filed(self) -> bool:
        """A community social organisation is filed (备案) with its street, not registered (登记): its facts are named
        for that (负责人, 备案机关, 备案日期; not 法定代表人, 登记管理机关, 登记日期)."""
        return self is OrgKind.COMMUNITY

    @property
    def fact_labels(self) -> dict[str, str]:
        """The labels of its registration facts, by field name, as this kind of organisation has them."""
        if self.is_filed:
            return {"legal_representative": str(_l("Person in charge")),
                    "registration_authority": str(_l("Filing authority")),
                    "registered_on": str(_l("Filing date"))}
        return {"legal_representative": str(_l("Legal representative")),
                "registration_authority": str(_l("Registration authority")),
                "registered_on": str(_l("Registered on"))}

    @property
    def uscc_kind_digit(self) -> str | None:
        """The USCC's 2nd character for civil-affairs registrations (1st character '5')."""
        return {OrgKind.ASSOCIATION: "1", OrgKind.AGENCY: "2", OrgKind.FOUNDATION: "3"}.get(self)


class OrgStatus(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"  # registered (登记) or, for community organisations, filed (备案)
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    DEREGISTERED = "deregistered"

    @classmethod
    def labels(cls):
        return {
            cls.DRAFT: _l("Draft"),
            cls.SUBMITTED: _l("Awaiting review"),
            cls.RETURNED: _l("Returned for changes"),
            cls.APPROVED: _l("Registered"),
            cls.REJECTED: _l("Rejected"),
            cls.SUSPENDED: _l("Suspended"),
            cls.DEREGISTERED: _l("Deregistered"),
        }


# Who drives each move is checked in services.transition_org; this table says which moves exist.
TRANSITIONS: dict[OrgStatus, set[OrgStatus]] = {
    OrgStatus.DRAFT: {OrgStatus.SUBMITTED},
    OrgStatus.SUBMITTED: {OrgStatus.RETURNED, OrgStatus.APPROVED, OrgStatus.REJECTED},
    OrgStatus.RETURNED: {OrgStatus.SUBMITTED},
    OrgStatus.APPROVED: {OrgStatus.SUSPENDED, OrgStatus.DEREGISTERED},
    OrgStatus.SUSPENDED: {OrgStatus.APPROVED, OrgStatus.DEREGISTERED},
    OrgStatus.REJECTED: set(),
    OrgStatus.DEREGISTERED: set(),
}
APPLICANT_MOVES = {(OrgStatus.DRAFT, OrgStatus.SUBMITTED), (OrgStatus.RETURNED, OrgStatus.SUBMITTED)}
REASON_REQUIRED = {OrgStatus.RETURNED, OrgStatus.REJECTED, OrgStatus.SUSPENDED, OrgStatus.DEREGISTERED}
PUBLIC_STATUSES = {OrgStatus.APPROVED, OrgStatus.SUSPENDED, OrgStatus.DEREGISTERED}
EDITABLE_STATUSES = {OrgStatus.DRAFT, OrgStatus.RETURNED}


class MemberRole(LabelledEnum):
    MANAGER = "manager"
    MEMBER = "member"

    @classmethod
    def labels(cls):
        return {cls.MANAGER: _l("Manager"), cls.MEMBER: _l("Member")}


class MembershipStatus(LabelledEnum):
    INVITED = "invited"
    ACTIVE = "active"

    @classmethod
    def labels(cls):
        return {cls.INVITED: _l("Invited"), cls.ACTIVE: _l("Active")}


class DocumentKind(LabelledEnum):
    # A community social organisation is filed (备案), not registered: its "certificate" is its filing record
    # (备案证明) or, before it has one, the community's endorsement (社区推荐意见). Same stored value (a kind of its
    # own would change the CHECK constraint); labelled for what it is by label_for().
    CERTIFICATE = "certificate"
    CHARTER = "charter"
    ANNUAL_REPORT = "annual_report"
    OTHER = "other"

    @classmethod
    def labels(cls):
        return {
            cls.CERTIFICATE: _l("Registration certificate"),
            cls.CHARTER: _l("Charter"),
            cls.ANNUAL_REPORT: _l("Latest annual report"),
            cls.OTHER: _l("Other document"),
        }

    def label_for(self, org_kind: str) -> str:
        """The label for this kind of organisation's document."""
        if self is DocumentKind.CERTIFICATE and org_kind == OrgKind.COMMUNITY:
            return str(_l("Filing record or community endorsement"))
        return self.label

    @classmethod
    def choices_for(cls, org_kind: str) -> list[SelectChoice]:
        return [SelectChoice(member.value, member.label_for(org_kind)) for member in cls]


# Which of them an application needs depends on the kind and the registration date: orgs.documents.required_documents.
# Each of these has one current version (a newer upload supersedes the one before); "other" documents may be several.
VERSIONED_DOCUMENTS = (DocumentKind.CERTIFICATE, DocumentKind.CHARTER, DocumentKind.ANNUAL_REPORT)


class ReportStatus(LabelledEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"

    @classmethod
    def labels(cls):
        return {cls.SUBMITTED: _l("Submitted"), cls.ACCEPTED: _l("Accepted"), cls.RETURNED: _l("Returned")}


class CreditList(LabelledEnum):
    ABNORMAL = "abnormal"  # 活动异常名录
    SERIOUS = "serious"  # 严重违法失信名单

    @classmethod
    def labels(cls):
        return {cls.ABNORMAL: _l("Abnormal activities list"), cls.SERIOUS: _l("Serious violations list")}


class IncubationStage(LabelledEnum):
    INCUBATING = "incubating"
    GRADUATED = "graduated"
    ENDED = "ended"

    @classmethod
    def labels(cls):
        return {cls.INCUBATING: _l("Incubating"), cls.GRADUATED: _l("Graduated"), cls.ENDED: _l("Ended")}


class ChangeStatus(LabelledEnum):
    """A request to change an organisation's registered items (变更登记)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @classmethod
    def labels(cls):
        return {cls.PENDING: _l("Awaiting review"), cls.APPROVED: _l("Approved"), cls.REJECTED: _l("Rejected"),
                cls.WITHDRAWN: _l("Withdrawn")}


# Who drives each move is checked in changes.transition_change; a decided or withdrawn request is final.
CHANGE_TRANSITIONS: dict[ChangeStatus, set[ChangeStatus]] = {
    ChangeStatus.PENDING: {ChangeStatus.APPROVED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN},
    ChangeStatus.APPROVED: set(),
    ChangeStatus.REJECTED: set(),
    ChangeStatus.WITHDRAWN: set(),
}
# The items on the registration certificate: they change only by a change registration an officer approves.
REGISTERED_ITEMS = ("name", "uscc", "legal_representative", "address")
# What an approved organisation keeps up to date itself.
CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "full_time_staff", "certified_social_workers",
                  "volunteers", "description")
# The contact person's name, phone and e-mail are theirs: the audit trail says that they changed, not to what.
PERSONAL_FIELDS = ("contact_name", "contact_phone", "contact_email")
