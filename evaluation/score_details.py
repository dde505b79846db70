"""What the review's pages show besides the sheets and the ranking: how many sheets are in (the ranking is
provisional until all are), who gave which score (named only after the review), each criterion's scores, and an
expert's next proposal to score."""

from dataclasses import dataclass
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.db import db
from orgs.permissions import is_member
from orgs.services import memberships_of
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call, Proposal

from . import aggregate
from .applicant_results import expert_order, letter
from .enums import SheetStatus
from .models import ConflictDeclaration, Panel, PanelMember, ScoreSheet
from .services import COUNTED, declarations


@dataclass(frozen=True)
class Progress:
    submitted: int
    expected: int  # sitting members, less those who declared a conflict with the proposal

    @property
    def complete(self) -> bool:
        return self.submitted >= self.expected


def progress(panel: Panel, proposals: list[Proposal]) -> dict[int, Progress]:
    """proposal id -> the sheets counted so far of those expected: a ranking is provisional until every one is in."""
    sitting = [m.id for m in panel.sitting]
    ids = [p.id for p in proposals]
    conflicts = dict(db.session.execute(
        select(ConflictDeclaration.proposal_id, func.count()).where(
            ConflictDeclaration.proposal_id.in_(ids), ConflictDeclaration.member_id.in_(sitting),
            ConflictDeclaration.has_conflict).group_by(ConflictDeclaration.proposal_id)).all())
    submitted = dict(db.session.execute(
        select(ScoreSheet.proposal_id, func.count()).where(
            ScoreSheet.proposal_id.in_(ids), ScoreSheet.member_id.in_(sitting),
            ScoreSheet.status == SheetStatus.SUBMITTED, COUNTED).group_by(ScoreSheet.proposal_id)).all())
    return {i: Progress(submitted.get(i, 0), len(sitting) - conflicts.get(i, 0)) for i in ids}


def names_shown(call: Call) -> bool:
    """Which expert gave which score is named once the review is over (decided: in publicity, or awarded)."""
    return call.status in (CallStatus.PUBLICITY, CallStatus.AWARDED)


def member_labels(panel: Panel, call: Call) -> dict[int, str]:
    """member id -> the expert's name after the review, before it 'Expert N' in the panel's draw order."""
    named = names_shown(call)
    return {m.id: m.user.display_name if named else _("Expert %(n)d", n=n)
            for n, m in enumerate(panel.members, start=1)}


def may_open_own_scores(user) -> bool:
    """Who, besides the review's staff, opens a proposal's scores by criterion at all: organisation members (each
    only its own proposal's, `can_see_own_scores`); anyone else, an expert say, is refused (403)."""
    return bool(user.is_authenticated and any(m.status == "active" for m in memberships_of(user)))


def can_see_own_scores(user, proposal: Proposal) -> bool:
    """An applicant's own proposal's scores by criterion, once the results are published (in publicity, or final):
    what it needs to object with reasons. Never another organisation's."""
    return names_shown(proposal.call) and is_member(user, proposal.org)


def applicant_labels(scores: "ProposalScores", proposal: Proposal) -> dict[int, str]:
    """member id -> 'Expert A', lettered among the experts who scored the proposal as its page lettered their
    comments (applicant_results.expert_order: not the draw order): the applicant never learns who scored it (the
    names are for the review's staff; the public summary names nobody either). `scores.members` is put in that
    order, so the columns read A, B, C."""
    scores.members = expert_order(proposal.id, scores.members)
    return {m.id: _("Expert %(letter)s", letter=letter(n)) for n, m in enumerate(scores.members)}


@dataclass
class CriterionScores:
    criterion: object  # an Indicator
    scores: dict[int, Fraction]  # member id -> points
    comments: dict[int, str]
    mean: Fraction | None


@dataclass
class ProposalScores:
    members: list[PanelMember]  # those whose submitted sheet counts, in draw order
    criteria: list[CriterionScores]
    result: aggregate.ProposalResult | None


def proposal_scores(panel: Panel, proposal: Proposal) -> ProposalScores:
    """Each criterion's scores by the sitting members whose submitted sheet counts, with the criterion's mean, and
    the proposal's result as the ranking computes it (the same aggregation, the same divergence threshold)."""
    sitting = {m.id: m for m in panel.sitting}
    sheets = list(db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.proposal_id == proposal.id, ScoreSheet.member_id.in_(list(sitting)),
        ScoreSheet.status == SheetStatus.SUBMITTED, COUNTED).options(selectinload(ScoreSheet.scores))))
    half = {s.member_id: {sc.indicator_id: sc.half_points for sc in s.scores} for s in sheets}
    comments = {s.member_id: {sc.indicator_id: sc.comment for sc in s.scores} for s in sheets}
    result = aggregate.result_for(proposal.id, half, panel.aggregation, panel.outlier_points) if half else None
    rows = [CriterionScores(c, {m: Fraction(h[c.id], 2) for m, h in half.items() if c.id in h},
                            {m: text[c.id] for m, text in comments.items() if text.get(c.id)},
                            result.criterion_means.get(c.id) if result else None)
            for c in panel.template.criteria]
    return ProposalScores([m for m in panel.members if m.id in half], rows, result)


@dataclass(frozen=True)
class NextProposal:
    proposal_id: int
    number: int  # 申报书 N, as the expert's list numbers it
    declared: bool  # declared clear: its sheet opens at once (else it is declared on first, on the list)


def next_to_do(member: PanelMember, proposal: Proposal) -> NextProposal | None:
    """After the sheet of `proposal`: the member's next proposal still to declare on or to score, in their list's
    order (wrapping round); None when all is done."""
    declared = declarations(member)
    submitted = set(db.session.scalars(select(ScoreSheet.proposal_id).where(
        ScoreSheet.member_id == member.id, ScoreSheet.status == SheetStatus.SUBMITTED)))
    ids = list(db.session.scalars(select(Proposal.id).where(  # as reviewable() orders them
        Proposal.call_id == member.panel.call_id, Proposal.status == ProposalStatus.ELIGIBLE).order_by(Proposal.id)))
    after = ids.index(proposal.id) + 1 if proposal.id in ids else 0
    for pid in ids[after:] + ids[:after]:
        d = declared.get(pid)
        if pid != proposal.id and (d is None or (not d.has_conflict and pid not in submitted)):
            return NextProposal(pid, ids.index(pid) + 1, d is not None)
    return None
