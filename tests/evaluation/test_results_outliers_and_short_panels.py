"""The results of a review say what holds: a diverging total is one far from the median of all the totals (with 74,
74 and 41 only the 41 diverges, not all three); the final score names the method actually applied (a plain mean on a
3-sheet panel whose rule is the trimmed mean); a proposal scored by fewer than a majority of the panel (late conflict
declarations dropped their sheets) is said so on the results page, with the remedy, and is not ticked for award."""

import re
from fractions import Fraction as F

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from evaluation import services
from evaluation.aggregate import Aggregation, final_score, method_label, method_used, outliers
from evaluation.models import Panel
from tests.evaluation.helpers import fully_scored
from tests.factories import make_user

ZH = {"Accept-Language": "zh-CN"}


def flagged(*totals, threshold=15) -> set[int]:
    return outliers({n: F(t) for n, t in enumerate(totals, start=1)}, threshold)


def test_three_sheets_flag_only_the_stray_one():
    assert flagged(74, 74, 41) == {3}  # the mean of the others flagged all three
    assert flagged(74, 41, 74) == {2}
    assert flagged(80, 70, 60) == set()  # evenly spread, within 15 of the middle
    assert flagged(90, 70, 50) == set()  # 20 off on each side: two of three is a split, not a stray
    assert flagged(74, 74) == set()  # two sheets: nothing to compare with


def test_four_sheets():
    assert flagged(80, 82, 84, 55) == {4}
    assert flagged(80, 82, 84, 55, threshold=30) == set()
    assert flagged(85, 85, 50, 50) == set()  # split two against two: no outlier, the spread says it
    assert flagged(80, 78, 76, 40) == {4}


def test_five_sheets():
    assert flagged(80, 79, 78, 40, 41) == {4, 5}  # two strays of five
    assert flagged(80, 80, 60, 40, 40) == set()  # four of five "far": a split panel, not strays
    assert flagged(80, 79, 78, 77, 20) == {5}
    assert flagged(80, 79, 78, 77, 62) == {5} and flagged(80, 79, 78, 77, 64) == set()  # more than 15 off


def test_the_method_used_is_the_one_applied():
    assert method_used("trimmed_mean", 3) is Aggregation.MEAN
    assert method_used("trimmed_mean", 5) is Aggregation.TRIMMED_MEAN
    assert method_used("median", 3) is Aggregation.MEDIAN
    # the plain mean it says is the final score computed
    assert final_score([F(74), F(74), F(41)], "trimmed_mean") == F(189, 3)


def test_the_label_says_the_method_applied(app):
    with app.test_request_context(headers=ZH):
        assert method_label("trimmed_mean", 3) == "算术平均（评分表不足 5 份，不去掉最高分和最低分）"
        assert method_label("trimmed_mean", 5) == "去掉一个最高分和一个最低分后平均"
        assert method_label("mean", 3) == "算术平均"


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _panel(call):
    return db.session.scalar(select(Panel).where(Panel.call_id == call.id))


def test_a_three_member_panels_scores_page_names_the_plain_mean(app, client, officer, login_as):
    call, _orgs, props, _ranking = fully_scored(app, officer)
    _panel(call).aggregation = "trimmed_mean"
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluation/calls/{call.id}/results/proposals/{props[0].id}", headers=ZH)
    assert page.status_code == 200
    shown = re.search(r'id="final-method">([^<]*)<', page.get_data(as_text=True)).group(1)
    assert shown == "算术平均（评分表不足 5 份，不去掉最高分和最低分）"  # not inside a second, ASCII pair
    assert "5 人及以上" not in shown


def _award_box(page: str, proposal_id: int) -> str:
    return re.search(rf'<input[^>]*name="award_{proposal_id}"[^>]*>', page).group(0)


def test_a_proposal_scored_by_one_expert_is_said_and_not_ticked(app, client, officer, login_as):
    call, _orgs, props, _ranking = fully_scored(app, officer)
    top = props[2]  # ranked first (80%)
    panel = _panel(call)
    login_as(officer)
    before = client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True)
    assert 'id="short-panel"' not in before and "checked" in _award_box(before, top.id)
    with app.test_request_context():  # found after scoring: the sheet no longer counts; 2 of 3 is a majority
        services.declare(panel.members[1], top, True, "曾为其提供督导", actor=panel.members[1].user)
    db.session.commit()
    majority = client.get(f"/evaluation/calls/{call.id}/results", headers=ZH).get_data(as_text=True)
    assert 'id="short-panel"' not in majority and "checked" in _award_box(majority, top.id)
    with app.test_request_context():  # and a second: one expert of three
        services.declare(panel.members[2], top, True, "曾为其提供督导", actor=panel.members[2].user)
    db.session.commit()

    response = client.get(f"/evaluation/calls/{call.id}/results", headers=ZH)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    ranked = services.results(panel)
    assert ranked[0].proposal_id == top.id and len(ranked[0].totals) == 1  # still first, on one score
    warning = page.split('id="short-panel"', 1)[1].split("</section>", 1)[0]
    assert f'id="short-{top.id}"' in warning and "3 位评审专家中只有 1 位" in warning
    assert "更换" in warning and f'href="/evaluation/calls/{call.id}/panel"' in warning
    assert "checked" not in _award_box(page, top.id)  # not ticked
    assert all("checked" in _award_box(page, p.id) for p in props[:2])  # the budget goes to the others
    label = re.search(rf'<label class="form-check-label" for="award_{top.id}">(.*?)</label>', page).group(1)
    assert "仅 1/3 份评分表" in label


def test_the_ticked_decision_passes_without_reasons_and_awarding_the_short_one_needs_them(app, client, officer,
                                                                                          login_as):
    """The results page leaves a proposal scored by too few unticked; the decision is judged against the same
    recommendation (it was judged against the whole ranking: accepting the page's own ticks asked for reasons, and
    awarding the short one needed none)."""
    from projects.award_models import AwardDecision
    from projects.awards import requested

    call, _orgs, props, _ranking = fully_scored(app, officer)
    top, panel = props[2], _panel(call)
    with app.test_request_context():
        for member in panel.members[1:]:
            services.declare(member, top, True, "曾为其提供督导", actor=member.user)
    db.session.commit()
    login_as(officer)

    def decide(awarded, reason=""):
        data = {"working_days": "5", "reason": reason}
        for p in awarded:
            data |= {f"award_{p.id}": "y", f"amount_{p.id}": str(requested(p) // 100)}
        return client.post(f"/evaluation/calls/{call.id}/decision", data=data, headers=ZH)

    refused = decide([top, props[0]])  # the short one awarded: departs from the recommendation, reasons needed
    assert refused.status_code == 422 and "定标结果与排名不一致，请说明理由。" in refused.get_data(as_text=True)
    assert db.session.scalar(select(AwardDecision.id).where(AwardDecision.call_id == call.id)) is None
    accepted = decide(props[:2])  # the page's own ticks, no reasons
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:3000]
    awarded = set(db.session.scalars(select(AwardDecision.proposal_id).where(AwardDecision.call_id == call.id,
                                                                            AwardDecision.awarded)))
    assert awarded == {p.id for p in props[:2]}
