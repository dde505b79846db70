"""Reading a score sheet from an HTML form (`c<criterion id>` in points, `comment<criterion id>`), for every kind of
sheet, then saving (and, when asked, submitting) it through the engine."""

from flask_babel import gettext as _

from core.errors import ServiceError, invalid
from core.numbers import NumberError, parse_decimal

from . import score_sheets
from .enums import SheetStatus

HALF_POINTS = "Scores are numbers in half points, such as 7 or 7.5."


def parse_half_points(raw: str) -> int | None:
    """'7.5', '7．5', '７.５' -> 15; empty or blank -> None (not yet scored). A score is read as typed by
    core.numbers.parse_decimal (one decimal at most: '7.25' is refused, never rounded; no '1e1', '1_0', 'NaN'), then
    must be a half point: anything else is refused, never read as another score. The range is the engine's."""
    if raw is None or not raw.strip():
        return None
    try:
        value = parse_decimal(raw, places=1, maximum=1000) * 2
    except NumberError as exc:
        raise ServiceError(_(HALF_POINTS)) from exc
    if value != value.to_integral_value():
        raise ServiceError(_(HALF_POINTS))
    return int(value)


def read_entries(criteria, form, *, submitting: bool = False) -> dict[int, tuple[int | None, str]]:
    """criterion id -> (half points or None, comment); a score that is not a half point is refused beside its
    criterion (`c<id>`), every such score at once, and with them every other reason of the sheet (it said a score
    out of range only on the next attempt)."""
    entries, errors = {}, {}
    for c in criteria:
        try:
            entries[c.id] = (parse_half_points(form.get(f"c{c.id}")), form.get(f"comment{c.id}", ""))
        except ServiceError as exc:
            errors[f"c{c.id}"] = exc.message
    if errors:  # with what the engine would refuse in the rest (a score out of range, a comment missing), at once
        try:
            score_sheets.validate_entries(criteria, entries, submitting=submitting)
        except ServiceError as exc:
            errors = exc.fields | errors
        raise invalid(errors)
    return entries


def save_from_form(sheet, criteria, form, *, actor) -> None:
    """Save (and, when asked, submit) as typed. The form carries the fingerprint of the entries it showed
    (`fingerprint`, score_sheets.require_fresh): a save over entries saved elsewhere since is refused; a form without
    the field (none of ours) is not checked."""
    submitting = form.get("action") == "submit"
    score_sheets.save_scores(sheet, read_entries(criteria, form, submitting=submitting), actor=actor,
                             fingerprint=form.get("fingerprint"), submitting=submitting)
    if submitting:
        score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=actor)


def refusal(exc: ServiceError, criteria) -> tuple[str, dict[str, str]]:
    """A refused sheet as the page shows it: the sentence above the form (the message, with any reason not tied to
    a criterion) and the reasons beside the criteria, keyed as the inputs are named (`c<id>`, `comment<id>`); a
    stale save's reason under `fingerprint` (the form then offers to reload the sheet)."""
    names = {f"{prefix}{c.id}" for c in criteria for prefix in ("c", "comment")} | {"fingerprint"}
    beside = {name: str(reason) for name, reason in exc.fields.items() if name in names}
    elsewhere = [str(reason) for name, reason in exc.fields.items() if name not in names]
    return " ".join(dict.fromkeys([str(exc.message), *elsewhere])), beside
