"""Contracts over the JSON API (token only): an organisation's contracts, milestones, reports and expenses, read and
submitted; signing a contract; the officers' view of a project and their watch list. Same services and checks as the
pages."""

from contextlib import contextmanager
from datetime import date

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import api_blueprint, api_user, id_field, json_and_files, json_object, page_args, query_page, text_field
from core.db import db
from core.errors import Forbidden, ServiceError, invalid
from core.openapi import (
    PAGING,
    api_doc,
    array,
    body,
    fen,
    identifier,
    integer,
    iso_date,
    list_of,
    page_of,
    record,
    string,
)
from core.paging import count_of
from orgs import permissions as org_permissions

from . import (
    contract_changes,
    contract_money,
    contract_report_input,
    contract_reports,
    contract_watch,
    contracts,
    fee_receipts,
    permissions,
)
from .api_fields import whole_number
from .contract_change_models import ChangeKind, ChangeStatus
from .contract_models import (
    Contract,
    ContractLine,
    ContractStatus,
    Expense,
    Milestone,
    MilestoneReport,
)
from .contract_report_models import ActivityRecord, FeePayment, ReceiptStatus
from .contract_shapes import (
    CONTRACT,
    EXPENSE,
    FEE,
    REPORT,
    REPORT_FIELDS,
    REPORT_IN,
    REPORT_MULTIPART,
    SUMMARY,
    contract_json,
    expense_json,
    fee_json,
    report_json,
    summary_json,
)
from .contract_views import can_view, member_org_ids

bp = api_blueprint("contracts_api")


def _bad(field: str, message: str):
    raise invalid({field: message})


# A value in a row of a list is refused under the list's name, the reason naming the row (from 1), as the service
# names them: the request has no field called `participants` or `paid_on`, only `activities` and `fees`.
ROW_PROBLEM = {"activities": contract_report_input.activity_row_problem, "fees": contract_report_input.fee_row_problem}


def _refuse(name: str, reason: str, row: tuple[str, int] | None):
    if row is None:
        _bad(name, reason)
    rows, index = row
    _bad(rows, ROW_PROBLEM[rows](index + 1, reason))


def _date(body: dict, name: str, row: tuple[str, int] | None = None) -> date:
    try:
        return date.fromisoformat(str(body.get(name) or ""))
    except ValueError:
        _refuse(name, _("Dates are YYYY-MM-DD."), row)


def _int(body: dict, name: str, row: tuple[str, int] | None = None, *, amount: bool = False) -> int:
    return whole_number(body, name, amount=amount, refused=lambda reason: _refuse(name, reason, row))


def _text(body: dict, name: str, field: str | None = None) -> str:
    return text_field(body, name, field=field)


def _objects(body: dict, name: str) -> list[dict]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        _bad(name, _("A list of objects."))
    return value


# The services name an amount as the pages' forms do (`amount`, typed in yuan); over the API the field is
# `amount_fen`, and a refusal names each field as the request did.
API_FIELDS = {"amount": "amount_fen"}


@contextmanager
def api_field_names(names: dict[str, str] = API_FIELDS):
    try:
        yield
    except ServiceError as exc:
        exc.fields = {names.get(name, name): reason for name, reason in exc.fields.items()}
        raise


def _load(contract_id: int) -> Contract:
    api_user()
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can_view(contract):
        abort(404)
    return contract


@bp.route("/contracts")
@api_doc("List contracts", tag="Contracts", response=page_of(SUMMARY), query=PAGING,
         description="The contracts of the token's user's organisations; officers and auditors see all. Newest "
                     "first.")
def list_contracts():
    api_user()
    page, per_page = page_args()
    org_ids = member_org_ids(current_user)
    mine = [Contract.org_id.in_(org_ids)] if org_ids is not None else []  # staff see all
    stmt = select(Contract).where(*mine).order_by(Contract.id.desc())
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page))
    return jsonify({"items": [summary_json(c) for c in rows], "page": page, "per_page": per_page,
                    "total": count_of(stmt)})


@bp.route("/contracts/watch")
@api_doc("The officers' watch list", tag="Contracts", errors=[403],
         query={"page": integer("Page of the projects list, from 1.", minimum=1)},
         description="For officers and auditors: counts, then the first items of each list (overdue milestones, "
                     "reports waiting, tranches payable, fee receipts denied or unconfirmed).",
         response=record(counts=record(overdue=integer(minimum=0), waiting=integer(minimum=0),
                                       payable=integer(minimum=0), receipts=integer(minimum=0),
                                       projects=integer(minimum=0)),
                         overdue=array(record(contract_id=identifier(), milestone=string(), due_on=iso_date())),
                         waiting=array(record(contract_id=identifier(), milestone=string())),
                         payable=array(record(contract_id=identifier(), amount_fen=fen())),
                         receipts=array(record(contract_id=identifier(), recipient=string(),
                                               status=string(enum=ReceiptStatus)))))
