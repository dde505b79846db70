from core.enums import LabelledEnum
from core.i18n import _l


class Role(LabelledEnum):
    ADMIN = "admin"
    OFFICER = "officer"
    EVALUATOR = "evaluator"
    COMMUNITY_STAFF = "community_staff"
    RESIDENT = "resident"
    AUDITOR = "auditor"

    @classmethod
    def labels(cls):
        return {
            cls.ADMIN: _l("Administrator"),
            cls.OFFICER: _l("Officer"),
            cls.EVALUATOR: _l("Evaluator"),
            cls.COMMUNITY_STAFF: _l("Community staff"),
            cls.RESIDENT: _l("Resident"),
            cls.AUDITOR: _l("Auditor"),
        }
