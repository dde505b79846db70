import pytest

from core.errors import ServiceError
from evaluation.sheet_forms import parse_half_points


@pytest.mark.parametrize("raw, half", [("7", 14), ("7.5", 15), (" 0 ", 0), ("", None), ("12.50", 25)])
def test_half_points_read_from_forms(app, raw, half):
    assert parse_half_points(raw) == half


@pytest.mark.parametrize("raw", ["7.25", "abc", "inf", "-inf", "nan", "1e9", "Infinity"])
def test_anything_else_is_a_clear_refusal_not_a_500(app, raw):
    with app.test_request_context(), pytest.raises(ServiceError):
        parse_half_points(raw)
