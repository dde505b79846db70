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


class NeedCategory(LabelledEnum):
    """What a resident's need (居民需求) is about."""

    ELDERLY_CARE = "elderly_care"
    MEALS = "meals"
    HEALTH = "health"
    HOME_REPAIR = "home_repair"
    CHILDREN = "children"
    DISABILITY = "disability"
    OTHER = "other"

    @classmethod
    def labels(cls):
        return {cls.ELDERLY_CARE: _l("Elderly care"), cls.MEALS: _l("Meals"), cls.HEALTH: _l("Health"),
                cls.HOME_REPAIR: _l("Home repair"), cls.CHILDREN: _l("Children"),
                cls.DISABILITY: _l("Disability support"), cls.OTHER: _l("Other")}


class NeedStatus(LabelledEnum):
    OPEN = "open"  # raised by the resident, nobody has looked yet
    ACKNOWLEDGED = "acknowledged"  # community staff or an officer took it on
    CLOSED = "closed"  # answered (the reply says how); nothing more happens

    @classmethod
    def labels(cls):
        return {cls.OPEN: _l("Waiting for a reply"), cls.ACKNOWLEDGED: _l("Being handled"),
                cls.CLOSED: _l("Answered")}


NEED_TRANSITIONS = {
    NeedStatus.OPEN: {NeedStatus.ACKNOWLEDGED, NeedStatus.CLOSED},
    NeedStatus.ACKNOWLEDGED: {NeedStatus.CLOSED},
    NeedStatus.CLOSED: set(),
}