def watch():
    """The officers' (and auditors') watch list: counts and the first items of each list."""
    api_user()
    if not org_permissions.is_staff(current_user):
        abort(403)
    board = contract_watch.dashboard(query_page())  # a malformed page: a 422, as on every list of the API
    return jsonify({"counts": board.counts,
                    "overdue": [{"contract_id": r.contract_id, "milestone": r.milestone, "due_on": r.due_on.isoformat()}
                                for r in board.overdue],
                    "waiting": [{"contract_id": r.contract_id, "milestone": r.milestone} for r in board.waiting],
                    "payable": [{"contract_id": r.contract_id, "amount_fen": r.amount_fen} for r in board.payable],
                    "receipts": [{"contract_id": r.contract_id, "recipient": r.recipient_name, "status": r.status}
                                 for r in board.receipts]})


@bp.route("/contracts/<int:contract_id>")
@api_doc("A contract", tag="Contracts", response=CONTRACT,
         description="For the organisation's members and the officers; a 404 to anyone else. To a signer who has "
                     "yet to confirm it, with the `terms_digest` to send when confirming.")
def get_contract(contract_id: int):
    return jsonify(contract_json(_load(contract_id), current_user))


# The service names the digest as the confirmation page's form does (the tick beside the terms).
CONFIRM_FIELDS = {"acknowledged": "terms_digest"}


@bp.route("/contracts/<int:contract_id>/confirm", methods=["POST"])
@api_doc("Confirm (sign) a contract", tag="Contracts", response=CONTRACT, errors=[403, 409],
         description="By the organisation's manager or an officer, each once, while the contract awaits signatures; "
                     "the second confirmation makes it active. Send the `terms_digest` of the contract as you read "
                     "it (GET the contract): if the terms changed since (an officer rebalanced the budget lines), "
                     "the confirmation is refused (409, code `terms_changed`) and nothing is signed; read the "
                     "contract again. A user with nothing to confirm on it (not a signer, or their side has "
                     "confirmed) gets a 403; a contract no longer awaiting signatures, a 409.",
         request=body(required=["terms_digest"],
                      terms_digest=string(64, "The contract's `terms_digest`, as GET gave it.")))
def confirm(contract_id: int):
    contract = _load(contract_id)
    # Who may sign is asked first (the service asks it again, under the row lock), so a non-signer gets a 403
    # whatever the body holds; a contract no longer awaiting signatures is the service's refusal (409).
    if contract.status == ContractStatus.DRAFT and not permissions.can_confirm_contract(current_user, contract):
        raise Forbidden(_("You have nothing to confirm on this contract."))
    terms = text_field(json_object(), "terms_digest", max_length=64)
    if not terms:
        _bad("terms_digest", _("Send the contract's terms_digest, as GET /api/v1/contracts/%(id)d gives it: you "
                               "confirm the terms you read.", id=contract.id))
    with api_field_names(CONFIRM_FIELDS):
        contracts.confirm(contract, actor=current_user, terms=terms)
    db.session.commit()
    return jsonify(contract_json(contract, current_user))


@bp.route("/contracts/<int:contract_id>/reports")
@api_doc("A contract's progress reports", tag="Contracts", response=list_of(REPORT))
def list_reports(contract_id: int):
    contract = _load(contract_id)
    rows = db.session.scalars(select(MilestoneReport).join(Milestone).where(Milestone.contract_id == contract.id)
                              .options(selectinload(MilestoneReport.activities).selectinload(ActivityRecord.photos),
                                       selectinload(MilestoneReport.evidence_files),
                                       selectinload(MilestoneReport.fees)).order_by(MilestoneReport.id))
    return jsonify({"items": [report_json(r) for r in rows]})


@bp.route("/milestones/<int:milestone_id>/reports", methods=["POST"])
@api_doc("Report on a milestone", tag="Contracts", status=201, errors=[403, 409], request=REPORT_IN,
         multipart=REPORT_MULTIPART, response=record(contract_id=identifier(), **REPORT_FIELDS),
         description="By a manager of the organisation, on an active contract, when the milestone has no report "
                     "waiting or accepted. Every refused row is named at once in `fields`.")
