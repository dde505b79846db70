"""What the contracts API answers with and takes: the OpenAPI components, beside the functions that build the
JSON of a contract, its reports, fees and expenses (projects.contract_api serves them)."""

from core.openapi import (
    array,
    body,
    boolean,
    component,
    fen,
    identifier,
    integer,
    iso_date,
    mapping,
    nullable,
    record,
    string,
    timestamp,
)

from . import contract_money as money
from . import contract_report_input, contract_reports, contracts, permissions
from .contract_change_models import ChangeKind, ChangeStatus
from .contract_models import (
    Contract,
    ContractStatus,
    Expense,
    MilestoneReport,
    ReportStatus,
    Tranche,
    TrancheKind,
    TrancheStatus,
)
from .contract_report_models import FeeKind, FeePayment, ReceiptStatus

SHA256 = string(64, "SHA-256 of a stored file.")
SUMMARY_FIELDS = dict(
    id=identifier(), title=string(), org_id=identifier(), org=string(description="The organisation's name."),
    status=string(enum=ContractStatus), version=integer("Raised by each approved change.", minimum=1),
    amount_fen=fen(), paid_fen=fen("Paid in tranches so far."), starts_on=iso_date(), ends_on=iso_date())
SUMMARY = component("ContractSummary", record(**SUMMARY_FIELDS))
FEE = component("FeePayment", record(
    "A fee or allowance paid to a person, which the recipient confirms or denies.",
    id=identifier(), contract_id=identifier(), kind=string(enum=FeeKind), recipient=string(100),
    amount_fen=fen(), paid_on=iso_date(), status=string(enum=ReceiptStatus), note=string()))
REPORT_FIELDS = dict(
    id=identifier(), milestone_id=identifier(), status=string(enum=ReportStatus), narrative=string(),
    outputs=array(record(indicator=string(), achieved=integer(minimum=0), unit=string())),
    comment=string(description="The officer's comment when returning or accepting."), submitted_at=timestamp(),
    activities=array(record(held_on=iso_date(), place=string(), participants=integer(minimum=0), description=string(),
                            photos=array(SHA256))),
    evidence=array(SHA256), fees=array(FEE))
REPORT = component("MilestoneReport", record(**REPORT_FIELDS))
AMOUNT_CHANGE = {"type": "object", "description": "What the change altered, as recorded."}
CONTRACT = component("Contract", record(
    "A contract (合同) with its budget lines, milestones, payment tranches and changes.",
    **SUMMARY_FIELDS, spent_fen=fen(), execution_rate=string(description="Spent / amount, e.g. `42.5%`."),
    outputs=array(record(indicator=string(), target=integer(minimum=0), unit=string(), achieved=integer(minimum=0))),
    lines=array(record(id=identifier(), category=string(), item=string(), budget_fen=fen(), spent_fen=fen(),
                       remaining_fen=fen())),
    milestones=array(record(id=identifier(), title=string(), due_on=iso_date(), deliverables=string(),
                            evidence_required=string(), report_status=nullable(string(enum=ReportStatus)))),
    tranches=array(record(id=identifier(), percent=integer(minimum=0, maximum=100), amount_fen=fen("As agreed."),
                          deducted_fen=fen("Deducted (扣减) by an officer before payment."),
                          due_fen=fen("What is paid: the amount less what was deducted."),
                          status=string(enum=TrancheStatus),
                          kind=string(enum=TrancheKind, description="What it is paid after: `advance` (预付款), once "
                                      "the contract is in force; `milestone`, its milestone's report accepted; "
                                      "`final`, the final evaluation."),
                          milestone_id=nullable(identifier("Null for an advance and the final tranche.")),
                          paid_on=nullable(iso_date()), approved=boolean(),
                          reference=string(100, "The payment reference, once paid ('' before)."),
                          due_on=nullable(iso_date("Its milestone's due date; null for an advance and the tranche "
                                                   "after the final evaluation.")))),
    changes=array(record(id=identifier(), kind=string(enum=ChangeKind), status=string(enum=ChangeStatus),
                         reason=string(), decision_reason=string())),
    amendments=array(record(version=integer(minimum=1), kind=string(), before=AMOUNT_CHANGE, after=AMOUNT_CHANGE,
                            change_id=nullable(identifier()))),
    clauses=string(contracts.MAX_CLAUSES, "The contract's own clauses (Markdown), part of what is signed."),
    org_confirmed_at=nullable(timestamp("When the organisation's manager confirmed (signed) it.")),
    officer_confirmed_at=nullable(timestamp("When an officer confirmed (signed) it.")),
    terms_digest=nullable(string(description="A digest of every term signed (amount, period, clauses, outputs, "
                                             "budget lines, milestones, tranches), for the token's user to send "
                                             "back when confirming; null when they have nothing to confirm."))))
WITHDRAWAL = record("How the expense was withdrawn.",
                    at=timestamp(), by=string(description="Who withdrew it (their name)."),
                    reason=string(money.MAX_WITHDRAWAL_REASON,
                                  "Why; a correction's is `corrected by #<id>` (see `replaced_by_id`)."),
                    replaced_by_id=nullable(identifier("The expense that corrected it, if it was a correction.")))
EXPENSE = component("Expense", record(
    "An expense recorded against a budget line. A withdrawn one (recorded by mistake) stays listed with `withdrawn` "
    "set and is not counted in the line's `spent_fen`.",
    id=identifier(), line_id=identifier(), spent_on=iso_date(), payee=string(100), amount_fen=fen(),
    has_receipt=boolean(), withdrawn=nullable(WITHDRAWAL)))
