"""Progress reports: narrative, outputs against the contract's targets, activity records with photos, evidence files
and the fees and allowances paid to named people, who confirm or deny receipt themselves."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from accounts.models import User, UserRole
from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import INVALID, Conflict, Forbidden, ServiceError, amount_too_large, invalid
from core.money import MAX_FEN, format_fen
from core.phones import is_mobile, typed_mobile
from core.timeutil import local_today
from core.uploads import JPEG, PNG, StoredFile, store_upload
from core.views import path_for
from orgs import permissions as org_permissions

from .contract_models import (
    REPORT_TRANSITIONS,
    Contract,
    Expense,
    Milestone,
    MilestoneReport,
    ReportStatus,
    Tranche,
    TrancheStatus,
)
from .contract_report_models import (
    RECEIPT_TRANSITIONS,
    ActivityPhoto,
    ActivityRecord,
    FeeKind,
    FeePayment,
    ReceiptStatus,
    ReportEvidence,
)
from .contract_report_resubmit import earlier_files
from .contract_report_rules import check_substance, not_earlier, not_started
from .contracts import require_active
from .final_tranche import release_final_tranche
from .permissions import can_manage_calls
from .tranches import transition_tranche

PHOTO_TYPES = frozenset({PNG, JPEG})
MAX_PHONE = 20  # the width of FeePayment.recipient_phone
MAX_NOTE = 1000  # a recipient's reason for confirming or denying a payment
MAX_ITEMS = 50
MAX_OUTPUT = 10**9  # as for a proposal's output targets
MAX_PARTICIPANTS = 1_000_000  # per activity; far inside the INTEGER column (a larger number overflowed it: a 500)
MAX_PLACE = 200  # the width of ActivityRecord.place
MAX_NARRATIVE = 5000  # what was done in the period, as for other long texts a reviewer reads (refused, never cut)
MAX_DESCRIPTION = 1000  # what happened at one activity
MAX_REVIEW_COMMENT = 2000  # an officer's reasons for returning a report, as other reasons (projects.forms.ReasonForm)


@dataclass
class ActivityInput:
    held_on: date | None  # None: the form could not read it (refused, with the row's other reasons)
    place: str
    participants: int | None
    description: str = ""
    photos: list = field(default_factory=list)  # uploads, images only
    row: int = 0  # the row on the page's form, from 1, to name in an error; 0: its position in the list
    reused_photos: list = field(default_factory=list)  # ids of photos stored with the milestone's earlier reports


@dataclass
class FeeInput:
    kind: str
    name: str
    amount_fen: int | None  # None: the form could not read it (refused, with the row's other reasons)
    paid_on: date | None
    phone: str = ""
    username: str = ""  # a platform user; a phone number that belongs to one links them too
    row: int = 0  # the row on the page's form, from 1, to name in an error; 0: its position in the list


@dataclass
class ReportInput:
    narrative: str
    outputs: dict = field(default_factory=dict)  # indicator -> achieved in this period
    activities: list[ActivityInput] = field(default_factory=list)
    evidence: list = field(default_factory=list)  # uploads
    fees: list[FeeInput] = field(default_factory=list)
    # Ids of evidence files stored with the milestone's earlier (returned) reports, referenced again by this one.
    reused_evidence: list = field(default_factory=list)
    # What the form could not read of the outputs, each reason naming its target (left out of outputs above); refused
    # with the service's own reasons, so the manager corrects all at once. (Activity and fee rows arrive whole, an
    # unreadable date, count or amount as None, and are refused with every reason of their row.)
    unread: dict[str, list[str]] = field(default_factory=dict)


def _outputs(contract: Contract, achieved: dict, errors: dict) -> list[dict]:
    targets = {o.get("indicator"): o for o in contract.outputs or []}
    rows, problems = [], []
    for indicator, value in (achieved or {}).items():
        if indicator not in targets:
            problems.append(_("“%(name)s” is not one of the contract's output targets.", name=indicator))
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_OUTPUT:
            problems.append(output_problem(indicator, output_rule()))
        else:
            rows.append({"indicator": indicator, "achieved": value, "unit": targets[indicator].get("unit", "")})
    if problems:
        errors["outputs"] = " ".join(problems)
    return rows


def output_rule() -> str:
    return _("Outputs achieved are whole numbers from 0 to %(max)d.", max=MAX_OUTPUT)


def output_problem(indicator: str, reason: str) -> str:
    """A reason naming the output target (the service's checks and the form's reading alike)."""
    return _("Output “%(name)s”: %(reason)s", name=indicator, reason=reason)


def activity_row_problem(row: int, reason: str) -> str:
    """A reason naming the activity's row on the form (from 1): the service's checks and the form's reading alike."""
    return _("Activity row %(row)d: %(reason)s", row=row, reason=reason)


