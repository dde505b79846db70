from core.permissions import has_role


def can_manage_review(user) -> bool:
    return has_role(user, "officer")


def can_view_results(user) -> bool:
    return has_role(user, "officer", "auditor", "admin")


def can_download_summary(user, call=None) -> bool:
    """A call's scoring summary PDF, whichever officer issued it: those who may see the review's results."""
    return can_view_results(user)


def can_manage_pool(user) -> bool:
    return has_role(user, "officer", "admin")
