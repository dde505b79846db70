"""Who may see and do what on a project evaluation (per object)."""

from core.permissions import has_role
from orgs import permissions as org_permissions

from .project_models import ProjectEvaluation


def can_commission(user) -> bool:
    return has_role(user, "officer")


def can_oversee(user) -> bool:
    """Officers, auditors and administrators see every evaluation with its scores."""
    return has_role(user, "officer", "auditor", "admin")


def assignment(user, evaluation: ProjectEvaluation):
    uid = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
    return next((a for a in evaluation.assignments if a.user_id == uid), None) if uid else None


def can_work(user, evaluation: ProjectEvaluation) -> bool:
    """An evaluator of this evaluation who declared no conflict: the workspace, scores, requests, verification."""
    found = assignment(user, evaluation)
    return found is not None and found.cleared


def is_org_member(user, evaluation: ProjectEvaluation) -> bool:
    return org_permissions.is_member(user, evaluation.contract.org)


def is_org_manager(user, evaluation: ProjectEvaluation) -> bool:
    return org_permissions.is_manager(user, evaluation.contract.org)


def can_download_report(user, evaluation: ProjectEvaluation) -> bool:
    """The issued report PDF: staff, the evaluated organisation's members, and the evaluation's evaluators."""
    return can_oversee(user) or is_org_member(user, evaluation) or can_work(user, evaluation)


def can_view(user, evaluation: ProjectEvaluation) -> bool:
    """The overview page: staff, the organisation (no scores before the report), and any assigned evaluator
    (before declaring, only enough to declare)."""
    return can_oversee(user) or is_org_member(user, evaluation) or assignment(user, evaluation) is not None