def fee_row_problem(row: int, reason: str) -> str:
    """A reason naming the fee's row on the form (from 1): the service's checks and the form's reading alike."""
    return _("Fee row %(row)d: %(reason)s", row=row, reason=reason)


def participants_rule() -> str:
    """Why a number of participants is refused: out of range here, or not a number on the form."""
    return _("The number of participants is a whole number from 0 to %(max)d.", max=MAX_PARTICIPANTS)


def _activity_problems(contract: Contract, a: ActivityInput, earlier: dict[int, StoredFile]) -> list[str]:
    """Everything wrong with one activity row (a date or count the form could not read arrives as None)."""
    problems = [] if all(i in earlier and earlier[i].content_type in PHOTO_TYPES for i in a.reused_photos) \
        else [not_earlier()]
    if not (a.place or "").strip():
        problems.append(_("Each activity needs a place."))
    elif len(a.place.strip()) > MAX_PLACE:  # refused, never cut: a place cut short names somewhere else
        problems.append(_("An activity's place has at most %(n)d characters.", n=MAX_PLACE))
    if len((a.description or "").strip()) > MAX_DESCRIPTION:
        problems.append(_("An activity's description has at most %(n)d characters.", n=MAX_DESCRIPTION))
    if isinstance(a.participants, bool) or not isinstance(a.participants, int) \
            or not 0 <= a.participants <= MAX_PARTICIPANTS:
        problems.append(participants_rule())
    problems += _date_problems(contract, a.held_on,
                               _("Activities are dated within the contract period, and not in the future."))
    return problems


def _date_problems(contract: Contract, day: date | None, outside: str) -> list[str]:
    if not isinstance(day, date):
        return [_("Dates are YYYY-MM-DD.")]
    return [] if contract.starts_on <= day <= min(contract.ends_on, local_today()) else [outside]


class ReportRefused(ServiceError):
    """A report refused for what was entered: the fields name each section's reasons (as the API answers them), and
    rows each bad row's, by the row's key on the page's form ("activity-0", "fee-3": from 0), for the page to show
    beside the row."""

    def __init__(self, fields: dict, rows: dict[str, str]):
        super().__init__(_(INVALID), fields=fields)
        self.rows = rows


def _check_activities(contract: Contract, activities: list[ActivityInput], earlier: dict[int, StoredFile],
                      errors: dict, rows: dict) -> None:
    # Every bad row is named with every reason, not only the last row or its first reason: the manager corrects
    # them all at once (and attaches the photos once more, not once per reason).
    problems = []
    for position, a in enumerate(activities, start=1):
        if found := _activity_problems(contract, a, earlier):
            problems.append(rows.setdefault(f"activity-{(a.row or position) - 1}",
                                            activity_row_problem(a.row or position, " ".join(found))))
    if problems:
        errors["activities"] = " ".join(problems)


def fee_phone(fee: FeeInput) -> str:
    """A recipient's mobile number as typed, read as stored (core.phones.typed_mobile: full-width digits, spaces and
    hyphens between the groups); accounts store theirs so, so the same number finds the same person."""
    return typed_mobile(fee.phone)


def _recipient(fee: FeeInput) -> User | None:
    if (fee.username or "").strip():
        return db.session.scalar(select(User).where(User.username == fee.username.strip(), User.active))
    if is_mobile(phone := fee_phone(fee)):
        return db.session.scalar(select(User).where(User.phone == phone, User.active))
    return None


