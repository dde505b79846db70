"""What an applicant learns of its own proposal's review once the results are decided (projects.review_outcome asks
through `core.signals.review_details`): the final score as the results page computes it, each criterion's mean,
and the comments of the experts whose sheets count, each expert under a letter.

The letters: the experts in the order of a keyed hash of (proposal, expert) under the app's secret, so the same
expert keeps the same letter on the same proposal, but nothing about them can be read from it: not their name or
id, not the order they were drawn or scored in, nor whether expert A of one proposal is expert A of another."""

from fractions import Fraction
from string import ascii_uppercase

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db
from core.personal import keyed_hash
from core.signals import review_details
from projects.models import Proposal
from projects.review_outcome import CriterionMean, ExpertRemarks, ScoreDetails

from . import aggregate
from .enums import SheetStatus
from .models import IndicatorTemplate, Panel, PanelMember, Score, ScoreSheet
from .services import COUNTED, counted_sums


def letter(n: int) -> str:
    """A, B, … Z, then A2, B2… (no panel is that large, but a label never repeats)."""
    return ascii_uppercase[n % 26] + (str(n // 26 + 1) if n >= 26 else "")


def expert_order(proposal_id: int, members: list[PanelMember]) -> list[PanelMember]:
    return sorted(members, key=lambda m: keyed_hash(f"{proposal_id}:{m.user_id}", "applicant-expert-letters"))


def score_details(proposals: list[Proposal]) -> dict[int, ScoreDetails]:
    """proposal id -> its details, for those with counted sheets (constant queries whatever their number)."""
    panels = {p.call_id: p for p in db.session.scalars(
        select(Panel).where(Panel.call_id.in_({p.call_id for p in proposals}))
        .options(selectinload(Panel.members), selectinload(Panel.template).selectinload(IndicatorTemplate.indicators)))}
    proposals = [p for p in proposals if p.call_id in panels]
    sitting = {m.id: m for panel in panels.values() for m in panel.sitting}
    member_half, criterion_half = counted_sums([p.id for p in proposals], list(sitting))
    comments: dict[int, dict[int, dict[int, str]]] = {}  # proposal -> member -> criterion -> comment
    for proposal_id, member_id, indicator_id, text in db.session.execute(
            select(ScoreSheet.proposal_id, ScoreSheet.member_id, Score.indicator_id, Score.comment)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .where(ScoreSheet.proposal_id.in_([p.id for p in proposals]), ScoreSheet.status == SheetStatus.SUBMITTED,
                   ScoreSheet.member_id.in_(list(sitting)), COUNTED, Score.comment != "")):
        comments.setdefault(proposal_id, {}).setdefault(member_id, {})[indicator_id] = text
    found = {}
    for proposal in proposals:
        if proposal.id not in member_half:
            continue
        panel = panels[proposal.call_id]
        result = aggregate.result_from_sums(proposal.id, member_half[proposal.id], criterion_half[proposal.id],
                                            panel.aggregation, panel.outlier_points)
        criteria = panel.template.criteria
        means: dict[int, Fraction] = result.criterion_means
        written = comments.get(proposal.id, {})
        scored = [sitting[member_id] for member_id in member_half[proposal.id]]
        found[proposal.id] = ScoreDetails(
            aggregate.fmt(result.final),
            [CriterionMean(c.title, aggregate.fmt(means[c.id]) if c.id in means else None, c.max_points)
             for c in criteria],
            [ExpertRemarks(letter(n), [(c.title, written[m.id][c.id]) for c in criteria
                                       if c.id in written.get(m.id, {})])
             for n, m in enumerate(expert_order(proposal.id, scored))])
    return found


@review_details.connect
def _answer(_sender, proposals: list[Proposal], **_kwargs) -> dict[int, ScoreDetails]:
    return score_details(proposals)
