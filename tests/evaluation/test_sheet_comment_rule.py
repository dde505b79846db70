"""A score sheet says beside each comment, in the criterion's own points, when the comment is required (it was a
placeholder, "Comment (required below 40% or above 95% of the maximum)", cut short on a phone and gone as soon as
the evaluator typed): the bounds agree with the rule the service enforces, for every maximum."""

import re

import pytest

from core.db import db
from evaluation import project_sheets, score_sheets, services
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user


@pytest.mark.parametrize("max_points", range(1, 101))
def test_the_bounds_are_where_the_rule_starts_to_hold(max_points):
    low, high = (round(float(b) * 2) for b in score_sheets.comment_bounds(max_points))
    assert score_sheets.comment_required(low, max_points) and not score_sheets.comment_required(low + 1, max_points)
    assert score_sheets.comment_required(high, max_points) and not score_sheets.comment_required(high - 1, max_points)
    assert 0 <= low < high <= 2 * max_points


def test_examples():
    assert score_sheets.comment_bounds(8) == ("3", "8")
    assert score_sheets.comment_bounds(15) == ("5.5", "14.5")
    assert score_sheets.comment_bounds(25) == ("9.5", "24")


def _help_beside_each_comment(page: str, criteria) -> None:
    for c in criteria:
        tag = re.search(rf'<input[^>]*\bname="comment{c.id}"[^>]*>', page).group(0)
        assert "placeholder" not in tag
        assert f'comment{c.id}-help' in re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
        assert re.search(rf'<label[^>]*for="comment{c.id}">评语</label>', page)
        low, high = score_sheets.comment_bounds(c.max_points)
        shown = re.search(rf'id="comment{c.id}-help">([^<]*)<', page).group(1)
        if float(high) == c.max_points:  # full marks (test_comment_rule_wording)
            assert shown == f"得分在 {low} 分及以下或为满分时必填", shown
        else:
            assert shown == f"得分在 {low} 分及以下、或 {high} 分及以上时必填", shown


def test_both_sheets_say_it_beside_each_comment(app, client, login_as, session):
    officer = make_user("officer")
    _call, _orgs, props, panel = drawn_panel(app, officer)
    member, proposal = panel.members[0], props[0]
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        project_sheets.sheet_for(evaluation.assignments[0])
    db.session.commit()
    zh = {"Accept-Language": "zh-CN"}
    login_as(member.user)
    page = client.get(f"/evaluation/members/{member.id}/proposals/{proposal.id}", headers=zh)
    assert page.status_code == 200
    _help_beside_each_comment(page.get_data(as_text=True), panel.template.criteria)
    client.post("/logout")
    login_as(evaluator)
    page = client.get(f"/evaluations/{evaluation.id}/workspace", headers=zh)
    assert page.status_code == 200
    _help_beside_each_comment(page.get_data(as_text=True), evaluation.template.criteria)
