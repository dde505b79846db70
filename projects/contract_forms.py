"""Reading the contract pages' forms into service inputs; what cannot be read is a ServiceError on its field."""

import re
from datetime import date

from flask_babel import gettext as _

from core.errors import ServiceError
from core.money import MoneyError, half_width, parse_yuan
from core.views import db_int

from .contract_changes import ChangeInput
from .contract_reports import (
    ActivityInput,
    FeeInput,
    ReportInput,
    output_problem,
    output_rule,
)
from .contracts import MilestonePlan

ACTIVITY_ROWS = 3
FEE_ROWS = 4
INVALID = "Please correct the marked fields."


def _refuse(field: str, message: str):
    raise ServiceError(_(INVALID), fields={field: message})


def _read_date(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _read_whole(text: str) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None


def _read_yuan(text: str) -> int | None:
    try:
        return parse_yuan(text)
    except MoneyError:
        return None


def _date(text: str, field: str) -> date:
    if (value := _read_date(text)) is None:
        _refuse(field, _("Dates are YYYY-MM-DD."))
    return value


def _whole(text: str, field: str) -> int:
    if (value := _read_whole(text)) is None:
        _refuse(field, _("Enter a whole number."))
    return value


def _yuan(text: str, field: str) -> int:
    if (value := _read_yuan(text)) is None:
        _refuse(field, _("Enter the amount in yuan, e.g. 800 or 800.50."))
    return value


def read_plan(milestones: str, percents: str) -> tuple[list[MilestonePlan], list[int]]:
    """The drawing-up form's milestones (one per line: title | YYYY-MM-DD | deliverables | evidence) and tranche
    shares ("40,30,30"), for contracts.draft_contract; what cannot be read is refused on its field, both at once."""
    plans, errors = [], {}
    for number, line in enumerate((milestones or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or (due := _read_date(parts[1])) is None:
            errors["milestones"] = _("Line %(n)d: write 'title | YYYY-MM-DD | deliverables | evidence'.", n=number)
            break
        plans.append(MilestonePlan(parts[0], due, *(parts[2:4] + ["", ""])[:2]))
    shares = [p.strip() for p in half_width(percents or "").split(",") if p.strip()]
    if all(re.fullmatch(r"\d{1,3}", p, re.ASCII) for p in shares):
        shares = [int(p) for p in shares]
    else:
        errors["percents"] = _("Tranche shares are whole numbers separated by commas, e.g. 40,30,30.")
    if errors:
        raise ServiceError(_(INVALID), fields=errors)
    return plans, shares


def _files(files, name: str) -> list:
    return [f for f in files.getlist(name) if f and f.filename]


def _activity(form, files, i: int) -> ActivityInput:
    """Row i of the activities (from 0); a date or count that cannot be read is None, which the service refuses
    together with the row's other reasons."""
    return ActivityInput(_read_date(form.get(f"activity-{i}-date")), form.get(f"activity-{i}-place", ""),
                         _read_whole(form.get(f"activity-{i}-participants")),
                         form.get(f"activity-{i}-description", ""), _files(files, f"activity-{i}-photos"), row=i + 1)


def _fee(form, i: int) -> FeeInput:
    """Row i of the fees (from 0); an amount or date that cannot be read is None (refused by the service)."""
    return FeeInput(form.get(f"fee-{i}-kind", ""), form.get(f"fee-{i}-name", ""),
                    _read_yuan(form.get(f"fee-{i}-amount")), _read_date(form.get(f"fee-{i}-paid_on")),
                    phone=form.get(f"fee-{i}-phone", ""), username=form.get(f"fee-{i}-username", ""), row=i + 1)


def report_input(form, files, contract) -> ReportInput:
    """The report form read into the service's input. An output that cannot be read is left out and named in
    `unread`; activity and fee rows go in whole, what cannot be read in them as None. The service refuses all of it
    with its own reasons, every reason of every row, so the manager corrects them together, attaching the files once
    more, not once per reason."""
    errors: dict[str, list[str]] = {"outputs": []}
    outputs = {}
    for i, target in enumerate(contract.outputs or []):
        if (form.get(f"output-{i}") or "").strip():
            indicator = target.get("indicator", "")
            if (value := _read_whole(form.get(f"output-{i}"))) is None:
                errors["outputs"].append(output_problem(indicator, output_rule()))
            else:
                outputs[indicator] = value
    activities = [_activity(form, files, i) for i in range(ACTIVITY_ROWS)
                  if (form.get(f"activity-{i}-place") or "").strip()]
    fees = [_fee(form, i) for i in range(FEE_ROWS)
            if any((form.get(f"fee-{i}-{k}") or "").strip() for k in ("name", "username", "phone"))]
    return ReportInput(form.get("narrative", ""), outputs, activities, _files(files, "evidence"), fees,
                       unread={name: found for name, found in errors.items() if found})


def expense_input(form) -> tuple[date, str, int]:
    """The contract page's expense form read: (spent on, payee, amount in fen); a date or amount that cannot be read
    is refused on its field, both at once."""
    errors = {}
    if (spent_on := _read_date(form.get("spent_on"))) is None:
        errors["spent_on"] = _("Dates are YYYY-MM-DD.")
    if (amount := _read_yuan(form.get("amount"))) is None:
        errors["amount"] = _("Enter the amount in yuan, e.g. 800 or 800.50.")
    if errors:
        raise ServiceError(_(INVALID), fields=errors)
    return spent_on, form.get("payee", ""), amount


def change_input(form) -> ChangeInput:
    kind = form.get("kind", "")
    if kind == "budget":
        return ChangeInput(kind, form.get("reason", ""), from_line_id=form.get("from_line_id", type=db_int),
                           to_line_id=form.get("to_line_id", type=db_int),
                           amount_fen=_yuan(form.get("amount"), "amount"))
    if kind == "schedule":
        return ChangeInput(kind, form.get("reason", ""), milestone_id=form.get("milestone_id", type=db_int),
                           new_due_on=_date(form.get("new_due_on"), "new_due_on"))
    return ChangeInput(kind, form.get("reason", ""))


def line_budgets(form, contract) -> dict[int, int]:
    return {line.id: _yuan(form.get(f"line-{line.id}"), "lines") for line in contract.lines}
