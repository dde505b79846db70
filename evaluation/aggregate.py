"""Aggregation of score sheets: exact arithmetic on half points (Fractions), never floats.

Final score by the panel's method: arithmetic mean; mean after dropping one highest and one lowest total when
there are at least 5 members (the common rule; fewer members fall back to the plain mean); or median.
Ranking: final score, then the plain mean of all totals, then the lower requested amount, then the earlier
submission — stated on the results page so everyone knows the tie-break in advance.
"""

from dataclasses import dataclass, field
from fractions import Fraction
from statistics import median

from .enums import Aggregation

TRIM_MINIMUM = 5


def final_score(totals: list[Fraction], method: Aggregation | str) -> Fraction:
    if not totals:
        raise ValueError("no totals to aggregate")
    values = sorted(totals)
    method = Aggregation(method)
    if method is Aggregation.MEDIAN:
        return Fraction(median(values))
    if method is Aggregation.TRIMMED_MEAN and len(values) >= TRIM_MINIMUM:
        values = values[1:-1]
    return Fraction(sum(values), len(values))


def outliers(totals: dict[int, Fraction], threshold: Fraction | int) -> set[int]:
    """Members whose total lies more than `threshold` points from the mean of the others' totals."""
    flagged = set()
    if len(totals) < 3:
        return flagged
    grand = sum(totals.values())
    for member, total in totals.items():
        others = (grand - total) / (len(totals) - 1)
        if abs(total - others) > threshold:
            flagged.add(member)
    return flagged


@dataclass
class ProposalResult:
    proposal_id: int
    totals: dict[int, Fraction]  # member id -> total points
    final: Fraction
    mean: Fraction
    spread: Fraction
    criterion_means: dict[int, Fraction] = field(default_factory=dict)
    outliers: set[int] = field(default_factory=set)
    requested_fen: int = 0
    submitted_order: int = 0
    rank: int = 0


def result_for(proposal_id: int, sheets: dict[int, dict[int, int]], method: Aggregation | str,
               outlier_points: int, requested_fen: int = 0, submitted_order: int = 0) -> ProposalResult:
    """sheets: member id -> {criterion id: half points}."""
    member_half = {member: sum(scores.values()) for member, scores in sheets.items()}
    criterion_half: dict[int, int] = {}
    for scores in sheets.values():
        for criterion, half in scores.items():
            criterion_half[criterion] = criterion_half.get(criterion, 0) + half
    return result_from_sums(proposal_id, member_half, criterion_half, method, outlier_points, requested_fen,
                            submitted_order)


def result_from_sums(proposal_id: int, member_half: dict[int, int], criterion_half: dict[int, int],
                     method: Aggregation | str, outlier_points: int, requested_fen: int = 0,
                     submitted_order: int = 0) -> ProposalResult:
    """The same from sums the database can add up: member id -> half points over all criteria, and criterion id ->
    half points over all members' sheets (a criterion a member left out counts 0)."""
    totals = {member: Fraction(half, 2) for member, half in member_half.items()}
    criterion_means = {c: Fraction(half, 2 * len(member_half)) for c, half in criterion_half.items()}
    values = list(totals.values())
    return ProposalResult(proposal_id, totals, final_score(values, method), Fraction(sum(values), len(values)),
                          max(values) - min(values), criterion_means, outliers(totals, outlier_points),
                          requested_fen, submitted_order)


def rank(results: list[ProposalResult]) -> list[ProposalResult]:
    ordered = sorted(results, key=lambda r: (-r.final, -r.mean, r.requested_fen, r.submitted_order, r.proposal_id))
    for position, result in enumerate(ordered, start=1):
        result.rank = position
    return ordered


def fmt(value: Fraction) -> str:
    """Two decimals, rounded half up, for display and documents."""
    scaled = value * 100
    whole = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    return f"{whole // 100}.{whole % 100:02d}"