def _fee_problems(contract: Contract, fee: FeeInput, user: User | None) -> list[str]:
    """Everything wrong with one fee row (an amount or date the form could not read arrives as None)."""
    problems, phone, username = [], fee_phone(fee), (fee.username or "").strip()
    if fee.kind not in FeeKind._value2member_map_:
        problems.append(_("Choose expert fee or volunteer allowance."))
    if username and user is None:
        problems.append(_("No platform user is called “%(name)s”.", name=fee.username))
    if phone and not is_mobile(phone):  # as accounts take them, whether or not the recipient is a platform user
        problems.append(_("A mainland mobile number has 11 digits and starts with 1."))
    elif not username and not ((fee.name or "").strip() and phone):
        # A recipient given by phone is always named as typed, whether or not the phone is a platform user's: the
        # organisation learns nobody's name or account from a phone number.
        problems.append(_("Name each recipient: a platform user, or a name with an 11-digit mobile number."))
    if not username and len((fee.name or "").strip()) > 100:  # the column's width: was silently cut
        problems.append(_("A recipient's name has at most %(n)d characters.", n=100))
    if fee.amount_fen is None:
        problems.append(_("Enter the amount in yuan, e.g. 800 or 800.50."))
    elif isinstance(fee.amount_fen, bool) or not isinstance(fee.amount_fen, int) or fee.amount_fen <= 0:
        problems.append(_("Enter an amount above zero."))
    elif fee.amount_fen > MAX_FEN:
        problems.append(amount_too_large())
    return problems + _date_problems(contract, fee.paid_on,
                                     _("Payments are dated within the contract period, and not in the future."))


def _check_fees(contract: Contract, fees: list[FeeInput], errors: dict,
                rows: dict) -> list[tuple[FeeInput, User | None]]:
    checked, problems = [], []
    for position, fee in enumerate(fees, start=1):
        user = _recipient(fee)
        if found := _fee_problems(contract, fee, user):
            problems.append(rows.setdefault(f"fee-{(fee.row or position) - 1}",
                                            fee_row_problem(fee.row or position, " ".join(found))))
        checked.append((fee, user))
    if problems:  # every bad row, not only the last one: the manager corrects them all at once
        errors["fees"] = " ".join(problems)
    elif (total := _fees_reported(contract) + sum(f.amount_fen for f in fees)) > contract.amount_fen:
        errors["fees"] = _("With these, the fees and allowances reported on this contract come to %(total)s, more "
                           "than its amount (%(amount)s).", total=format_fen(total),
                           amount=format_fen(contract.amount_fen))
    return checked


def _fees_reported(contract: Contract) -> int:
    """Fees and allowances in the contract's reports that stand (submitted or accepted; a returned report's fees
    are reported again with its next version)."""
    return int(db.session.scalar(
        select(func.coalesce(func.sum(FeePayment.amount_fen), 0)).join(MilestoneReport)
        .where(FeePayment.contract_id == contract.id, MilestoneReport.status != ReportStatus.RETURNED)))


