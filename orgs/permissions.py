"""Per-object permissions for organisations. Officers review; members see their own organisation's
drafts and documents; the public sees registered organisations only."""

from accounts.enums import Role
from core.permissions import has_role

from .enums import EDITABLE_STATUSES, PUBLIC_STATUSES, MemberRole, MembershipStatus, OrgStatus


def _membership(user, org):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    for m in org.memberships:
        if m.user_id == user.id and m.status == MembershipStatus.ACTIVE:
            return m
    return None


def is_member(user, org) -> bool:
    return _membership(user, org) is not None


def is_manager(user, org) -> bool:
    m = _membership(user, org)
    return m is not None and m.role == MemberRole.MANAGER


def is_staff(user) -> bool:
    """Officers, auditors and administrators see every record."""
    return has_role(user, Role.OFFICER, Role.AUDITOR, Role.ADMIN)


def can_view_org(user, org) -> bool:
    return OrgStatus(org.status) in PUBLIC_STATUSES or is_member(user, org) or is_staff(user)


def can_view_private(user, org) -> bool:
    """Documents, members, contacts, standing records."""
    return is_member(user, org) or is_staff(user)


def can_edit_application(user, org) -> bool:
    return is_manager(user, org) and OrgStatus(org.status) in EDITABLE_STATUSES


def can_review(user, org=None) -> bool:
    return has_role(user, Role.OFFICER)


def can_manage_members(user, org) -> bool:
    return is_manager(user, org)


def can_submit_annual_report(user, org) -> bool:
    return is_member(user, org) and org.status in (OrgStatus.APPROVED, OrgStatus.SUSPENDED)


def can_record_standing(user, org=None) -> bool:
    return has_role(user, Role.OFFICER)


def can_export(user) -> bool:
    return has_role(user, Role.OFFICER, Role.AUDITOR, Role.ADMIN)


def can_apply(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)
