"""Who may do what with vouchers. Each predicate takes the acting user and, where there is one, the object."""

from sqlalchemy import exists, select

from accounts.enums import Role
from accounts.residents import serves
from accounts.sessions import register_work_fact
from core.db import db
from core.permissions import has_role
from orgs.enums import MembershipStatus
from orgs.models import Membership
from orgs.permissions import is_manager, is_member

from .models import VoucherService


def can_manage_programmes(user) -> bool:
    """Set up, issue, close; decide disputes; settle (officers)."""
    return has_role(user, Role.OFFICER, Role.ADMIN)


def can_view_programme(user, programme=None) -> bool:
    """Programme pages with reconciliation, fraud signals and settlements: officers and auditors."""
    return has_role(user, Role.OFFICER, Role.ADMIN, Role.AUDITOR)


def can_decide_dispute(user, dispute=None) -> bool:
    return has_role(user, Role.OFFICER, Role.ADMIN)


def can_settle(user, settlement=None) -> bool:
    return has_role(user, Role.OFFICER, Role.ADMIN)


def can_issue_statement(user, settlement) -> bool:
    """Issue a settlement statement's PDF (an official document): officers (who settle) and the provider's own
    members; auditors read what was issued, they issue nothing."""
    return can_settle(user, settlement) or is_member(user, settlement.provider)


def can_download_statement(user, settlement) -> bool:
    """A settlement statement's PDF, whoever issued it: those who may issue one, and auditors."""
    return can_issue_statement(user, settlement) or has_role(user, Role.AUDITOR)


def can_redeem_for(user, org) -> bool:
    """Any active member of the provider organisation redeems on its behalf."""
    return is_member(user, org)


def can_manage_services(user, org) -> bool:
    """The provider's catalogue entries: its managers and members."""
    return is_member(user, org) or is_manager(user, org)


def can_view_provider_redemptions(user, org) -> bool:
    return is_member(user, org) or can_view_programme(user)


def member_org_ids(user) -> list[int]:
    """The organisations the user is an active member of (as is_member counts them), in the order they joined: the
    providers whose pages and statements they see (one query, the ids only)."""
    return list(db.session.scalars(select(Membership.org_id).where(
        Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE.value).order_by(Membership.id)))


def can_reply_to_dispute(user, dispute) -> bool:
    """The provider's side of a dispute of its redemption: any active member of the provider (as redeeming is)."""
    return is_member(user, dispute.redemption.provider)


def _staff_for(user, resident) -> bool:
    """Community staff looking after the resident's community, acting for the resident (one without a smartphone,
    typically: a phone number on record may be a feature phone's, so it does not bar them)."""
    return has_role(user, Role.COMMUNITY_STAFF) and serves(user, resident.community_id)


def can_issue_code_for(user, resident) -> bool:
    """The resident themself, or community staff printing a code for a resident of their community."""
    if not getattr(user, "is_authenticated", False):
        return False
    return resident.user_id == user.id or _staff_for(user, resident)


def can_cancel_printed_code(user, resident) -> bool:
    """Cancel a printed code of the resident (a sheet lost): the resident themself, or community staff looking after
    their community."""
    return is_resident_owner(user, resident) or _staff_for(user, resident)


def is_resident_owner(user, resident) -> bool:
    return getattr(user, "is_authenticated", False) and resident.user_id == user.id


def can_dispute(user, redemption) -> bool:
    """The resident, or community staff on behalf of a resident of their community."""
    return is_resident_owner(user, redemption.resident) or _staff_for(user, redemption.resident)


def can_rate(user, redemption) -> bool:
    return is_resident_owner(user, redemption.resident) or _staff_for(user, redemption.resident)


# For the "My work" menu (accounts.sessions.WorkFacts): voucher redemption for the active members of an organisation
# offering a voucher service (a catalogue entry, active or not: that page is where its services are kept).
register_work_fact("provider", lambda user_id: exists().where(
    Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE.value,
    VoucherService.org_id == Membership.org_id))