def submit_report(milestone: Milestone, data: ReportInput, *, actor) -> MilestoneReport:
    contract = db.session.get(Contract, milestone.contract_id)
    if not org_permissions.is_manager(actor, contract.org):
        raise Forbidden(_("Only a manager of the organisation can report."))
    require_active(contract)
    if waiting := not_started(contract):  # work not begun cannot be reported (and its tranche not made payable)
        raise Conflict(waiting, code="not_started")
    latest = milestone.latest_report
    if latest is not None and latest.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        raise Conflict(_("This milestone already has a report waiting or accepted."))
    errors = {}
    uploads = [u for u in data.evidence if u and getattr(u, "filename", "")]
    earlier = earlier_files(milestone) if data.reused_evidence or any(a.reused_photos for a in data.activities) \
        else {}
    if len((data.narrative or "").strip()) < 10:
        errors["narrative"] = _("Describe the work done (at least 10 characters).")
    elif len(data.narrative.strip()) > MAX_NARRATIVE:
        errors["narrative"] = _("The description of the work done has at most %(n)d characters.", n=MAX_NARRATIVE)
    if max(len(data.activities), len(data.fees), len(uploads) + len(data.reused_evidence)) > MAX_ITEMS:
        errors["narrative"] = _("At most %(n)d activities, fees or files per report.", n=MAX_ITEMS)
    rows: dict[str, str] = {}
    outputs = _outputs(contract, data.outputs, errors)
    _check_activities(contract, data.activities, earlier, errors, rows)
    fees = _check_fees(contract, data.fees, errors, rows)
    check_substance(milestone, data, outputs, uploads, earlier, errors)
    for name, found in data.unread.items():
        errors[name] = " ".join([*found, errors[name]] if name in errors else found)
    if errors:
        raise ReportRefused(errors, rows)
    report = MilestoneReport(milestone_id=milestone.id, narrative=data.narrative.strip(), outputs=outputs,
                             submitted_by_id=actor.id)
    report.evidence_files = [ReportEvidence(file=earlier[i]) for i in dict.fromkeys(data.reused_evidence)] + [
        ReportEvidence(file=store_upload(u, actor=actor, field="evidence")) for u in uploads]
    report.activities = [
        ActivityRecord(held_on=a.held_on, place=a.place.strip(), participants=a.participants,
                       description=(a.description or "").strip(),
                       photos=[ActivityPhoto(file=earlier[i]) for i in dict.fromkeys(a.reused_photos)] + [
                           ActivityPhoto(file=store_upload(p, allowed=PHOTO_TYPES, actor=actor, field="photos"))
                           for p in a.photos if p and getattr(p, "filename", "")])
        for a in data.activities]
    report.fees = [FeePayment(contract_id=contract.id, kind=f.kind, recipient_user_id=user.id if user else None,
                              recipient_name=user.display_name if (f.username or "").strip() else f.name.strip(),
                              recipient_phone=fee_phone(f), amount_fen=f.amount_fen, paid_on=f.paid_on)
                   for f, user in fees]
    milestone.reports.append(report)
    db.session.flush()
    audit.record("contract.report_submitted", contract, actor=actor,
                 data={"milestone_id": milestone.id, "report_id": report.id, "outputs": outputs,
                       "activities": len(report.activities), "fees": [[f.recipient_name, f.amount_fen]
                                                                      for f in report.fees],
                       "evidence_sha256": [e.file.sha256 for e in report.evidence_files]})
    for fee in report.fees:
        if fee.recipient_user_id:
            notify(fee.recipient_user_id, "contract.fee_listed", link=path_for("contracts.receipts"),
                   org=contract.org.name, amount=format_fen(fee.amount_fen))
    return report


def transition_report(report: MilestoneReport, to: ReportStatus | str, *, actor, reason: str = "") -> None:
    """The officer accepts (its tranche becomes payable, and the last one too when this is the last milestone's report
    and the final evaluation passed: final_tranche) or returns (with reasons) a submitted report."""
    lock_row(report, "status")
    to, current, reason = ReportStatus(to), ReportStatus(report.status), (reason or "").strip()
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    if to not in REPORT_TRANSITIONS[current]:
        raise Conflict(_("This report has already been reviewed."))
    if to is ReportStatus.RETURNED and not reason:
        raise ServiceError(_("Please give a reason."), fields={"comment": _("Please give a reason.")})
    if len(reason) > MAX_REVIEW_COMMENT:  # refused, never cut
        raise invalid({"comment": _("A reason has at most %(n)d characters.",
                                     n=MAX_REVIEW_COMMENT)})
    milestone = db.session.get(Milestone, report.milestone_id)
    contract = db.session.get(Contract, milestone.contract_id)
    require_active(contract)
    report.status, report.comment, report.reviewed_at = to.value, reason, utcnow()
    if to is ReportStatus.ACCEPTED:
        milestone.accepted_at = report.reviewed_at
        for tranche in db.session.scalars(select(Tranche).where(Tranche.milestone_id == milestone.id,
                                                                Tranche.status == TrancheStatus.PENDING)):
            transition_tranche(tranche, TrancheStatus.PAYABLE, actor=actor, covered_by="contract.report_accepted")
    db.session.flush()
    audit.record(f"contract.report_{to.value}", contract, actor=actor,
                 data={"report_id": report.id, "from": current.value, "comment": reason})
    if to is ReportStatus.ACCEPTED:  # the last milestone's report, after the final evaluation passed: the last tranche
        release_final_tranche(contract, actor=actor)
    for m in contract.org.memberships:
        if m.status == "active":
            notify(m.user_id, f"contract.report_{to.value}", link=path_for("contracts.show", contract_id=contract.id),
                   milestone=milestone.title, comment=reason)


