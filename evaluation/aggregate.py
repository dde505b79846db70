"""Aggregation of score sheets: exact arithmetic on half points (Fractions), never floats.

Final score by the panel's method: arithmetic mean; mean after dropping one highest and one lowest total when
there are at least 5 members (the common rule; fewer members fall back to the plain mean); or median.
Ranking: final score, then the plain mean of all totals, then the lower requested amount, then the earlier
submission — stated on the results page so everyone knows the tie-break in advance.
"""

from dataclasses import dataclass, field
from fractions import Fraction
from statistics import median

from flask_babel import gettext as _

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


def method_used(method: Aggregation | str, count: int) -> Aggregation:
    """The method final_score applies to `count` totals: a trimmed mean with fewer than TRIM_MINIMUM is the plain
    mean (a page said "without the highest and lowest (with 5 or more members)" beside a 3-sheet plain mean)."""
    method = Aggregation(method)
    return Aggregation.MEAN if method is Aggregation.TRIMMED_MEAN and count < TRIM_MINIMUM else method


def method_label(method: Aggregation | str, count: int) -> str:
    """How a final score of `count` totals was computed, in words: the method used, not the rule stated."""
    used = method_used(method, count)
    if used is Aggregation.TRIMMED_MEAN:
        return _("Mean without the highest and the lowest total")
    if Aggregation(method) is Aggregation.TRIMMED_MEAN:
        return _("Arithmetic mean: with fewer than %(n)d sheets no total is dropped", n=TRIM_MINIMUM)
    return str(used.label)


def outliers(totals: dict[int, Fraction], threshold: Fraction | int) -> set[int]:
    """Members whose total lies more than `threshold` points from the median of all the totals, provided they are
    fewer than half of the sheets.

    Why the median of all: the mean of the others lets the outlier pull every other total's reference towards it.
    With 74, 74 and 41 (threshold 15), each 74 was compared with (74 + 41) / 2 = 57.5 and flagged as well as the 41:
    all three "diverged", which points at no sheet. The median is the middle total, which one stray sheet cannot
    move (74 here: only the 41 is 33 points off). Leaving each sheet out and taking the others' median fails the
    same way with three sheets (a 74 against the median of 74 and 41, 57.5).
    Why fewer than half: an outlier is a minority. When half the sheets or more lie that far from the median the
    panel is split, not one sheet off (80, 80, 50, 50), and the spread shown beside the totals says so; flagging
    everyone would ask to check every sheet. Fewer than three sheets: nothing to compare with, nothing flagged."""
    if len(totals) < 3:
        return set()
    middle = Fraction(median(sorted(totals.values())))
    flagged = {member for member, total in totals.items() if abs(total - middle) > threshold}
    return flagged if 2 * len(flagged) < len(totals) else set()


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
