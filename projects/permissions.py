from core.permissions import has_role
from orgs import permissions as org_permissions

from .enums import CallStatus

STAFF = ("officer", "auditor", "admin")


def can_manage_calls(user) -> bool:
    return has_role(user, "officer")


def can_view_call(user, call) -> bool:
    return call.status != CallStatus.DRAFT or has_role(user, *STAFF)


def can_view_proposal(user, proposal) -> bool:
    """Its own organisation and staff; other organisations never (evaluators get access with the review)."""
    return org_permissions.is_member(user, proposal.org) or has_role(user, *STAFF)


def can_edit_proposal(user, proposal) -> bool:
    return org_permissions.is_manager(user, proposal.org) and proposal.status == "draft"


def can_ask(user, org) -> bool:
    return org_permissions.is_member(user, org)
