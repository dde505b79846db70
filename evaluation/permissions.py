from core.permissions import has_role


def can_manage_review(user) -> bool:
    return has_role(user, "officer")


def can_view_results(user) -> bool:
    return has_role(user, "officer", "auditor", "admin")


def can_manage_pool(user) -> bool:
    return has_role(user, "officer", "admin")
