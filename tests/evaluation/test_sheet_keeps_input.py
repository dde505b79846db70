"""A refused score sheet keeps what the evaluator typed, on both kinds of sheet (a proposal review sheet, a project
evaluation sheet): the page comes back (422) with the sent scores and comments in the inputs, each reason beside
its criterion (the score's under `c<id>`, the comment's under `comment<id>`), and nothing is saved — the sheet is
still a draft, its scores are as before, no audit event is written. A sheet that is accepted still redirects."""

import html
import re

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from evaluation import project_sheets, score_sheets, services
from evaluation.enums import SheetStatus
from evaluation.models import Score, ScoreSheet
from tests.evaluation.helpers import review_panel
from tests.evaluation.project_helpers import commissioned

EN = {"Accept-Language": "en"}


def stored_half(c) -> int:
    return c.max_points * 2 * 3 // 4  # 75%: no comment needed


def typed_points(c) -> str:
    return f"{c.max_points // 2}.5"  # a valid score other than the stored one (between 40% and 95%)


@pytest.fixture
def review(app, session):
    """A member's draft proposal review sheet with one criterion already scored."""
    _officer, _call, _orgs, props, panel = review_panel(app)
    member, proposal = panel.members[0], props[0]
    criteria = panel.template.criteria
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
        sheet = score_sheets.sheet_for(member, proposal)
        score_sheets.save_scores(sheet, {criteria[1].id: (stored_half(criteria[1]), "原有评语")}, actor=member.user)
    db.session.commit()
    return member.user, criteria, sheet.id, f"/evaluation/members/{member.id}/proposals/{proposal.id}"


@pytest.fixture
def project(app, session):
    """An evaluator's draft project evaluation sheet with one criterion already scored."""
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    criteria = evaluation.template.criteria
    with app.test_request_context():
        sheet = project_sheets.sheet_for(evaluation.assignments[0])
        score_sheets.save_scores(sheet, {criteria[1].id: (stored_half(criteria[1]), "原有评语")}, actor=evaluator)
    db.session.commit()
    return evaluator, criteria, sheet.id, f"/evaluations/{evaluation.id}/workspace"


@pytest.fixture(params=["review", "project"])
def sheet(request):
    return request.getfixturevalue(request.param)


def state(sheet_id: int) -> tuple:
    db.session.expire_all()
    found = db.session.get(ScoreSheet, sheet_id)
    scores = sorted(db.session.execute(select(Score.indicator_id, Score.half_points, Score.comment)
                                       .where(Score.sheet_id == sheet_id)).all())
    return found.status, scores, db.session.scalar(select(func.count()).select_from(AuditEvent))


def input_value(page: str, name: str) -> str:
    """The value attribute of the input named `name`, unescaped."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    assert tag, name
    return html.unescape(re.search(r'\bvalue="([^"]*)"', tag.group(0)).group(1))


def error_beside(page: str, name: str) -> str | None:
    """The reason shown beside the input named `name` (its error element, which the input is described by)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page).group(0)
    described = re.search(r'aria-describedby="([^"]*)"', tag)
    if not described or f"{name}-error" not in described.group(1).split() or "is-invalid" not in tag:
        return None
    found = re.search(rf'<div class="invalid-feedback[^"]*" id="{name}-error">([^<]*)</div>', page)
    return html.unescape(found.group(1)) if found else None


def comment_limit(c) -> str:
    return f"“{c.title}”: a comment has at most 1000 characters."


# (what is typed for the first criterion, which of its inputs is refused, the reason)
REFUSALS = {
    "out of range": (lambda c: (str(c.max_points + 1), "评分超出范围的说明"), "c",
                     lambda c: f"Between 0 and {c.max_points} points, in half points."),
    "comment missing": (lambda c: ("0", ""), "comment",  # on the comment, in the criterion's points as its help
                        lambda c: f"A comment is required for a score of {score_sheets.comment_bounds(c.max_points)[0]}"
                                  " or less, or for full marks."),  # criteria of at most 10 points: full marks
    "comment too long": (lambda c: ("0", "评语过长" * 250 + "终"), "comment", comment_limit),
    "not a number": (lambda c: ("七分", "我的评语"), "c",
                     lambda c: "Scores are numbers in half points, such as 7 or 7.5."),
}


# a comment that a score requires is asked for on submitting only: a draft is saved without it
# (test_sheet_drafts_and_stale_saves.py)
CASES = [(kind, action) for kind in REFUSALS for action in ("save", "submit")
         if (kind, action) != ("comment missing", "save")]


