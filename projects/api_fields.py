"""Reading numbers out of the projects' JSON request bodies (the calls API and the contracts API alike)."""

from collections.abc import Callable

from flask_babel import gettext as _

from core.api import refuse
from core.errors import amount_too_large
from core.money import MAX_FEN


def whole_number(body: dict, name: str, *, default=None, amount: bool = False,
                 refused: Callable[[str], None] | None = None) -> int:
    """A whole number of a JSON object: true is not 1, and 5.0, "5" or null are not numbers ("Enter a whole
    number."). An amount in fen above core.money.MAX_FEN is refused as too large, saying the most taken, as a form
    says of an amount typed in yuan (it was told to enter a whole number, which 10^20 is). Whether any other number
    is in range (an id, a count of participants) is the caller's or the service's to say. `refused(reason)` refuses
    under another name (a row of a list); by default the field itself is named (a 422, nothing changed)."""
    refused = refused or (lambda reason: refuse(name, reason))
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        refused(_("Enter a whole number."))
    if amount and value > MAX_FEN:
        refused(amount_too_large())
    return value