def review_report(report: MilestoneReport, accept: bool, comment: str, *, actor) -> None:
    transition_report(report, ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED, actor=actor,
                      reason=comment)


def officer_ids() -> list[int]:
    return list(db.session.scalars(select(UserRole.user_id).join(User, User.id == UserRole.user_id)
                                   .where(UserRole.role == "officer", User.active)))


def transition_receipt(fee: FeePayment, to: ReceiptStatus | str, *, actor, reason: str = "") -> None:
    """Only the named recipient confirms or denies; a denial reaches the officers at once."""
    lock_row(fee, "status")
    to, current, reason = ReceiptStatus(to), ReceiptStatus(fee.status), (reason or "").strip()
    if actor is None or fee.recipient_user_id != getattr(actor, "id", None):
        raise Forbidden(_("Only the named recipient can confirm or deny this payment."))
    if to not in RECEIPT_TRANSITIONS[current]:
        raise Conflict(_("You have already answered for this payment."))
    if len(reason) > MAX_NOTE:  # refused, never cut: the officers read a denial's reason as written
        raise invalid({"reason": _("A reason has at most %(n)d characters.", n=MAX_NOTE)})
    fee.status, fee.response_note, fee.responded_at = to.value, reason, utcnow()
    db.session.flush()
    contract = db.session.get(Contract, fee.contract_id)
    # Whether the recipient gave a reason, not its words: the recipient is a private person, what they write may
    # name people, and the trail is never erased (the reason stays on the payment for the officers to read).
    audit.record(f"contract.fee_{to.value}", contract, actor=actor,
                 data={"fee_id": fee.id, "amount_fen": fee.amount_fen, "with_reason": bool(fee.response_note)})
    if to is ReceiptStatus.DENIED:
        for user_id in officer_ids():
            notify(user_id, "contract.fee_denied", link=path_for("contracts.show", contract_id=contract.id),
                   name=fee.recipient_name, org=contract.org.name, amount=format_fen(fee.amount_fen))


def output_progress(contract: Contract) -> list[dict]:
    """Per output target: achieved in accepted reports against the target (for the completion chart)."""
    achieved: dict[str, int] = {}
    for milestone in contract.milestones:
        for report in milestone.reports:
            if report.status == ReportStatus.ACCEPTED:
                for row in report.outputs or []:
                    achieved[row["indicator"]] = achieved.get(row["indicator"], 0) + int(row.get("achieved", 0))
    return [{"indicator": o.get("indicator", ""), "target": _whole(o.get("target")), "unit": o.get("unit", ""),
             "achieved": achieved.get(o.get("indicator"), 0)} for o in contract.outputs or []]


def _whole(value) -> int:
    """An output target as a whole number; anything unreadable ("inf", "abc", None) counts as no target."""
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):
        return 0


def contract_of_file(file_id: int) -> int | None:
    """The contract a stored file belongs to (evidence, activity photo or expense receipt), if any."""
    via_report = select(Milestone.contract_id).join(MilestoneReport, MilestoneReport.milestone_id == Milestone.id)
    return db.session.scalar(via_report.outerjoin(ReportEvidence, ReportEvidence.report_id == MilestoneReport.id)
                             .outerjoin(ActivityRecord, ActivityRecord.report_id == MilestoneReport.id)
                             .outerjoin(ActivityPhoto, ActivityPhoto.activity_id == ActivityRecord.id)
                             .where(or_(ReportEvidence.file_id == file_id, ActivityPhoto.file_id == file_id,
                                        MilestoneReport.evidence_id == file_id)).limit(1)) \
        or db.session.scalar(select(Expense.contract_id).where(Expense.receipt_id == file_id))
