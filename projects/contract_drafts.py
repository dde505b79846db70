"""Correcting a contract before it is signed: while it awaits signatures (a draft), the officer edits any of its terms
(the amount within the award, the period, milestones, tranche shares, clauses) through the form that drew it up, under
the same rules (contracts.terms_errors). Each change withdraws both confirmations already given and asks whoever gave
one to read and confirm again; the audit event records each term before and after.

A draft is corrected this way, never terminated and drawn up again: a proposal has one contract (a unique index), so
terminating a draft ends its award for good (the organisation declining to sign, say)."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from audit import services as audit
from audit.models import AuditEvent
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, invalid
from core.i18n import _l

from .advance_payment import tranche_kinds
from .award_models import AwardDecision
from .contract_models import Contract, ContractLine, ContractStatus, Milestone, Tranche, TrancheKind
from .contracts import MilestonePlan, scaled_lines, terms_errors, withdraw_confirmations
from .permissions import can_manage_calls

# The two sides as the contract names them (contract_pdf.html: 购买方（甲方）, 承接方（乙方）).
PURCHASER = _l("Purchaser (Party A)")
PROVIDER = _l("Provider (Party B)")
EDITS = ("contract.lines_edited", "contract.draft_edited")  # the events that change a draft's terms


def award_of(contract: Contract) -> AwardDecision:
    return db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == contract.proposal_id))


def _terms(contract: Contract) -> dict:
    """The terms an edit may change, as recorded (dates as text)."""
    return {"amount_fen": contract.amount_fen, "starts_on": contract.starts_on.isoformat(),
            "ends_on": contract.ends_on.isoformat(), "clauses": contract.clauses,
            "milestones": [[m.title, m.due_on.isoformat(), m.deliverables, m.evidence_required]
                           for m in contract.milestones],
            "percents": [t.percent for t in contract.tranches],
            "advance_percent": next((t.percent for t in contract.tranches if t.kind == TrancheKind.ADVANCE), None),
            "lines": [[line.item, line.budget_fen] for line in contract.lines]}


def _set_milestones(contract: Contract, plans: list[MilestonePlan]) -> None:
    """The milestones in place, by position (a draft has no reports on them): added or removed at the end."""
    for i, plan in enumerate(plans):
        if i == len(contract.milestones):
            contract.milestones.append(Milestone(position=i))
        milestone = contract.milestones[i]
        milestone.title, milestone.due_on = plan.title.strip(), plan.due_on
        milestone.deliverables, milestone.evidence_required = plan.deliverables, plan.evidence_required
    extra = contract.milestones[len(plans):]
    for tranche in contract.tranches:  # no tranche keeps a milestone about to go
        tranche.milestone_id = None
    db.session.flush()
    for milestone in extra:
        contract.milestones.remove(milestone)


def _set_tranches(contract: Contract, amounts: list[int], percents: list[int], advance: bool) -> None:
    """The advance first (if any), one tranche per milestone in their order, the last after the final evaluation, in
    place by position (amounts and percents: all of them, the advance's first)."""
    del contract.tranches[len(percents):]
    kinds = tranche_kinds(len(contract.milestones), advance)
    for i, (percent, amount, (kind, number)) in enumerate(zip(percents, amounts, kinds, strict=True)):
        if i == len(contract.tranches):
            contract.tranches.append(Tranche(position=i))
        tranche = contract.tranches[i]
        tranche.percent, tranche.amount_fen, tranche.kind = percent, amount, kind.value
        tranche.milestone_id = None if number is None else contract.milestones[number].id


def _set_lines(contract: Contract, decision: AwardDecision, amount_fen: int) -> None:
    """A new amount: the proposal's budget lines scaled to it again, as when the contract was drawn up (the lines
    are adjusted afterwards on the contract's page)."""
    scaled = scaled_lines(decision.proposal.budget_lines, amount_fen)
    if len(scaled) != len(contract.lines):
        contract.lines = [ContractLine(position=i, category=c, item=item, budget_fen=value)
                          for i, (c, item, value) in enumerate(scaled)]
        return
    for line, (category, item, value) in zip(contract.lines, scaled, strict=True):
        line.category, line.item, line.budget_fen = category, item, value


def edit_draft(contract: Contract, starts_on, ends_on, milestones: list[MilestonePlan], percents: list[int],
               clauses: str, *, actor, amount_fen: int | None = None, advance_percent: int | None = None) -> bool:
    """The draft's terms replaced by these (amount_fen None: the amount as it is; advance_percent None: no advance),
    checked as when drawing up; True when anything changed (nothing changed: nothing is recorded and the
    confirmations given stand)."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(contract, "status", "org_confirmed_at", "officer_confirmed_at")  # one at a time with confirm()
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("Only a contract awaiting signatures can be edited; once signed, ask for a budget or "
                         "schedule change."))
    decision = award_of(contract)
    amount_fen = contract.amount_fen if amount_fen is None else amount_fen
    errors, amounts = terms_errors(decision, amount_fen, starts_on, ends_on, milestones, percents, clauses,
                                   advance_percent)
    if errors:
        raise invalid(errors)
    before = _terms(contract)
    if amount_fen != contract.amount_fen:
        _set_lines(contract, decision, amount_fen)
    contract.amount_fen, contract.starts_on, contract.ends_on = amount_fen, starts_on, ends_on
    contract.clauses = (clauses or "").strip()
    _set_milestones(contract, milestones)
    _set_tranches(contract, amounts, ([] if advance_percent is None else [advance_percent]) + percents,
                  advance_percent is not None)
    db.session.flush()
    changes = audit.diff(before, _terms(contract))
    if not changes:
        return False
    withdrawn = withdraw_confirmations(contract, "contract.draft_edited", actor=actor)
    db.session.flush()
    audit.record("contract.draft_edited", contract, actor=actor, changes=changes,
                 data={"org_confirmation_withdrawn": withdrawn["org_confirmation_withdrawn"],
                       "officer_confirmation_withdrawn": withdrawn["officer_confirmation_withdrawn"]})
    return True


@dataclass(frozen=True)
class Withdrawal:
    at: datetime
    sides: list[str]


def last_withdrawal(contract: Contract) -> Withdrawal | None:
    """When the draft's terms last changed after a confirmation, and whose confirmations that withdrew: the page says
    so, as the confirmations shown are only those given since."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == Contract.__tablename__, AuditEvent.target_id == str(contract.id),
        AuditEvent.action.in_(EDITS)).order_by(AuditEvent.seq.desc()).limit(20))
    for event in events:
        data = audit.decoded_data(event)
        sides = [str(label) for key, label in (("officer_confirmation_withdrawn", PURCHASER),
                                               ("org_confirmation_withdrawn", PROVIDER)) if data.get(key) is True]
        if sides:
            return Withdrawal(event.occurred_at, sides)
    return None
