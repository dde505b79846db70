"""Contracts from awards: scaled budget lines, milestones and tranches; both sides sign (any change to a draft's
terms withdraws the confirmations given: edit_lines here, the other terms in contract_drafts); the contract's status
moves through transition_contract. Reports unlock tranches (contract_reports); the money paid and spent on an active
contract is in contract_money."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.notifications import notify
from audit import services as audit
from audit.permissions import allow_download
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.money import MoneyError, format_fen, split_by_percentages
from core.timeutil import local_today, to_local
from core.views import path_for
from orgs import permissions as org_permissions

from . import contract_document
from .advance_payment import advance_errors, release_advance, tranche_kinds
from .award_models import AwardDecision
from .contract_models import (
    CONTRACT_TRANSITIONS,
    Contract,
    ContractLine,
    ContractStatus,
    Milestone,
    Tranche,
    TrancheStatus,
)
from .enums import CallStatus
from .models import Call
from .permissions import can_confirm_contract, can_download_contract, can_manage_calls
from .proposals import budget_cap_problems
from .tranches import transition_tranche

allow_download("contract", Contract, can_download_contract)
# A government service purchase (政府购买服务) runs for a budget year, at most three under a multi-year agreement; a
# contract starts after its award was decided and within a year of being drawn up (9999-12-31 and 1990 were taken).
MAX_CONTRACT_YEARS = 3
MAX_CLAUSES = 20_000  # characters of the contract's own clauses
START_WINDOW_DAYS = 365


@dataclass
class MilestonePlan:
    title: str
    due_on: date
    deliverables: str = ""
    evidence_required: str = ""


def scaled_lines(budget_lines, amount_fen: int) -> list[tuple[str, str, int]]:
    """The proposal's budget lines scaled to the awarded amount, in whole fen adding up exactly to it."""
    requested = sum(b.total_fen for b in budget_lines)
    if requested <= 0:
        raise ServiceError(_("The proposal has no budget to scale."))
    exact = [b.total_fen * amount_fen for b in budget_lines]  # each line's share, times `requested`
    shares = [n // requested for n in exact]
    # The fen lost to rounding down go one each to the lines that lost most (largest remainders): no line rises above
    # its exact share rounded up, so none passes what the proposal asked for it (or a category's cap) by a fen.
    for i in sorted(range(len(shares)), key=lambda i: -(exact[i] % requested))[:amount_fen - sum(shares)]:
        shares[i] += 1
    return [(b.category, b.item, share) for b, share in zip(budget_lines, shares, strict=True)]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def start_window(decision: AwardDecision, today: date) -> tuple[date, date]:
    """The earliest and latest start of a contract drawn up today: not before the award was decided nor more than a
    year ago, and at most a year ahead."""
    decided_on = to_local(decision.decided_at).date()
    return max(decided_on, today - timedelta(days=START_WINDOW_DAYS)), today + timedelta(days=START_WINDOW_DAYS)


def latest_end(starts_on: date) -> date:
    """The last day of a contract of MAX_CONTRACT_YEARS from starts_on, both days included."""
    return _add_years(starts_on, MAX_CONTRACT_YEARS) - timedelta(days=1)


def period_errors(decision: AwardDecision, starts_on: date, ends_on: date, today: date) -> dict:
    """Why a contract for this award cannot run from starts_on to ends_on, by field (none: it can)."""
    earliest, latest = start_window(decision, today)
    decided_on = to_local(decision.decided_at).date()
    if starts_on < earliest and earliest == decided_on:
        return {"starts_on": _("A contract cannot start before its award was decided (%(date)s).",
                               date=decided_on.isoformat())}
    if starts_on < earliest:
        return {"starts_on": _("A contract can start at most a year before it is drawn up: %(date)s at the "
                               "earliest.", date=earliest.isoformat())}
    if starts_on > latest:
        return {"starts_on": _("A contract can start at most a year from today: %(date)s at the latest.",
                               date=latest.isoformat())}
    if ends_on <= starts_on:
        return {"ends_on": _("The end must come after the start.")}
    if ends_on > latest_end(starts_on):
        return {"ends_on": _("A contract runs for at most %(n)d years: starting on %(start)s, it ends on %(date)s "
                             "at the latest.", n=MAX_CONTRACT_YEARS, start=starts_on.isoformat(),
                             date=latest_end(starts_on).isoformat())}
    return {}


def terms_errors(decision: AwardDecision, amount_fen: int, starts_on: date, ends_on: date,
                 milestones: list[MilestonePlan], percents: list[int], clauses: str,
                 advance_percent: int | None = None) -> tuple[dict, list[int]]:
    """Why these terms cannot be a contract for this award, by field, and the tranches' amounts (the advance's
    first, when there is one: advance_percent): the same rules when a contract is drawn up and when its draft is
    edited (contract_drafts.edit_draft)."""
    errors = period_errors(decision, starts_on, ends_on, local_today()) | advance_errors(advance_percent)
    advance = [] if advance_percent is None else [advance_percent]
    amounts: list[int] = []
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif amount_fen > decision.amount_fen:
        errors["amount"] = _("The contract amount is at most the amount awarded (%(amount)s).",
                             amount=format_fen(decision.amount_fen))
    if not milestones:
        errors["milestones"] = _("Add at least one milestone.")
    elif any(not (starts_on <= m.due_on <= ends_on) or not m.title.strip() for m in milestones):
        errors["milestones"] = _("Each milestone needs a title and a due date within the contract period.")
    elif any(len(m.title.strip()) > 200 for m in milestones):  # the column's width (a longer one was a 500)
        errors["milestones"] = _("A milestone title has at most %(n)d characters.", n=200)
    if len(percents) != len(milestones) + 1:
        errors["percents"] = _("Give one tranche per milestone plus a last one for the final evaluation.")
    elif "amount" not in errors and "advance" not in errors:
        percents = advance + percents
        try:
            amounts = split_by_percentages(amount_fen, percents)
        except MoneyError:
            errors["percents"] = _("The tranche percentages must add up to exactly 100 (now %(n)d).", n=sum(percents))
        if any(p <= 0 for p in percents):
            errors["percents"] = _("Every tranche needs a share above zero.")
        elif "percents" not in errors and 0 in amounts:  # e.g. 1 fen at 40/30/30 gives 0, 0 and 1 fen
            errors["percents"] = _("The amount (%(amount)s) is too small to split this way: a tranche would be 0 "
                                   "fen. Use fewer tranches or larger shares.", amount=format_fen(amount_fen))
    if len((clauses or "").strip()) > MAX_CLAUSES:
        errors["clauses"] = _("At most %(n)d characters.", n=MAX_CLAUSES)
    return errors, amounts


def draft_contract(decision: AwardDecision, starts_on: date, ends_on: date, milestones: list[MilestonePlan],
                   percents: list[int], clauses: str, *, actor, amount_fen: int | None = None,
                   advance_percent: int | None = None) -> Contract:
    """One tranche per milestone, plus a last one tied to the final evaluation, after an advance payable once the
    contract is in force when advance_percent is given. The amount is the award's unless given (at most the
    award's)."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    proposal = decision.proposal
    if not decision.awarded or proposal.call.status != CallStatus.AWARDED:
        raise Conflict(_("A contract is drawn up only for an awarded proposal of an awarded call."))
    if db.session.scalar(select(Contract.id).where(Contract.proposal_id == proposal.id)):
        raise Conflict(_("This proposal already has a contract."))
    amount_fen = decision.amount_fen if amount_fen is None else amount_fen
    errors, amounts = terms_errors(decision, amount_fen, starts_on, ends_on, milestones, percents, clauses,
                                   advance_percent)
    if errors:
        raise invalid(errors)
    contract = Contract(call_id=proposal.call_id, proposal_id=proposal.id, org_id=proposal.org_id,
                        title=proposal.title or proposal.call.title, amount_fen=amount_fen,
                        starts_on=starts_on, ends_on=ends_on, outputs=proposal.outputs, clauses=(clauses or "").strip())
    contract.lines = [ContractLine(position=i, category=c, item=item, budget_fen=value)
                      for i, (c, item, value) in enumerate(scaled_lines(proposal.budget_lines, amount_fen))]
    contract.milestones = [Milestone(position=i, title=m.title.strip(), due_on=m.due_on, deliverables=m.deliverables,
                                     evidence_required=m.evidence_required) for i, m in enumerate(milestones)]
    db.session.add(contract)
    db.session.flush()
    shares = ([] if advance_percent is None else [advance_percent]) + percents
    kinds = tranche_kinds(len(milestones), advance_percent is not None)
    contract.tranches = [Tranche(position=i, percent=p, amount_fen=a, kind=kind.value,
                                 milestone_id=None if number is None else contract.milestones[number].id)
                         for i, (p, a, (kind, number)) in enumerate(zip(shares, amounts, kinds, strict=True))]
    db.session.flush()
    audit.record("contract.drafted", contract, actor=actor,
                 data={"proposal_id": proposal.id, "amount_fen": contract.amount_fen, "percents": shares,
                       **({} if advance_percent is None else {"advance_percent": advance_percent}),
                       "lines": [[x.item, x.budget_fen] for x in contract.lines]})
    _ask_managers_to_confirm(contract, "contract.drafted")
    return contract


def _ask_managers_to_confirm(contract: Contract, kind: str) -> None:
    """Tell the organisation's managers (who confirm for it) that the contract awaits their confirmation: without
    it they learnt of a contract to sign only by finding it."""
    for m in contract.org.memberships:
        if m.status == "active" and m.role == "manager":
            notify(m.user_id, kind, link=path_for("contracts.confirm", contract_id=contract.id),
                   project=contract.title, amount=format_fen(contract.amount_fen))


def withdraw_confirmations(contract: Contract, kind: str, *, actor) -> dict[str, bool]:
    """The terms of a draft changed: both confirmations already given are withdrawn, since each stood for other
    terms (an officer's confirmation stood on after a colleague changed the figures, and the signed PDF named that
    officer 经办人 for figures they never saw). Whoever gave one is asked to read and confirm again (notice `kind`),
    except the one who made the change. Answers which were withdrawn, for the audit event."""
    withdrawn = {"org_confirmation_withdrawn": contract.org_confirmed_at is not None,
                 "officer_confirmation_withdrawn": contract.officer_confirmed_at is not None}
    officer_id = contract.officer_confirmed_by_id
    contract.org_confirmed_at = contract.org_confirmed_by_id = None
    contract.officer_confirmed_at = contract.officer_confirmed_by_id = None
    if withdrawn["org_confirmation_withdrawn"]:
        _ask_managers_to_confirm(contract, kind)
    if withdrawn["officer_confirmation_withdrawn"] and officer_id and officer_id != getattr(actor, "id", None):
        notify(officer_id, kind, link=path_for("contracts.confirm", contract_id=contract.id),
               project=contract.title, amount=format_fen(contract.amount_fen))
    return withdrawn


def transition_contract(contract: Contract, to: ContractStatus | str, *, actor, reason: str = "") -> None:
    lock_row(contract, "status")
    to, current, reason = ContractStatus(to), ContractStatus(contract.status), (reason or "").strip()
    if to not in CONTRACT_TRANSITIONS[current]:
        raise Conflict(_("A contract that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    if to is ContractStatus.ACTIVE and not (contract.org_confirmed_at and contract.officer_confirmed_at):
        raise Conflict(_("Both sides must confirm the contract first."))
    if to is ContractStatus.TERMINATED:
        if actor is None or not can_manage_calls(actor):
            raise Forbidden(_("You do not have permission to do this."))
        if not reason:
            raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
        for tranche in contract.tranches:  # (its own event, contract.terminated, says why)
            if tranche.status in (TrancheStatus.PENDING, TrancheStatus.PAYABLE):
                transition_tranche(tranche, TrancheStatus.CANCELLED, actor=actor, covered_by="contract.terminated")
    if to is ContractStatus.CLOSED and any(t.status != TrancheStatus.PAID for t in contract.tranches):
        raise Conflict(_("A contract closes when its last tranche has been paid."))
    contract.status, contract.status_reason = to.value, reason
    db.session.flush()
    audit.record(f"contract.{to.value}", contract, actor=actor, data={"from": current.value, "reason": reason})
    if to is ContractStatus.ACTIVE:
        contract.document_code = contract_document.issue_signed_contract(contract, actor=actor).code
        release_advance(contract, actor=actor)  # (after contract.active: payable because it is in force)


# A contract's own columns and rows that terms_digest reads (read again under the lock before a confirmation).
TERMS = ("amount_fen", "starts_on", "ends_on", "clauses", "outputs", "lines", "milestones", "tranches")


def terms_digest(contract: Contract) -> str:
    """Everything a signer agrees to, as a short digest: the confirmation page carries it, so that terms changed
    while the signer read them (an officer rebalancing the budget lines) are not signed unseen."""
    terms = [contract.amount_fen, contract.starts_on, contract.ends_on, contract.clauses, contract.outputs,
             [(line.category, line.item, line.budget_fen) for line in contract.lines],
             [(m.title, m.due_on, m.deliverables, m.evidence_required) for m in contract.milestones],
             [(t.percent, t.amount_fen, t.milestone_id, t.kind) for t in contract.tranches]]
    return hashlib.sha256(json.dumps(terms, default=str, ensure_ascii=False).encode()).hexdigest()[:32]


def confirm(contract: Contract, *, actor, terms: str) -> None:
    """The organisation's manager and the officer each confirm; the second confirmation activates it (the row is
    locked first, so two confirming at once both count: neither misses the other's). terms is the terms_digest the
    signer was shown: compared under the lock, with what others committed before it (edit_lines and
    contract_drafts.edit_draft take the same lock), so a change that landed while they read is refused, not signed
    unseen."""
    lock_row(contract, "status", "org_confirmed_at", "officer_confirmed_at", *TERMS)
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("Only a contract awaiting signatures can be confirmed."))
    if not can_confirm_contract(actor, contract):  # before the terms: a non-signer is not told they changed
        raise Forbidden(_("You have nothing to confirm on this contract."))
    # Every term as committed now, not as loaded before the lock (an edit of the draft may have landed meanwhile).
    for part in (*contract.lines, *contract.milestones, *contract.tranches):
        db.session.refresh(part)
    if terms != terms_digest(contract):
        changed = _("The contract changed while you were reading it. Read it again, then confirm.")
        raise Conflict(changed, fields={"acknowledged": changed}, code="terms_changed")
    now = utcnow()
    if org_permissions.is_manager(actor, contract.org) and contract.org_confirmed_at is None:
        contract.org_confirmed_at, contract.org_confirmed_by_id = now, actor.id
        side = "organisation"
    else:  # an officer's (can_confirm_contract)
        contract.officer_confirmed_at, contract.officer_confirmed_by_id = now, actor.id
        side = "officer"
    db.session.flush()
    audit.record("contract.confirmed", contract, actor=actor, data={"side": side})
    if contract.org_confirmed_at and contract.officer_confirmed_at:
        transition_contract(contract, ContractStatus.ACTIVE, actor=actor)


def edit_lines(contract: Contract, budgets: dict[int, int], *, actor) -> None:
    """Before signing, the officer may rebalance the scaled budget lines; they must still add up to the amount.
    Both confirmations already given are withdrawn (withdraw_confirmations): each side agreed to other figures."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(contract, "status", "org_confirmed_at", "officer_confirmed_at")  # one at a time with confirm()
    if contract.status != ContractStatus.DRAFT:
        raise Conflict(_("Budget lines can be edited only before both sides sign; afterwards ask for a budget "
                         "change."))
    lines = {line.id: line for line in contract.lines}
    if set(budgets) != set(lines) or any(isinstance(v, bool) or not isinstance(v, int) or v < 0
                                         for v in budgets.values()):
        raise invalid({"lines": _("Give every budget line an amount, zero or more.")})
    if sum(budgets.values()) != contract.amount_fen:
        raise invalid({"lines": _("The lines must add up to the contract amount (%(amount)s).",
                                   amount=format_fen(contract.amount_fen))})
    call = db.session.get(Call, contract.call_id)
    def by_category(category) -> int:
        return sum(value for line_id, value in budgets.items() if lines[line_id].category == category)

    if over := budget_cap_problems(call, by_category, contract.amount_fen):  # the call's published limits hold
        raise invalid({"lines": over})
    if all(lines[line_id].budget_fen == value for line_id, value in budgets.items()):
        return  # the same figures: the confirmations given stand for them
    before = {line.item: line.budget_fen for line in contract.lines}
    for line_id, value in budgets.items():
        lines[line_id].budget_fen = value
    withdrawn = withdraw_confirmations(contract, "contract.lines_edited", actor=actor)
    db.session.flush()
    audit.record("contract.lines_edited", contract, actor=actor,
                 data={"before": before, "after": {line.item: line.budget_fen for line in contract.lines},
                       "org_confirmation_withdrawn": withdrawn["org_confirmation_withdrawn"],
                       "officer_confirmation_withdrawn": withdrawn["officer_confirmation_withdrawn"]})


def require_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise Conflict(_("The contract is not active."))


def percent_of(part: int, whole: int) -> str:
    """part / whole as a percentage with one decimal, from integers only: rounded half up, so that a share cut to
    the fen shows as the share it is (a 40% tranche of ¥189,999.89 is ¥75,999.95, 39.99997%: 40.0, never 39.9; a
    share floored is less than a fen short, under 0.05% of any amount above ¥20), except that only all of it is 100.0
    (99.96% is 99.9: a remainder, however small, is not shown as nothing left) and only nothing is 0.0 (0.04% is 0.1:
    a first fen spent or paid shows)."""
    if whole <= 0:
        return "0.0"
    sign, part = ("-", -part) if part < 0 else ("", part)
    tenths = (2000 * part + whole) // (2 * whole)  # round(1000 * part / whole), halves up
    if part < whole:
        tenths = min(tenths, 999)
    if part > 0:
        tenths = max(tenths, 1)
    return f"{sign}{tenths // 10}.{tenths % 10}"


def execution_rate(spent_fen: int, budget_fen: int) -> str:
    """预算执行率: spent / budget as a percentage with one decimal (percent_of: 100% means fully spent)."""
    return f"{percent_of(spent_fen, budget_fen)}%"
