"""Amounts in financial capitals (大写金额, core.money.fen_in_capitals), as a Chinese contract states them: the digits
壹…玖 with 拾佰仟, sections of 万 and 亿, one 零 for any run of zeros inside the yuan (across sections too), none at the
end; 整 when there are no 分; 零 between 元 and 分 when the 角 is zero."""

import pytest

from core.money import MAX_FEN, AmountTooLarge, NegativeAmount, fen_in_capitals


@pytest.mark.parametrize(("fen", "capitals"), [
    # the QA walk's cases
    (7_599_993, "人民币柒万伍仟玖佰玖拾玖元玖角叁分"),
    (5_000_000, "人民币伍万元整"),
    (10_000_500, "人民币壹拾万零伍元整"),
    (5, "人民币伍分"),
    (105, "人民币壹元零伍分"),
    (0, "人民币零元整"),
    # 角 and 分 alone and together; 整 after 角 when there are no 分
    (50, "人民币伍角整"),
    (55, "人民币伍角伍分"),
    (150, "人民币壹元伍角整"),
    (100, "人民币壹元整"),
    # 拾 always with its digit; zeros inside a section, once; none at its end
    (1_000, "人民币壹拾元整"),
    (1_500, "人民币壹拾伍元整"),
    (10_100, "人民币壹佰零壹元整"),
    (100_100, "人民币壹仟零壹元整"),
    (101_000, "人民币壹仟零壹拾元整"),
    (110_000, "人民币壹仟壹佰元整"),
    (1_000_000, "人民币壹万元整"),
    # across the 万 section: 1,000,010 yuan; a section starting with zeros; a whole zero section
    (100_001_000, "人民币壹佰万零壹拾元整"),
    (10_700_000, "人民币壹拾万柒仟元整"),
    (100_100_000, "人民币壹佰万壹仟元整"),
    (1_001_000_000, "人民币壹仟零壹万元整"),
    # 亿 and beyond (10⁸ yuan and more)
    (10_000_000_000, "人民币壹亿元整"),
    (10_000_000_001, "人民币壹亿元零壹分"),
    (10_000_000_100, "人民币壹亿零壹元整"),
    (10_000_100_000, "人民币壹亿零壹仟元整"),
    (10_010_000_000, "人民币壹亿零壹拾万元整"),
    (11_000_000_000, "人民币壹亿壹仟万元整"),
    (11_000_010_100, "人民币壹亿壹仟万零壹佰零壹元整"),
    (12_345_678_950, "人民币壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元伍角整"),
    (12_345_678_901_201, "人民币壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元零壹分"),
    (100_000_000_000_000, "人民币壹万亿元整"),
    (100_050_000_000_000, "人民币壹万零伍亿元整"),
    (100_000_000_000_500, "人民币壹万亿零伍元整"),
    (MAX_FEN, "人民币壹拾万亿元整"),
    (MAX_FEN - 1, "人民币玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
])
def test_amounts_in_capitals(fen, capitals):
    assert fen_in_capitals(fen) == capitals


@pytest.mark.parametrize("fen", [-1, -100, -7_599_993])
def test_a_negative_amount_is_refused(fen):
    with pytest.raises(NegativeAmount):
        fen_in_capitals(fen)


def test_an_amount_above_the_largest_is_refused():
    with pytest.raises(AmountTooLarge):
        fen_in_capitals(MAX_FEN + 1)


@pytest.mark.parametrize("value", [1.5, "100", None, True])
def test_only_whole_fen_are_read(value):
    with pytest.raises(TypeError):
        fen_in_capitals(value)
