"""A score is read on both kinds of sheet (a proposal review, a project evaluation) as the evaluator typed it with a
Chinese IME — '7．5' (full-width point), '７.５' (full-width digits), ' 8 ' — and stored as that score, never as
another. What Decimal() alone took ('1e1' as 10, '1_0', 'NaN', 'Infinity') or what would have to be rounded ('7.25')
is refused beside its criterion (422), the page keeps the text, and nothing is stored."""

import pytest

from core.errors import ServiceError
from evaluation.sheet_forms import parse_half_points
from tests.evaluation.test_sheet_keeps_input import (  # noqa: F401 (fixtures)
    error_beside,
    input_value,
    project,
    review,
    state,
)

EN = {"Accept-Language": "en"}
HALF_POINTS = "Scores are numbers in half points, such as 7 or 7.5."


@pytest.fixture(params=["review", "project"])
def a_sheet(request):
    return request.getfixturevalue(request.param)


def scored(criteria):
    """A criterion that 7.5 and 8 points fit (with a comment: the 40 %/95 % comment rule is not what is tested)."""
    return next(c for c in criteria if c.max_points >= 10)


def stored(sheet_id: int) -> dict[int, int]:
    return {i: h for i, h, _c in state(sheet_id)[1]}


@pytest.mark.parametrize(("typed", "half"), [("7．5", 15), ("７.５", 15), ("７．５", 15), (" 8 ", 16), ("　８　", 16),
                                             ("7.50", 15), ("0", 0)])
def test_a_score_typed_with_a_chinese_ime_is_stored_as_that_score(client, login_as, a_sheet, typed, half):
    user, criteria, sheet_id, page_path = a_sheet
    c = scored(criteria)
    login_as(user)
    response = client.post(page_path, headers=EN,
                           data={f"c{c.id}": typed, f"comment{c.id}": "依据材料评分", "action": "save"})
    assert response.status_code == 302
    assert stored(sheet_id)[c.id] == half


@pytest.mark.parametrize("typed", ["1e1", "1E1", "1_0", "NaN", "Infinity", "7.25", "7,5", "7.", "٧", "⑦"])
def test_what_is_not_plainly_a_score_is_refused_beside_it_and_nothing_is_stored(client, login_as, a_sheet, typed):
    user, criteria, sheet_id, page_path = a_sheet
    c = scored(criteria)
    login_as(user)
    before = state(sheet_id)
    response = client.post(page_path, headers=EN,
                           data={f"c{c.id}": typed, f"comment{c.id}": "依据材料评分", "action": "save"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_beside(page, f"c{c.id}") == HALF_POINTS
    assert input_value(page, f"c{c.id}") == typed
    assert state(sheet_id) == before


def test_the_half_point_step_is_still_the_rule(app):
    with app.test_request_context(headers=EN):
        assert parse_half_points("7．5") == 15 and parse_half_points("　") is None
        for typed in ("7.3", "７．３", "-0.3"):
            with pytest.raises(ServiceError) as refused:
                parse_half_points(typed)
            assert refused.value.message == HALF_POINTS