@pytest.mark.parametrize(("kind", "action"), CASES)
def test_a_refused_sheet_comes_back_with_what_was_typed_and_nothing_saved(client, login_as, sheet, kind, action):
    user, criteria, sheet_id, page_path = sheet
    typed, refused, reason = REFUSALS[kind]
    first, second = criteria[0], criteria[1]
    points, comment = typed(first)
    form = {f"c{c.id}": typed_points(c) for c in criteria} | {f"comment{c.id}": f"{c.title}的评语" for c in criteria}
    form |= {f"c{first.id}": points, f"comment{first.id}": comment, "action": action}
    login_as(user)
    before = state(sheet_id)
    assert before[0] == SheetStatus.DRAFT

    response = client.post(page_path, headers=EN, data=form)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for c in criteria:  # every input as sent, not as stored
        assert input_value(page, f"c{c.id}") == form[f"c{c.id}"]
        assert input_value(page, f"comment{c.id}") == form[f"comment{c.id}"]
    assert input_value(page, f"c{second.id}") != str(stored_half(second) / 2).removesuffix(".0")
    assert error_beside(page, f"{refused}{first.id}") == reason(first)
    other = "comment" if refused == "c" else "c"
    assert error_beside(page, f"{other}{first.id}") is None
    assert all(error_beside(page, f"{p}{c.id}") is None for c in criteria[1:] for p in ("c", "comment"))
    assert "Please correct the marked fields." in html.unescape(page)
    assert state(sheet_id) == before  # still a draft, the scores as they were, no audit event


def test_every_score_that_is_not_a_number_is_marked_at_once(client, login_as, sheet):
    user, criteria, sheet_id, page_path = sheet
    login_as(user)
    before = state(sheet_id)
    form = {f"c{c.id}": "abc" for c in criteria[:2]} | {"action": "save"}
    page = client.post(page_path, headers=EN, data=form).get_data(as_text=True)
    for c in criteria[:2]:
        assert input_value(page, f"c{c.id}") == "abc"
        assert error_beside(page, f"c{c.id}") == "Scores are numbers in half points, such as 7 or 7.5."
    assert state(sheet_id) == before


def test_a_submission_missing_scores_keeps_the_typed_ones(client, login_as, sheet):
    """Refused by the submission (not every criterion scored): the reason is above the form and beside each score
    left empty (on a phone the list above is screens away from them), and the scores typed are neither saved nor
    lost."""
    user, criteria, sheet_id, page_path = sheet
    login_as(user)
    before = state(sheet_id)
    form = {f"c{criteria[0].id}": typed_points(criteria[0]), f"comment{criteria[0].id}": "新的评语",
            "action": "submit"}
    response = client.post(page_path, headers=EN, data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Score every criterion before submitting" in html.unescape(page)
    assert input_value(page, f"c{criteria[0].id}") == typed_points(criteria[0])
    assert input_value(page, f"comment{criteria[0].id}") == "新的评语"
    assert input_value(page, f"c{criteria[1].id}") == ""  # sent empty: shown empty, as sent
    assert error_beside(page, f"c{criteria[0].id}") is None  # scored
    scored_before = {i for i, _h, _c in before[1]}
    for c in criteria[1:]:  # each left empty, the one scored before and sent empty too, is marked
        assert error_beside(page, f"c{c.id}") == "Not scored yet.", (c.id, c.id in scored_before)
    assert all(error_beside(page, f"comment{c.id}") is None for c in criteria)
    assert state(sheet_id) == before


def test_an_accepted_sheet_still_redirects_and_shows_the_stored_scores(client, login_as, sheet):
    user, criteria, sheet_id, page_path = sheet
    login_as(user)
    form = {f"c{c.id}": typed_points(c) for c in criteria} | {"action": "save"}
    response = client.post(page_path, headers=EN, data=form)
    assert response.status_code == 302
    status, scores, _events = state(sheet_id)
    assert status == SheetStatus.DRAFT
    assert {i: h for i, h, _c in scores} == {c.id: c.max_points // 2 * 2 + 1 for c in criteria}
    page = client.get(page_path, headers=EN).get_data(as_text=True)
    assert input_value(page, f"c{criteria[1].id}") == typed_points(criteria[1])
    assert input_value(page, f"comment{criteria[1].id}") == ""  # the stored comment was cleared by the save
    assert "is-invalid" not in page