def submit_report(milestone_id: int):
    """JSON, or multipart/form-data with the JSON in a `data` field and files in `evidence` and
    `activity-<n>-photos` (n counting the activities from 0)."""
    milestone = db.session.get(Milestone, milestone_id) or abort(404)
    contract = _load(milestone.contract_id)
    body, files = json_and_files()
    outputs = body.get("outputs", {})
    if not isinstance(outputs, dict):
        _bad("outputs", _("An object of indicator: number achieved."))
    # Text must be text (a number or a list is refused, never stored as its Python repr); its length is the
    # service's to check, as for the form.
    activities = [contract_report_input.ActivityInput(_date(a, "held_on", ("activities", i)),
                                                      _text(a, "place", "activities"),
                                                      _int(a, "participants", ("activities", i)),
                                                      _text(a, "description", "activities"),
                                                      files.getlist(f"activity-{i}-photos") if files else [])
                  for i, a in enumerate(_objects(body, "activities"))]
    fees = [contract_report_input.FeeInput(_text(f, "kind", "fees"), _text(f, "name", "fees"),
                                           _int(f, "amount_fen", ("fees", i), amount=True),
                                           _date(f, "paid_on", ("fees", i)),
                                           phone=_text(f, "phone", "fees"), username=_text(f, "username", "fees"))
            for i, f in enumerate(_objects(body, "fees"))]
    data = contract_report_input.ReportInput(_text(body, "narrative"), outputs, activities,
                                             files.getlist("evidence") if files else [], fees)
    report = contract_reports.submit_report(milestone, data, actor=current_user)
    db.session.commit()
    return jsonify({"contract_id": contract.id, **report_json(report)}), 201


@bp.route("/contracts/<int:contract_id>/expenses")
@api_doc("A contract's expenses", tag="Contracts", response=page_of(EXPENSE), query=PAGING)
def list_expenses(contract_id: int):
    contract = _load(contract_id)
    page, per_page = page_args()
    stmt = select(Expense).where(Expense.contract_id == contract.id).order_by(Expense.id.desc())
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)
                              .options(selectinload(Expense.withdrawn_by)))
    return jsonify({"items": [expense_json(e) for e in rows], "page": page, "per_page": per_page,
                    "total": count_of(stmt)})


EXPENSE_IN = body(required=["line_id", "spent_on", "payee", "amount_fen"], line_id=identifier(),
                  spent_on=iso_date("Within the contract period, not in the future."), payee=string(100),
                  amount_fen=fen(minimum=1))


def _expense_input(contract: Contract, body: dict) -> tuple[ContractLine, date, str, int]:
    """An expense as sent (recorded, or a correction): its line, one of the contract's, then date, payee, amount."""
    line_id = _int(body, "line_id")
    line = db.session.get(ContractLine, line_id) if 0 < line_id < 2**31 else None
    if line is None or line.contract_id != contract.id:
        _bad("line_id", _("Choose a budget line of this contract."))
    return line, _date(body, "spent_on"), _text(body, "payee"), _int(body, "amount_fen", amount=True)


@bp.route("/contracts/<int:contract_id>/expenses", methods=["POST"])
@api_doc("Record an expense", tag="Contracts", status=201, response=EXPENSE, errors=[403, 409],
         description="By a manager of the organisation, against one of the contract's budget lines; an expense "
                     "that would take the line over its budget is a 409.",
         request=EXPENSE_IN)
def record_expense(contract_id: int):
    contract = _load(contract_id)
    line, spent_on, payee, amount_fen = _expense_input(contract, json_object())
    with api_field_names():
        expense = contract_money.record_expense(contract, line, spent_on, payee, amount_fen, None,
                                                actor=current_user)
    db.session.commit()
    return jsonify(expense_json(expense)), 201


def _managed_expense(contract_id: int, expense_id: int) -> tuple[Contract, Expense]:
    """The expense to withdraw or correct: 404 unless it is one of a contract the user may see; then 403 unless they
    manage its organisation (the service asks again), so that anyone else gets a 403 whatever the body holds."""
    contract = _load(contract_id)
    expense = db.session.get(Expense, expense_id)
    if expense is None or expense.contract_id != contract.id:
        abort(404)
    if not org_permissions.is_manager(current_user, contract.org):
        raise Forbidden(_("Only a manager of the organisation can withdraw or correct expenses."))
    return contract, expense


@bp.route("/contracts/<int:contract_id>/expenses/<int:expense_id>/withdraw", methods=["POST"])
@api_doc("Withdraw an expense", tag="Contracts", response=EXPENSE, errors=[403, 409],
         description="By a manager of the organisation, while the contract is active: an expense recorded by mistake "
                     "(a wrong amount or line, recorded twice) is withdrawn, with a reason. It is never deleted: it "
                     "stays listed with `withdrawn` set, and its amount is no longer counted as spent on its line. "
                     "Withdrawn (or corrected) already, or the contract not active: 409. To correct an expense (a "
                     "wrong amount, line, date or payee), POST the right one to its `correct` instead: the new one "
                     "is recorded and this one withdrawn together.",
         request=body(required=["reason"], reason=string(contract_money.MAX_WITHDRAWAL_REASON, min_length=1)))
