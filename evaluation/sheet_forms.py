"""Reading a score sheet from an HTML form (`c<criterion id>` in points, `comment<criterion id>`), for every kind of
sheet, then saving (and, when asked, submitting) it through the engine."""

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from core.errors import ServiceError

from . import services
from .enums import SheetStatus

HALF_POINTS = "Scores are numbers in half points, such as 7 or 7.5."


def parse_half_points(raw: str) -> int | None:
    """'7.5' -> 15; empty -> None (not yet scored); anything else that is not a finite half point is refused."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw) * 2
    except InvalidOperation as exc:
        raise ServiceError(_(HALF_POINTS)) from exc
    if not value.is_finite() or value != value.to_integral_value() or abs(value) > 1000:
        raise ServiceError(_(HALF_POINTS))
    return int(value)


def save_from_form(sheet, criteria, form, *, actor) -> None:
    entries = {c.id: (parse_half_points(form.get(f"c{c.id}")), form.get(f"comment{c.id}", "")) for c in criteria}
    services.save_scores(sheet, entries, actor=actor)
    if form.get("action") == "submit":
        services.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=actor)
