"""The advance payment (预付款): government service purchasing commonly pays a share of the contract once it is
signed and in force, before any milestone. A contract has at most one, its first tranche, of at most
ADVANCE_CAP_PERCENT of the amount (contracts.terms_errors); it becomes payable when the contract comes into force
(contracts.transition_contract calls release_advance), through transition_tranche like any tranche, is paid through the
same flow (the two-person rule included) and is cancelled with its contract."""

from datetime import date

from flask_babel import gettext as _

from audit.labels import ACTION_LABELS
from core.i18n import _l, colon
from core.timeutil import to_local

from .contract_models import Contract, Tranche, TrancheKind, TrancheStatus
from .tranches import transition_tranche

ADVANCE_CAP_PERCENT = 50  # of the contract amount: the rest is paid for work delivered
RELEASED = "contract.advance_released"
ACTION_LABELS.update({RELEASED: _l("Advance payment payable: the contract is in force")})


def advance_errors(percent) -> dict:
    """Why this share cannot be an advance payment, by the service's field name (none: it can, or there is none)."""
    if percent is None:
        return {}
    if isinstance(percent, bool) or not isinstance(percent, int) or percent <= 0:
        return {"advance": _("Every tranche needs a share above zero.")}
    if percent > ADVANCE_CAP_PERCENT:
        return {"advance": cap_refusal()}
    return {}


def cap_refusal() -> str:
    return _("An advance payment is at most %(n)d%% of the contract amount.", n=ADVANCE_CAP_PERCENT)


def advance_row_problem(k: int, share: int | None, advance: list[int], *, first: bool) -> dict:
    """Why the drawing-up form's tranche row k (contract_forms) cannot be the advance payment, by input: a second
    advance (`advance`: the rows chosen as one before it), not the first tranche (`first`: no row with a share comes
    before it), a share above the cap."""
    if advance:
        return {f"tranche-{k}-milestone": _("Only one tranche is an advance payment.")}
    if not first:
        return {f"tranche-{k}-milestone": _("The advance payment is the first tranche: choose it in the first row.")}
    if share is not None and share > ADVANCE_CAP_PERCENT:
        return {f"tranche-{k}-percent": cap_refusal()}
    return {}


def tranche_kinds(milestones: int, advance: bool) -> list[tuple[TrancheKind, int | None]]:
    """Each tranche's kind in order, with the number of the milestone it waits for: the advance first (if any), one per
    milestone in their order, the final one last."""
    return ([(TrancheKind.ADVANCE, None)] if advance else []) + \
        [(TrancheKind.MILESTONE, i) for i in range(milestones)] + [(TrancheKind.FINAL, None)]


def advance_tranche(contract: Contract) -> Tranche | None:
    return next((t for t in contract.tranches if t.kind == TrancheKind.ADVANCE), None)


def release_advance(contract: Contract, *, actor) -> Tranche | None:
    """The contract has just come into force (its caller holds the contract's lock): its pending advance becomes
    payable, audited as RELEASED. Returns it, or None (no advance)."""
    tranche = advance_tranche(contract)
    if tranche is None or tranche.status != TrancheStatus.PENDING:
        return None
    transition_tranche(tranche, TrancheStatus.PAYABLE, actor=actor, event=RELEASED)
    return tranche


def paid_when(tranche: Tranche, milestone_title: str | None) -> str:
    """What a tranche is paid after, as the exports and the close-out account say it: the contract in force (an
    advance), its milestone (by title), or the final evaluation."""
    if tranche.kind == TrancheKind.ADVANCE:
        return colon().join([tranche.kind_label, _("once the contract is in force")])
    return milestone_title or _("after the final evaluation")


def in_force_on(contract: Contract) -> date | None:
    """The day (Beijing time) the contract came into force: the second side's confirmation."""
    if not (contract.org_confirmed_at and contract.officer_confirmed_at):
        return None
    return to_local(max(contract.org_confirmed_at, contract.officer_confirmed_at)).date()
