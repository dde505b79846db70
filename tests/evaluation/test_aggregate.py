"""Aggregation as a table of worked examples."""

from fractions import Fraction as F

import pytest

from evaluation.aggregate import final_score, fmt, outliers, rank, result_for

CASES = [
    # totals, method, expected final
    ([80, 85, 90], "mean", F(85)),
    ([80, 85, 90], "trimmed_mean", F(85)),  # fewer than 5: plain mean
    ([60, 80, 82, 84, 99], "trimmed_mean", F(82)),  # drop 60 and 99 -> mean(80, 82, 84)
    ([60, 80, 82, 84, 99], "mean", F(405, 5)),
    ([70, 72, 75, 77, 80, 90, 95], "trimmed_mean", F(72 + 75 + 77 + 80 + 90, 5)),  # 7 members: drop 70, 95
    ([F(155, 2), 80, F(165, 2), 85, 90], "trimmed_mean", F(80 + F(165, 2) + 85, 3)),  # half points
    ([80, 85, 90, 95], "median", F(175, 2)),
    ([80, 85, 90], "median", F(85)),
    ([50, 50, 50, 50, 50], "trimmed_mean", F(50)),
]


@pytest.mark.parametrize("totals, method, expected", CASES)
def test_final_scores(totals, method, expected):
    assert final_score([F(t) for t in totals], method) == expected


def test_display_rounds_half_up():
    assert fmt(F(82)) == "82.00" and fmt(F(245, 3)) == "81.67" and fmt(F(16245, 200)) == "81.23"
    assert fmt(F(8125, 100)) == "81.25" and fmt(F(81255, 1000)) == "81.26"


def test_outlier_flag_against_the_others_mean():
    totals = {1: F(80), 2: F(82), 3: F(84), 4: F(55)}
    assert outliers(totals, 15) == {4}
    assert outliers(totals, 30) == set()


def test_ranking_with_ties():
    a = result_for(1, {10: {1: 160}, 11: {1: 160}}, "mean", 15, requested_fen=900, submitted_order=2)
    b = result_for(2, {10: {1: 160}, 11: {1: 160}}, "mean", 15, requested_fen=800, submitted_order=3)
    c = result_for(3, {10: {1: 170}, 11: {1: 150}}, "mean", 15, requested_fen=800, submitted_order=1)
    d = result_for(4, {10: {1: 180}, 11: {1: 170}}, "mean", 15)
    ordered = rank([a, b, c, d])
    # d has the top score; a, b and c tie at 80: equal means, so the lower request wins, then earlier submission
    assert [r.proposal_id for r in ordered] == [4, 3, 2, 1]
    assert [r.rank for r in ordered] == [1, 2, 3, 4]


def test_criterion_means_and_spread():
    result = result_for(1, {1: {100: 30, 101: 40}, 2: {100: 20, 101: 41}}, "mean", 15)
    assert result.criterion_means == {100: F(25, 2), 101: F(81, 4)}
    assert result.totals == {1: F(35), 2: F(61, 2)} and result.spread == F(9, 2)
