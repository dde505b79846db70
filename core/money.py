"""Money is integer fen (分). Parsing and formatting live here and nowhere else."""

from decimal import Decimal, InvalidOperation

MAX_FEN = 10**15  # well inside BIGINT; a trillion yuan is not a community project


class MoneyError(ValueError):
    pass


def parse_yuan(text: str | int | Decimal) -> int:
    """'1,234.5' yuan -> 123450 fen. Refuses floats, negatives, more than two decimals."""
    if isinstance(text, float):
        raise MoneyError("floats are not money")
    raw = str(text).strip().replace(",", "").replace("，", "").removeprefix("¥").removeprefix("￥")
    raw = raw.removesuffix("元").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation as exc:
        raise MoneyError("not an amount") from exc
    if not amount.is_finite():
        raise MoneyError("not an amount")
    if amount < 0:
        raise MoneyError("negative amount")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise MoneyError("more than two decimal places")
    if fen > MAX_FEN:
        raise MoneyError("amount too large")
    return int(fen)


def format_fen(fen: int | None, symbol: bool = True) -> str:
    """123450 -> '¥1,234.50'."""
    if fen is None:
        return ""
    if not isinstance(fen, int):
        raise TypeError("fen must be an int")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"


def split_by_percentages(total_fen: int, percentages: list[int]) -> list[int]:
    """Split an amount into parts by whole percentages adding to 100; the last part absorbs rounding."""
    if sum(percentages) != 100 or any(p < 0 for p in percentages):
        raise MoneyError("percentages must be non-negative and add up to 100")
    parts = [total_fen * p // 100 for p in percentages[:-1]]
    parts.append(total_fen - sum(parts))
    return parts
