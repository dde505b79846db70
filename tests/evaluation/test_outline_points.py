"""A template outline's maximum points are read as typed ('１０', ' 10 '), through core.numbers: int() also took
'1_0' as 10, and a badly grouped or decimal maximum is refused on its line."""

import pytest

from core.errors import ServiceError
from evaluation import templates


@pytest.mark.parametrize(("typed", "points"), [("10", 10), ("１０", 10), (" 40 ", 40), ("０６０", 60)])
def test_a_maximum_is_read_as_typed(app, typed, points):
    with app.test_request_context():
        assert templates.parse_outline(f"服务质量\n- 服务态度 | {typed} | 看记录") == [
            ("服务质量", [("服务态度", points, "看记录", None)])]


@pytest.mark.parametrize("typed", ["1_0", "1,0", "7.5", "十", "", "1e1"])
def test_a_maximum_that_is_no_whole_number_is_refused_on_its_line(app, typed):
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        templates.parse_outline(f"服务质量\n- 服务态度 | {typed} | 看记录")
    assert refused.value.fields["outline"] == "第 2 行：请按“- 指标 | 分值 | 评分说明”的格式填写。"
