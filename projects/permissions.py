from sqlalchemy import exists

from accounts.sessions import register_work_fact
from core.permissions import has_role
from orgs import permissions as org_permissions

from .contract_models import ContractStatus
from .contract_report_models import FeePayment
from .enums import CallStatus

STAFF = ("officer", "auditor", "admin")


def can_manage_calls(user) -> bool:
    return has_role(user, "officer")


def can_view_call(user, call) -> bool:
    return call.status != CallStatus.DRAFT or has_role(user, *STAFF)


def can_view_proposal(user, proposal) -> bool:
    """Its own organisation and staff; other organisations never (evaluators get access with the review)."""
    return org_permissions.is_member(user, proposal.org) or has_role(user, *STAFF)


def can_view_review_result(user, proposal) -> bool:
    """How a proposal was scored (criterion means, the experts' comments under letters), once the results are
    decided: its own organisation's members and the staff, never another organisation; not whoever else may come to
    open the proposal itself (an expert, say)."""
    return org_permissions.is_member(user, proposal.org) or has_role(user, *STAFF)


def can_write_proposal(user, org) -> bool:
    """Who starts and writes an organisation's proposals: any of its active members (in practice a member writes the
    draft and a manager submits it)."""
    return org_permissions.is_member(user, org)


def can_edit_proposal(user, proposal) -> bool:
    return can_write_proposal(user, proposal.org) and proposal.status == "draft"


def can_submit_proposal(user, proposal) -> bool:
    """Submitting and withdrawing: the organisation's managers, who answer for what it sends."""
    return org_permissions.is_manager(user, proposal.org)


def can_download_contract(user, contract) -> bool:
    """The contract PDF (issued by the officer who confirmed for the purchaser): both parties, the organisation's
    members and officers."""
    return org_permissions.is_member(user, contract.org) or has_role(user, "officer")


def is_public_project(contract) -> bool:
    """A project's public page (its evaluations, surveys, the verification page's link) opens once its contract is
    signed: a draft contract is nobody's business yet."""
    return contract is not None and contract.status != ContractStatus.DRAFT


def can_confirm_contract(user, contract) -> bool:
    """A contract awaiting signatures, and a side the user signs for that has not confirmed yet: the organisation's
    manager, or an officer (contracts.confirm decides which side a user who is both signs for)."""
    return contract.status == ContractStatus.DRAFT and (
        (org_permissions.is_manager(user, contract.org) and contract.org_confirmed_at is None)
        or (can_manage_calls(user) and contract.officer_confirmed_at is None))


def can_download_award_notice(user, proposal) -> bool:
    """The award notice, issued by the platform (no issuer): the winning organisation's members and officers."""
    return org_permissions.is_member(user, proposal.org) or has_role(user, "officer")


def can_ask(user, org) -> bool:
    return org_permissions.is_member(user, org)


# For the "My work" menu (accounts.sessions.WorkFacts): "fees and allowances paid to me" for anyone an organisation
# named as the recipient of one.
register_work_fact("paid", lambda user_id: exists().where(FeePayment.recipient_user_id == user_id))
