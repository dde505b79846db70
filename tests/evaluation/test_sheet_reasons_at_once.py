"""A score sheet refused for a score that is not a number says at once what else is wrong on it (a score above its
criterion's maximum, beside that criterion), on both kinds of sheet; it said the second only on the next attempt."""

import pytest

from tests.evaluation.test_sheet_keeps_input import (  # noqa: F401 (fixtures)
    error_beside,
    input_value,
    project,
    review,
    state,
)

EN = {"Accept-Language": "en"}


@pytest.fixture(params=["review", "project"])
def a_sheet(request):
    return request.getfixturevalue(request.param)


def test_an_unreadable_score_and_one_out_of_range_are_refused_together(client, login_as, a_sheet):
    user, criteria, sheet_id, page_path = a_sheet
    first, second = criteria[0], criteria[1]
    login_as(user)
    before = state(sheet_id)
    too_high = str(first.max_points + 1)
    response = client.post(page_path, headers=EN, data={f"c{first.id}": too_high, f"c{second.id}": "abc",
                                                         "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_beside(page, f"c{second.id}") == "Scores are numbers in half points, such as 7 or 7.5."
    assert error_beside(page, f"c{first.id}") == f"Between 0 and {first.max_points} points, in half points."
    assert input_value(page, f"c{first.id}") == too_high and input_value(page, f"c{second.id}") == "abc"
    assert state(sheet_id) == before
