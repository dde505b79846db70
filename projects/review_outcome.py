"""How an applicant's own proposal fared, once the call's results are decided (in publicity, or awarded): its rank and
final score, each criterion's mean beside its maximum and the experts' comments under letters (专家 A, B…), or why
it was screened out. Told to the organisation on its proposal's page and in the API, never to another organisation.

The scores are the evaluation package's (which this package may not import): asked for through the
`core.signals.review_details` signal. Constant queries for any number of proposals (the API lists them all)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from accounts.notifications import notify
from core.db import db
from core.signals import review_details
from core.views import path_for
from orgs.models import Organisation

from .award_models import AwardDecision, Publicity
from .enums import CallStatus, ProposalStatus
from .models import Call, Proposal

DECIDED = (CallStatus.PUBLICITY, CallStatus.AWARDED)
RANKED, SCREENED_OUT, NOT_RANKED = "ranked", "screened_out", "not_ranked"
STATES = (RANKED, SCREENED_OUT, NOT_RANKED)


@dataclass(frozen=True)
class CriterionMean:
    title: str
    mean: str | None  # as the results page shows it ("16.50"); None when no counted sheet scored it
    max_points: int


@dataclass(frozen=True)
class ExpertRemarks:
    letter: str  # "A", "B"…: in an order the experts' names, ids and draw cannot be read from
    comments: list[tuple[str, str]]  # (criterion title, comment), in the criteria's order


@dataclass(frozen=True)
class ScoreDetails:
    final_score: str  # as the results page computes it (evaluation.aggregate)
    criteria: list[CriterionMean]
    experts: list[ExpertRemarks]


@dataclass(frozen=True)
class ReviewOutcome:
    state: str  # RANKED, SCREENED_OUT (ineligible: screening_reason says why) or NOT_RANKED (no counted sheet)
    call_awarded: bool  # final (awarded), or still in publicity
    publicity: Publicity | None  # while in publicity: until when objections are taken
    decision: AwardDecision | None = None
    ranked: int = 0  # how many proposals were ranked
    details: ScoreDetails | None = None
    screening_reason: str = ""

    @property
    def final_score(self) -> str | None:
        if self.details is not None:
            return self.details.final_score
        return self.decision.final_score if self.decision is not None else None


def outcomes(proposals: list[Proposal]) -> dict[int, ReviewOutcome]:
    """proposal id -> its outcome, for each submitted proposal whose call's results are decided (a draft never sent
    has none; nor has any proposal while its call is under review, or back under review after an objection)."""
    calls = {p.call_id: p.call for p in proposals}
    decided = [c.id for c in calls.values() if c.status in DECIDED]
    if not decided:
        return {}
    publicities = {p.call_id: p for p in db.session.scalars(
        select(Publicity).where(Publicity.call_id.in_(decided), Publicity.active))}
    # In publicity only with its active period (an upheld objection ends it and the call goes back to review).
    decided = {c for c in decided if calls[c].status == CallStatus.AWARDED or c in publicities}
    mine = [p for p in proposals if p.call_id in decided and p.status != ProposalStatus.DRAFT]
    if not mine:
        return {}
    decisions = {d.proposal_id: d for d in db.session.scalars(
        select(AwardDecision).where(AwardDecision.proposal_id.in_([p.id for p in mine])))}
    ranked = dict(db.session.execute(select(AwardDecision.call_id, func.count(AwardDecision.id))
                                     .where(AwardDecision.call_id.in_(decided)).group_by(AwardDecision.call_id)).all())
    scored = [p for p in mine if p.id in decisions]
    details = {}
    for _receiver, answer in review_details.send(None, proposals=scored) if scored else ():
        details.update(answer or {})
    found = {}
    for p in mine:
        call = calls[p.call_id]
        state = RANKED if p.id in decisions else SCREENED_OUT if p.status == ProposalStatus.INELIGIBLE else NOT_RANKED
        found[p.id] = ReviewOutcome(
            state, call.status == CallStatus.AWARDED,
            publicities.get(call.id) if call.status == CallStatus.PUBLICITY else None, decisions.get(p.id),
            ranked.get(call.id, 0), details.get(p.id), p.screening_reason if state == SCREENED_OUT else "")
    return found


def outcome_json(outcome: ReviewOutcome | None) -> dict | None:
    """The API's `result` object (None before the results are decided)."""
    if outcome is None:
        return None
    d, details = outcome.decision, outcome.details
    ends_on: date | None = outcome.publicity.ends_on if outcome.publicity else None
    return {
        "state": outcome.state, "final": outcome.call_awarded,
        "publicity_ends_on": ends_on.isoformat() if ends_on else None,
        "rank": d.rank if d else None, "ranked": outcome.ranked if d else None,
        "final_score": outcome.final_score, "awarded": bool(d and d.awarded),
        "amount_fen": d.amount_fen if d and d.awarded else 0,
        "criteria": [{"title": c.title, "mean": c.mean, "max_points": c.max_points}
                     for c in details.criteria] if details else [],
        "experts": [{"expert": e.letter, "comments": [{"criterion": t, "comment": text} for t, text in e.comments]}
                    for e in details.experts] if details else [],
        "screening_reason": outcome.screening_reason or None,
    }


def tell_results_available(call: Call, ends_on: date) -> None:
    """When the results are decided: each applicant organisation's active members, once, that their proposal's
    result and scores are on its page (this notice replaces the bare "results published" one, which linked to the
    call and told nobody their own result)."""
    rows = db.session.scalars(select(Proposal).where(Proposal.call_id == call.id,
                                                     Proposal.status != ProposalStatus.DRAFT)
                              .options(selectinload(Proposal.org).selectinload(Organisation.memberships))
                              .order_by(Proposal.id))
    for proposal in rows:
        for m in proposal.org.memberships:
            if m.status == "active":
                notify(m.user_id, "call.result_available",
                       link=path_for("proposals.show", proposal_id=proposal.id) + "#review-result",
                       call=call.title, ends_on=str(ends_on))
