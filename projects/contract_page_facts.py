"""What the contract page says beside its rows, read without changing anything: who approved a tranche and when,
whether an officer can commission an evaluation now (and what a final one still waits for), and why someone who
opened the confirmation page cannot confirm."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from core.db import db
from orgs import permissions as org_permissions

from .contract_models import Contract, ContractStatus
from .final_tranche import final_report_missing
from .permissions import can_manage_calls

# An evaluation of a kind is under way in these states (evaluation.project_services.OPEN_STATUSES): one at a time.
UNDER_WAY = ("in_progress", "rectification")
KINDS = ("midterm", "final")  # (evaluation.project_enums.EvaluationKind; this package does not import evaluation)


def approver_names(contract: Contract) -> dict[int, str]:
    """The officers who approved the contract's tranches (two-person rule) or recorded their payment, by id: one
    query, whatever their number."""
    ids = {i for t in contract.tranches for i in (t.approved_by_id, t.paid_by_id) if i is not None}
    if not ids:
        return {}
    return {row.id: row.display_name for row in db.session.execute(select(User.id, User.display_name)
                                                                   .where(User.id.in_(ids)))}


@dataclass(frozen=True)
class Commissioning:
    """An officer's way to commission an evaluation from the contract page: the kinds that can be commissioned now
    (none under way), and, when a final one would be refused (code final_report_missing), what it waits for."""

    kinds: tuple[str, ...]
    final_needs: str | None = None


def commissioning(contract: Contract, evaluations: list) -> Commissioning | None:
    """None when no evaluation can be commissioned now: the contract is not in force, or one of each kind is under
    way. evaluations: the contract's evaluations as the page lists them (an officer sees all of them)."""
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.CLOSED):
        return None
    busy = {e.kind for e in evaluations if e.status in UNDER_WAY}
    kinds = tuple(k for k in KINDS if k not in busy)
    if not kinds:
        return None
    # the rule evaluation.project_services.commission applies
    needs = (final_report_missing(contract) or None) if "final" in kinds else None
    return Commissioning(kinds, needs)


def why_not_confirm(user, contract: Contract) -> str:
    """Why this user has nothing to confirm on the contract (permissions.can_confirm_contract said no)."""
    if contract.status == ContractStatus.ACTIVE:  # (an old notice's link: both sides confirmed since)
        return _("Both sides have confirmed this contract: it is in force.")
    if contract.status != ContractStatus.DRAFT:
        return _("Only a contract awaiting signatures can be confirmed.")
    if org_permissions.is_manager(user, contract.org) or can_manage_calls(user):
        return _("Your side has already confirmed this contract; it comes into force once the other side confirms "
                 "too.")
    if org_permissions.is_member(user, contract.org):
        return _("Only a manager of %(org)s confirms the contract for the organisation: ask one of them to read and "
                 "confirm it.", org=contract.org.name)
    return _("You have nothing to confirm on this contract.")