ACTIVITY = body(required=["held_on", "place", "participants"],
                held_on=iso_date("Within the contract period, not in the future."),
                place=string(contract_report_input.MAX_PLACE),
                participants=integer(minimum=0, maximum=contract_report_input.MAX_PARTICIPANTS),
                description=string(contract_report_input.MAX_DESCRIPTION))
FEE_IN = body("A recipient is a platform user (`username`) or a name with an 11-digit mobile number.",
              required=["kind", "amount_fen", "paid_on"], kind=string(enum=FeeKind), name=string(100),
              phone=string(contract_report_input.MAX_PHONE), username=string(), amount_fen=fen(minimum=1),
              paid_on=iso_date("Within the contract period, not in the future."))
REPORT_IN = body(
    required=["narrative"],
    narrative=string(contract_reports.MAX_NARRATIVE, "What was done in the period (at least 10 characters).",
                     min_length=10),
    outputs=mapping(integer(minimum=0, maximum=contract_report_input.MAX_OUTPUT),
                    "Achieved in this period, by output indicator of the contract."),
    activities=array(ACTIVITY, max_items=contract_reports.MAX_ITEMS),
    fees=array(FEE_IN, "Fees and allowances paid (together at most the contract amount).",
               max_items=contract_reports.MAX_ITEMS))
REPORT_MULTIPART = body(
    "The same report with files: the JSON in `data`, files in `evidence` and `activity-<n>-photos` (n counting the "
    "activities from 0).", required=["data"], data=string(description="The report as JSON text."),
    evidence=array(string(fmt="binary"), max_items=contract_reports.MAX_ITEMS))


def summary_json(c: Contract) -> dict:
    return {"id": c.id, "title": c.title, "org_id": c.org_id, "org": c.org.name, "status": c.status,
            "version": c.version, "amount_fen": c.amount_fen, "paid_fen": c.paid_fen,
            "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat()}


def report_json(r: MilestoneReport) -> dict:
    return {"id": r.id, "milestone_id": r.milestone_id, "status": r.status, "narrative": r.narrative,
            "outputs": r.outputs, "comment": r.comment, "submitted_at": r.submitted_at.isoformat(),
            "activities": [{"held_on": a.held_on.isoformat(), "place": a.place, "participants": a.participants,
                            "description": a.description, "photos": [p.file.sha256 for p in a.photos]}
                           for a in r.activities],
            "evidence": [e.file.sha256 for e in r.evidence_files],
            "fees": [fee_json(f) for f in r.fees]}


def fee_json(f: FeePayment) -> dict:
    # No recipient_user_id: whose phone a recipient's is stays with the platform (contract_report_input._fee_problems).
    return {"id": f.id, "contract_id": f.contract_id, "kind": f.kind, "recipient": f.recipient_name,
            "amount_fen": f.amount_fen, "paid_on": f.paid_on.isoformat(), "status": f.status, "note": f.response_note}


def _timestamp(value) -> str | None:
    return value.isoformat() if value else None


def contract_json(c: Contract, viewer) -> dict:
    """The contract as viewer (the token's user) sees it: with the digest of its terms when they may confirm it."""
    spent = c.spent_fen
    return {**summary_json(c), "spent_fen": spent, "execution_rate": contracts.execution_rate(spent, c.amount_fen),
            "outputs": contract_reports.output_progress(c),
            "lines": [{"id": x.id, "category": x.category, "item": x.item, "budget_fen": x.budget_fen,
                       "spent_fen": x.spent_fen, "remaining_fen": x.remaining_fen} for x in c.lines],
            "milestones": [{"id": m.id, "title": m.title, "due_on": m.due_on.isoformat(),
                            "deliverables": m.deliverables, "evidence_required": m.evidence_required,
                            "report_status": m.latest_report.status if m.latest_report else None}
                           for m in c.milestones],
            "tranches": [{"id": t.id, "percent": t.percent, "amount_fen": t.amount_fen,
                          "deducted_fen": t.deducted_fen or 0, "due_fen": t.due_fen, "status": t.status,
                          "kind": t.kind,
                          "milestone_id": t.milestone_id, "paid_on": t.paid_on.isoformat() if t.paid_on else None,
                          "approved": t.approved_by_id is not None, "reference": t.reference,
                          "due_on": _due_on(c, t)} for t in c.tranches],
            "changes": [{"id": x.id, "kind": x.kind, "status": x.status, "reason": x.reason,
                         "decision_reason": x.decision_reason} for x in c.changes],
            "amendments": [{"version": a.version, "kind": a.kind, "before": a.before, "after": a.after,
                            "change_id": a.change_id} for a in c.amendments],
            "clauses": c.clauses, "org_confirmed_at": _timestamp(c.org_confirmed_at),
            "officer_confirmed_at": _timestamp(c.officer_confirmed_at),
            "terms_digest": contracts.terms_digest(c) if permissions.can_confirm_contract(viewer, c) else None}


def _due_on(c: Contract, t: Tranche) -> str | None:
    milestone = next((m for m in c.milestones if m.id == t.milestone_id), None)
    return milestone.due_on.isoformat() if milestone else None


def expense_json(e: Expense) -> dict:
    withdrawn = {"at": e.withdrawn_at.isoformat(), "by": e.withdrawn_by.display_name if e.withdrawn_by else "",
                 "reason": e.withdrawal_reason, "replaced_by_id": e.replaced_by_id} if e.withdrawn_at else None
    return {"id": e.id, "line_id": e.line_id, "spent_on": e.spent_on.isoformat(), "payee": e.payee,
            "amount_fen": e.amount_fen, "has_receipt": e.receipt_id is not None, "withdrawn": withdrawn}