def withdraw_expense(contract_id: int, expense_id: int):
    _contract, expense = _managed_expense(contract_id, expense_id)
    reason = _text(json_object(), "reason")
    contract_money.withdraw_expense(expense, reason, actor=current_user)
    db.session.commit()
    return jsonify(expense_json(expense))


@bp.route("/contracts/<int:contract_id>/expenses/<int:expense_id>/correct", methods=["POST"])
@api_doc("Correct an expense", tag="Contracts", status=201, response=EXPENSE, errors=[403, 409], request=EXPENSE_IN,
         description="By a manager of the organisation, while the contract is active: the expense as it should have "
                     "been, with the same fields as recording one, is recorded, and the old one is withdrawn "
                     "(reason `corrected by #<new id>`, `withdrawn.replaced_by_id` the new expense's id), both or "
                     "neither. The old amount is given back to its line first, so a correction on the same line may "
                     "use the room it held. The new expense keeps the old one's receipt. Answers the new expense. "
                     "Withdrawn (or corrected) already, the contract not active, or over the line's budget: 409.")
def correct_expense(contract_id: int, expense_id: int):
    contract, old = _managed_expense(contract_id, expense_id)
    line, spent_on, payee, amount_fen = _expense_input(contract, json_object())
    with api_field_names():
        new = contract_money.correct_expense(old, line, spent_on, payee, amount_fen, None, actor=current_user)
    db.session.commit()
    return jsonify(expense_json(new)), 201


@bp.route("/contracts/<int:contract_id>/changes", methods=["POST"])
@api_doc("Ask for a budget or schedule change", tag="Contracts", status=201, errors=[403, 409],
         response=record(id=identifier(), kind=string(enum=ChangeKind), status=string(enum=ChangeStatus)),
         description="By a manager of the organisation; an officer approves or rejects it. A budget change moves "
                     "an unspent amount from one line to another; a schedule change moves a milestone's date. The "
                     "contract amount itself cannot be changed once signed (409, code `amount_fixed`); before "
                     "signing, an officer corrects it, or any other term, by editing the draft.",
         request=body(required=["kind", "reason"], kind=string(enum=ChangeKind),
                      reason=string(contract_changes.MAX_REASON),
                      from_line_id=identifier("Budget change: the line the amount leaves."),
                      to_line_id=identifier("Budget change: the line it goes to."),
                      amount_fen=fen("Budget change: at most the source line's unspent part.", minimum=1),
                      milestone_id=identifier("Schedule change: the milestone."),
                      new_due_on=iso_date("Schedule change: within the contract period, not in the past.")))
def request_change(contract_id: int):
    contract = _load(contract_id)
    body = json_object()
    kind = _text(body, "kind")
    data = contract_changes.ChangeInput(kind, _text(body, "reason"))
    if kind == "budget":  # ids: whole numbers within an id column (true was line 1); missing ones the service names
        data.from_line_id, data.to_line_id = id_field(body, "from_line_id"), id_field(body, "to_line_id")
        data.amount_fen = _int(body, "amount_fen", amount=True)
    elif kind == "schedule":
        data.milestone_id, data.new_due_on = id_field(body, "milestone_id"), _date(body, "new_due_on")
    with api_field_names():
        change = contract_changes.request_change(contract, data, actor=current_user)
    db.session.commit()
    return jsonify({"id": change.id, "kind": change.kind, "status": change.status}), 201


@bp.route("/fee-receipts")
@api_doc("Fees paid to me", tag="Contracts", response=list_of(FEE),
         description="Fees and allowances reported as paid to the token's user, newest first (at most 200).")
def my_receipts():
    api_user()
    rows = fee_receipts.receipts_of(current_user)
    return jsonify({"items": [fee_json(f) for f in rows]})


@bp.route("/fee-receipts/<int:fee_id>/<any(confirm, deny):answer>", methods=["POST"])
@api_doc("Confirm or deny a fee paid to me", tag="Contracts", response=FEE, errors=[409],
         params={"answer": "`confirm`: I was paid this; `deny`: I was not."},
         request=body(reason=string(contract_reports.MAX_NOTE)), request_optional=True)
def answer_receipt(fee_id: int, answer: str):
    api_user()
    fee = db.session.get(FeePayment, fee_id)
    if fee is None or fee.recipient_user_id != current_user.id:
        abort(404)
    body = json_object(optional=True)  # no body is no reason; a body that is not a JSON object is refused
    reason = _text(body, "reason")
    to = ReceiptStatus.CONFIRMED if answer == "confirm" else ReceiptStatus.DENIED
    contract_reports.transition_receipt(fee, to, actor=current_user, reason=reason)
    db.session.commit()
    return jsonify(fee_json(fee))
