"""Per-object permissions for organisations. Officers review; members see their own organisation's
drafts and documents; the public sees registered organisations only."""

from sqlalchemy import and_, bindparam, exists, inspect, select

from accounts.enums import Role
from accounts.sessions import register_work_fact
from core.db import db
from core.permissions import has_role

from .enums import EDITABLE_STATUSES, PUBLIC_STATUSES, MemberRole, MembershipStatus, OrgStatus
from .models import Membership

# One small EXISTS instead of loading every member of the organisation with their user (built once).
_ACTIVE_MEMBERSHIP = and_(Membership.org_id == bindparam("org_id"), Membership.user_id == bindparam("user_id"),
                          Membership.status == MembershipStatus.ACTIVE.value)
_IS_MEMBER = select(exists().where(_ACTIVE_MEMBERSHIP))
_IS_MANAGER = select(exists().where(_ACTIVE_MEMBERSHIP, Membership.role == MemberRole.MANAGER.value))


def _has_active_membership(user, org, *, manager: bool) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if org.id is None or user.id is None or "memberships" not in inspect(org).unloaded:
        # Already loaded (or not yet in the database): the objects in hand answer without a query.
        return any(m.user_id == user.id and m.status == MembershipStatus.ACTIVE
                   and (not manager or m.role == MemberRole.MANAGER) for m in org.memberships)
    statement = _IS_MANAGER if manager else _IS_MEMBER
    return bool(db.session.scalar(statement, {"org_id": org.id, "user_id": user.id}))


def is_member(user, org) -> bool:
    return _has_active_membership(user, org, manager=False)


def is_manager(user, org) -> bool:
    return _has_active_membership(user, org, manager=True)


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


def can_remove_document(user, document) -> bool:
    """Its organisation's managers (whether the application may still change is the service's to say: 409)."""
    return is_manager(user, document.org)


# An application takes documents while it can change; a registered (or suspended) organisation takes newer versions.
# Not while an officer reviews what was sent, nor once it is closed.
DOCUMENT_STATUSES = EDITABLE_STATUSES | {OrgStatus.APPROVED, OrgStatus.SUSPENDED}


def can_upload_document(user, org) -> bool:
    return is_manager(user, org) and OrgStatus(org.status) in DOCUMENT_STATUSES


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


def has_my_organisations(user, memberships: list) -> bool:
    """Whether "My organisations" is for this user (as the "My work" menu offers it, templates/_work_offers.html):
    someone in an organisation (a member, invited, applying) or an account with no platform role (signed up for an
    organisation: it applies to register there). An auditor, officer or resident with none has nothing there."""
    return bool(memberships) or not user.roles


def can_update_contact(user, org) -> bool:
    """A registered organisation keeps its contact details, staff numbers and description up to date itself."""
    return is_manager(user, org) and org.status in (OrgStatus.APPROVED, OrgStatus.SUSPENDED)


def can_request_change(user, org) -> bool:
    """Its registered items (name, credit code, legal representative, address) change by a change registration."""
    return is_manager(user, org) and org.status == OrgStatus.APPROVED


def _membership_in(status: MembershipStatus):
    return lambda user_id: exists().where(Membership.user_id == user_id, Membership.status == status.value)


# For the "My work" menu (accounts.sessions.WorkFacts): an organisation's pages for its members, and "My
# organisations" for those it invited, where they accept.
register_work_fact("member", _membership_in(MembershipStatus.ACTIVE))
register_work_fact("invited", _membership_in(MembershipStatus.INVITED))
