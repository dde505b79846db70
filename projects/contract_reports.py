"""Progress reports: submitted with a narrative, outputs against the contract's targets, activity records with photos,
evidence files and the fees and allowances paid to named people (what is entered, and its checks, is
contract_report_input), reviewed by an officer; the named people confirm or deny receipt themselves."""

from flask_babel import gettext as _
from sqlalchemy import or_, select

from accounts.models import User, UserRole
from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.money import format_fen
from core.uploads import store_upload
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
from .contract_report_input import (
    PHOTO_TYPES,
    ReportInput,
    ReportRefused,
    check_activities,
    check_fees,
    check_outputs,
    fee_phone,
)
from .contract_report_models import (
    RECEIPT_TRANSITIONS,
    ActivityPhoto,
    ActivityRecord,
    FeePayment,
    ReceiptStatus,
    ReportEvidence,
)
from .contract_report_resubmit import earlier_files
from .contract_report_rules import check_substance, not_started
from .contracts import require_active
from .fee_receipts import carry_answers
from .final_tranche import release_final_tranche
from .permissions import can_manage_calls
from .tranches import transition_tranche

MAX_NOTE = 1000  # a recipient's reason for confirming or denying a payment
MAX_ITEMS = 50
MAX_NARRATIVE = 5000  # what was done in the period, as for other long texts a reviewer reads (refused, never cut)
MAX_REVIEW_COMMENT = 2000  # an officer's reasons for returning a report, as other reasons (projects.forms.ReasonForm)


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
    outputs = check_outputs(contract, data.outputs, errors)
    check_activities(contract, data.activities, earlier, errors, rows)
    fees = check_fees(contract, data.fees, errors, rows)
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
    # The returned report's fees reported again (latest, if any, was returned): their recipients were asked already,
    # and keep their answers.
    carried = carry_answers(report.fees, latest)
    asked = {id(fee) for fee, _old in carried}
    milestone.reports.append(report)
    db.session.flush()
    audit.record("contract.report_submitted", contract, actor=actor,
                 data={"milestone_id": milestone.id, "report_id": report.id, "outputs": outputs,
                       "activities": len(report.activities), "fees": [[f.recipient_name, f.amount_fen]
                                                                      for f in report.fees],
                       "fees_asked_before": len(asked),
                       "evidence_sha256": [e.file.sha256 for e in report.evidence_files]})
    for fee, old in carried:
        if fee.status != ReceiptStatus.UNCONFIRMED:  # the recipient's answer, kept: each in the trail
            audit.record("contract.fee_answer_carried", contract, actor=actor,
                         data={"fee_id": fee.id, "from_fee_id": old.id, "status": fee.status})
    for fee in report.fees:
        if fee.recipient_user_id and id(fee) not in asked:
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
                   milestone=milestone.title, comment=reason, project=contract.title)


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
    if db.session.scalar(select(MilestoneReport.status).where(MilestoneReport.id == fee.report_id)) \
            == ReportStatus.RETURNED:  # (a page opened before the return)
        raise Conflict(_("This payment was reported with a progress report that was returned to the organisation: "
                         "you are asked about it again if the organisation reports it again."),
                       code="fee_superseded")
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
