"""Reading the contract pages' forms into service inputs; what cannot be read is a ServiceError on its field."""

from datetime import date

from flask_babel import gettext as _

from core.errors import ServiceError
from core.money import MoneyError, parse_yuan
from core.views import db_int

from .contract_changes import ChangeInput
from .contract_reports import ActivityInput, FeeInput, ReportInput

ACTIVITY_ROWS = 3
FEE_ROWS = 4
INVALID = "Please correct the marked fields."


def _refuse(field: str, message: str):
    raise ServiceError(_(INVALID), fields={field: message})


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        _refuse(field, _("Dates are YYYY-MM-DD."))


def _whole(text: str, field: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        _refuse(field, _("Enter a whole number."))


def _yuan(text: str, field: str) -> int:
    try:
        return parse_yuan(text)
    except MoneyError:
        _refuse(field, _("Enter the amount in yuan, e.g. 800 or 800.50."))


def _files(files, name: str) -> list:
    return [f for f in files.getlist(name) if f and f.filename]


def report_input(form, files, contract) -> ReportInput:
    outputs = {}
    for i, target in enumerate(contract.outputs or []):
        if (form.get(f"output-{i}") or "").strip():
            outputs[target.get("indicator", "")] = _whole(form.get(f"output-{i}"), "outputs")
    activities = [ActivityInput(_date(form.get(f"activity-{i}-date"), "activities"),
                                form.get(f"activity-{i}-place", ""),
                                _whole(form.get(f"activity-{i}-participants"), "activities"),
                                form.get(f"activity-{i}-description", ""), _files(files, f"activity-{i}-photos"),
                                row=i + 1)
                  for i in range(ACTIVITY_ROWS) if (form.get(f"activity-{i}-place") or "").strip()]
    fees = [FeeInput(form.get(f"fee-{i}-kind", ""), form.get(f"fee-{i}-name", ""),
                     _yuan(form.get(f"fee-{i}-amount"), "fees"), _date(form.get(f"fee-{i}-paid_on"), "fees"),
                     phone=form.get(f"fee-{i}-phone", ""), username=form.get(f"fee-{i}-username", ""), row=i + 1)
            for i in range(FEE_ROWS)
            if any((form.get(f"fee-{i}-{k}") or "").strip() for k in ("name", "username", "phone"))]
    return ReportInput(form.get("narrative", ""), outputs, activities, _files(files, "evidence"), fees)


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
