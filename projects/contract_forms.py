"""Reading the contract pages' forms into service inputs; what cannot be read is a ServiceError on its field."""

import re
from dataclasses import dataclass, field
from datetime import date

from flask import flash
from flask_babel import gettext as _
from wtforms.validators import Optional

from core.errors import ServiceError, invalid
from core.forms import MoneyField, read_amount
from core.i18n import _l
from core.money import MAX_FEN, AmountTooLarge, MoneyError, half_width, parse_yuan
from core.numbers import NumberError, parse_whole
from core.timeutil import local_today
from core.views import db_int

from .advance_payment import advance_row_problem
from .contract_changes import ChangeInput
from .contract_models import TrancheKind
from .contract_report_input import (
    ActivityInput,
    FeeInput,
    ReportInput,
    output_problem,
    output_rule,
)
from .contracts import MilestonePlan, period_errors
from .forms import ContractDraftForm

ACTIVITY_ROWS = 3
FEE_ROWS = 4


def _refuse(field: str, message: str):
    raise invalid({field: message})


def _read_date(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _read_whole(text: str) -> int | None:
    """A whole number as typed ('1,200', '１２００'; core.numbers), else None."""
    try:
        return parse_whole(text or "")
    except NumberError:
        return None


def _read_yuan(text: str) -> int | None:
    try:
        return parse_yuan(text)
    except AmountTooLarge:
        return MAX_FEN + 1  # a number, for the service to say it is too large
    except MoneyError:
        return None


def _read_fee_amount(text: str | None) -> int | None:
    """A fee's amount in fen. A negative one ('-500', '－５００', '-¥500') is read as one, for the service to say that
    it must be above zero, as it says of 0 (parse_yuan refuses it as no amount: the row was told to enter an amount
    in yuan, which -500 is). What cannot be read, signed or not, is None."""
    if (amount := _read_yuan(text)) is not None:
        return amount
    unsigned = half_width(text or "").strip().removeprefix("¥")
    if unsigned.startswith("-") and (magnitude := _read_yuan(unsigned[1:])) is not None:
        return -magnitude
    return None


def _date(text: str, field: str) -> date:
    if (value := _read_date(text)) is None:
        _refuse(field, _("Dates are YYYY-MM-DD."))
    return value


def _whole(text: str, field: str) -> int:
    if (value := _read_whole(text)) is None:
        _refuse(field, _("Enter a whole number."))
    return value


def _read_amount(text: str) -> tuple[int | None, str]:
    """(fen, "") for an amount as typed, else (None, why), saying by example what an amount in yuan is."""
    return read_amount(text, _("Enter the amount in yuan, e.g. 800 or 800.50."))


def _yuan(text: str, field: str) -> int:
    value, why = _read_amount(text)
    if value is None:
        _refuse(field, why)
    return value


FINAL = "final"  # a tranche's milestone: none, it is paid after the final evaluation
ADVANCE = "advance"  # none either: it is paid once the contract is in force (advance_payment)
SPARE_ROWS = 2  # empty rows shown after the typed ones (the page's script adds more; without it, send and get more)
MILESTONE_INPUTS = ("title", "due_on", "deliverables", "evidence")
TRANCHE_INPUTS = ("percent", "milestone")
MAX_TITLE = 200  # the column's width
_ROW_INPUT = re.compile(r"(milestone|tranche)-(\d{1,2})-(\w+)", re.ASCII)  # row numbers 0 to 99


@dataclass
class PlanRows:
    """The drawing-up form's milestone and tranche rows as typed (each a dict of its inputs), without the empty ones
    and numbered again 0, 1, ... in their order, a tranche's milestone with them; a tranche row with only its
    milestone chosen is no tranche but keeps its place. `lost`: the rows whose milestone was an empty row or none at
    all. `first` is the first visit's plan: two milestones, a tranche for each and one after the final evaluation."""

    milestones: list[dict] = field(default_factory=list)
    tranches: list[dict] = field(default_factory=list)
    lost: set[int] = field(default_factory=set)
    first: bool = False

    def milestone_rows(self) -> list[dict]:
        return self.milestones + [dict.fromkeys(MILESTONE_INPUTS, "") for _ in range(SPARE_ROWS)]

    def shared(self) -> list[tuple[int, dict]]:
        """The tranches: the rows with a share, by their number on the page."""
        return [(k, row) for k, row in enumerate(self.tranches) if row["percent"].strip()]

    def tranche_rows(self) -> list[dict]:
        if self.first:
            return [{"percent": "", "milestone": link} for link in ("0", "1", FINAL)]
        unshared = len(self.tranches) - len(self.shared())
        spare = max(SPARE_ROWS - unshared, 0)  # (the first visit's rows sent back unshared: as they were)
        return self.tranches + [dict.fromkeys(TRANCHE_INPUTS, "") for _ in range(spare)]


FIRST_VISIT = PlanRows(first=True)


def _unshared_link(chosen: str, renumbered: dict[str, str], typed: int) -> str:
    """The milestone an unshared tranche row chose, as the page shown again numbers its rows: a typed milestone by
    its new number, an empty one as the empty row shown in its place after them (so the first visit's rows, sent
    back with nothing typed, come back as they were), the final evaluation as itself; else none."""
    if chosen in (FINAL, ADVANCE) or chosen in renumbered:
        return renumbered.get(chosen, chosen)
    if chosen.isdigit():
        empty_before = int(chosen) - sum(int(k) < int(chosen) for k in renumbered)  # empty rows sent before it
        if empty_before < SPARE_ROWS:
            return str(typed + empty_before)
    return ""


def plan_rows(posted) -> PlanRows:
    """The rows of the posted form. A milestone row is empty when all its inputs are; a tranche row when its share
    is (the milestone chosen alone is not a tranche: the first visit's rows come with theirs chosen)."""
    found: dict[str, dict[int, dict]] = {"milestone": {}, "tranche": {}}
    for key in posted:
        if (match := _ROW_INPUT.fullmatch(key)) and match[3] in (MILESTONE_INPUTS + TRANCHE_INPUTS):
            found[match[1]].setdefault(int(match[2]), {})[match[3]] = posted.get(key) or ""
    rows, renumbered = PlanRows(), {}
    for number, typed in sorted(found["milestone"].items()):
        row = {name: typed.get(name, "") for name in MILESTONE_INPUTS}
        if any(value.strip() for value in row.values()):
            renumbered[str(number)] = str(len(rows.milestones))
            rows.milestones.append(row)
    for _number, typed in sorted(found["tranche"].items()):
        row = {name: typed.get(name, "") for name in TRANCHE_INPUTS}
        if not row["percent"].strip():  # not a tranche; its milestone chosen is kept, in its place, for the page
            if link := _unshared_link(row["milestone"], renumbered, len(rows.milestones)):
                rows.tranches.append({"percent": "", "milestone": link})
            continue
        if row["milestone"] not in ("", FINAL, ADVANCE):
            if row["milestone"] not in renumbered:
                rows.lost.add(len(rows.tranches))
            row["milestone"] = renumbered.get(row["milestone"], "")
        rows.tranches.append(row)
    return rows


def _share(text: str) -> int | None:
    text = half_width(text or "").strip().removesuffix("%").strip()
    return int(text) if re.fullmatch(r"\d{1,3}", text, re.ASCII) else None


def _misplaced(rows: PlanRows, starts_on: date | None, ends_on: date | None) -> dict:
    """What the service would refuse about the milestones (a title, a due date outside the period), by row: where
    its refusal of them all ("milestones") is shown. The period only when both its dates could be read."""
    problems, period = {}, starts_on and ends_on and starts_on <= ends_on
    for i, row in enumerate(rows.milestones):
        title, due = row["title"].strip(), _read_date(half_width(row["due_on"]))
        if not title:
            problems[f"milestone-{i}-title"] = _("Give the milestone a title.")
        elif len(title) > MAX_TITLE:
            problems[f"milestone-{i}-title"] = _("At most %(n)d characters.", n=MAX_TITLE)
        if due and period and not starts_on <= due <= ends_on:
            problems[f"milestone-{i}-due_on"] = _("The due date falls within the contract period, %(start)s to "
                                                  "%(end)s.", start=starts_on.isoformat(), end=ends_on.isoformat())
    return problems


def _unread(rows: PlanRows) -> tuple[dict, list[MilestonePlan], dict, dict, list, list]:
    """What cannot be given to the service: a due date, a share, a tranche's milestone; with the milestones, the
    shares (by row number) and which tranche is paid after which milestone (by number), after the final evaluation
    and in advance."""
    errors, plans, shares, paid_after, final, advance = {}, [], {}, {}, [], []
    for i, row in enumerate(rows.milestones):
        typed_due = half_width(row["due_on"]).strip()
        if (due := _read_date(typed_due)) is None:
            errors[f"milestone-{i}-due_on"] = _("Dates are YYYY-MM-DD.") if typed_due else _("Enter the due date.")
        plans.append(MilestonePlan(row["title"].strip(), due, row["deliverables"].strip(), row["evidence"].strip()))
    for k, row in rows.shared():
        share, link, key, first = _share(row["percent"]), row["milestone"], f"tranche-{k}-milestone", not shares
        if share is None:
            errors[f"tranche-{k}-percent"] = _("Enter the share as a whole number of percent, e.g. 40.")
        elif share == 0:
            errors[f"tranche-{k}-percent"] = _("Every tranche needs a share above zero.")
        shares[k] = share
        if k in rows.lost:
            errors[key] = _("The milestone chosen is empty: choose one that is filled in.")
        elif not link:
            errors[key] = _("Choose what this tranche is paid after: the contract in force, a milestone or the final "
                            "evaluation.")
        elif link == ADVANCE:
            errors |= advance_row_problem(k, share, advance, first=first)
            advance.append(k)
        elif link == FINAL:
            if final:
                errors[key] = _("Only one tranche is paid after the final evaluation.")
            final.append(k)
        elif link in paid_after:
            errors[key] = _("Milestone %(n)d already has a tranche: each milestone has one.", n=int(link) + 1)
        else:
            paid_after[link] = k
    if not plans:
        errors["milestones"] = [_("Add at least one milestone.")]
    return errors | _untranched(rows, len(plans), paid_after, final, advance), plans, shares, paid_after, final, advance


def _untranched(rows: PlanRows, milestones: int, paid_after: dict, final: list, advance: list) -> dict:
    """What no tranche is paid for: a milestone, the final evaluation, an advance chosen without a share. Where a row
    chose it but has no share (shown again in its place), the reason is its share, beside it; else the milestone's
    row, or the tranches' section for the last tranche."""
    unshared: dict[str, int] = {}
    for k, row in enumerate(rows.tranches):
        if not row["percent"].strip():
            unshared.setdefault(row["milestone"], k)
    errors, share_missing = {}, _("Enter the share as a whole number of percent, e.g. 40.")
    for link in (str(i) for i in range(milestones) if str(i) not in paid_after):
        if link in unshared:
            errors[f"tranche-{unshared[link]}-percent"] = share_missing
        else:
            errors[f"milestone-{link}"] = _("No tranche is paid after this milestone: choose it in one of the "
                                            "tranches.")
    if not final and FINAL in unshared:
        errors[f"tranche-{unshared[FINAL]}-percent"] = share_missing
    elif not final:
        errors["tranches"] = [_("Add the last tranche, paid after the final evaluation.")]
    if not advance and ADVANCE in unshared:  # its share, and its place if a tranche comes before it
        k = unshared[ADVANCE]
        errors[f"tranche-{k}-percent"] = share_missing
        errors |= advance_row_problem(k, None, [], first=all(j > k for j, _row in rows.shared()))
    return errors


def read_plan(rows: PlanRows, starts_on: date | None,
              ends_on: date | None) -> tuple[list[MilestonePlan], list[int], int | None]:
    """The rows read for contracts.draft_contract: the milestones in their order, the tranches' shares, one per
    milestone in the milestones' order and the last paid after the final evaluation, and the advance's share (None:
    no advance; at most one, in the first row, up to ADVANCE_CAP_PERCENT). What cannot be read is refused
    beside its input (milestone-<n>-<input>, tranche-<n>-<input>), its row (milestone-<n>) or its section
    (tranches), and with it what the service would refuse in the rows (a title, a due date outside the period, the
    shares' total), all at once; the rest is left to the service."""
    errors, plans, shares, paid_after, final, advance = _unread(rows)
    if errors:
        if None not in shares.values() and sum(shares.values()) != 100:
            errors.setdefault("tranches", []).append(
                _("The tranche percentages must add up to exactly 100 (now %(n)d).", n=sum(shares.values())))
        raise invalid(_misplaced(rows, starts_on, ends_on) | errors)
    return (plans, [shares[paid_after[str(i)]] for i in range(len(plans))] + [shares[final[0]]],
            shares[advance[0]] if advance else None)


class ContractTermsForm(ContractDraftForm):
    """The drawing-up form with the contract amount, at most the award's: drawing up and editing a draft
    (contract_drafts.edit_draft) use it alike. It is filled in; left empty (or not sent, as before it was asked)
    the amount stays as it is: the award's when drawing up."""

    amount = MoneyField(_l("Contract amount (yuan)"), validators=[Optional()])


def draft_input(form, rows: PlanRows, decision) -> dict:
    """The drawing-up form read as the keyword arguments of contracts.draft_contract and
    contract_drafts.edit_draft (starts_on, ends_on, milestones, percents, clauses, amount_fen). The form's own
    checks and the rows' are made together, with the period's when rows are refused (it was said only on the next
    attempt, once the rows were right); the first are already beside their fields, the others are refused by name
    (show_refusal places them)."""
    valid = form.validate()
    try:
        plan, errors = read_plan(rows, form.starts_on.data, form.ends_on.data), {}
    except ServiceError as exc:
        errors = exc.fields
    if valid and errors:
        errors = period_errors(decision, form.starts_on.data, form.ends_on.data, local_today()) | errors
    if not valid or errors:
        raise invalid(errors)
    return {"starts_on": form.starts_on.data, "ends_on": form.ends_on.data, "milestones": plan[0],
            "percents": plan[1], "clauses": form.clauses.data, "amount_fen": form.amount.data,
            "advance_percent": plan[2]}


def contract_rows(contract) -> PlanRows:
    """A draft's milestones and tranches as the drawing-up form's rows, to edit them."""
    milestones = [{"title": m.title, "due_on": m.due_on.isoformat(), "deliverables": m.deliverables,
                   "evidence": m.evidence_required} for m in contract.milestones]
    number = {m.id: str(i) for i, m in enumerate(contract.milestones)}
    kinds = {TrancheKind.ADVANCE: ADVANCE, TrancheKind.FINAL: FINAL}
    tranches = [{"percent": str(t.percent), "milestone": number.get(t.milestone_id) or kinds[TrancheKind(t.kind)]}
                for t in contract.tranches]
    return PlanRows(milestones=milestones, tranches=tranches)


_SECTIONS = {"percents": "tranches"}  # the service's name of a section, the page's


def show_refusal(form, refusal: ServiceError, rows: PlanRows) -> dict[str, list[str]]:
    """A refused drawing-up shown: a field of the form gets its reasons; a row's or a section's are handed back by
    name, for the page to show beside the input, row or section. The service's refusal of the milestones is shown
    beside the rows it is about, when they can be told. The refusal's message is flashed."""
    fields = dict(refusal.fields)
    if "advance" in fields:  # (the service's name for the advance's share: its row's input)
        row = next((k for k, t in rows.shared() if t["milestone"] == ADVANCE), 0)
        fields.setdefault(f"tranche-{row}-percent", fields.pop("advance"))
    if "milestones" in fields and (by_row := _misplaced(rows, form.starts_on.data, form.ends_on.data)):
        del fields["milestones"]
        fields |= by_row
    beside: dict[str, list[str]] = {}
    for name, reasons in fields.items():
        reasons = [str(r) for r in (reasons if isinstance(reasons, list | tuple) else [reasons])]
        if name in form:
            form[name].errors = [*form[name].errors, *reasons]
        else:
            beside.setdefault(_SECTIONS.get(name, name), []).extend(reasons)
    flash(str(refusal.message), "danger")
    return beside


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
                    _read_fee_amount(form.get(f"fee-{i}-amount")), _read_date(form.get(f"fee-{i}-paid_on")),
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
    amount, why = _read_amount(form.get("amount"))
    if amount is None:
        errors["amount"] = why
    if errors:
        raise invalid(errors)
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
