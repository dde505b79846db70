"""Contract pages for delivery: the progress-report form, payment approval, change requests and decisions,
fee receipts for their recipients, files, termination. Routes on the `contracts` blueprint."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import undefer

from core.db import db
from core.permissions import require
from core.timeutil import local_today
from core.uploads import ChosenFileInputs, ChosenFiles, StoredFile
from core.views import attempt, refusal_text, run_and_redirect, valid_form
from orgs import permissions as org_permissions

from . import (
    contract_changes,
    contract_forms,
    contract_money,
    contract_report_input,
    contract_reports,
    contracts,
    fee_receipts,
    permissions,
    tranches,
)
from . import contract_report_resubmit as resubmit
from .contract_change_models import ChangeRequest, ChangeStatus
from .contract_models import Contract, ContractStatus, Milestone, ReportStatus, Tranche
from .contract_report_models import FeePayment, ReceiptStatus
from .contract_views import _done, bp, can_view, load_contract, posted_on_contract_page
from .forms import ReasonForm, ReceiptAnswerForm


@bp.route("/milestones/<int:milestone_id>/report", methods=["GET", "POST"])
@login_required
def report(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    contract = load_contract(milestone.contract_id)
    require(org_permissions.is_manager(current_user, contract.org))
    errors, rows, kept = {}, {}, {}
    returned = resubmit.returned_report(milestone)  # the form starts from it, its files offered again
    if request.method == "POST":  # (refused: the form again as typed, 422, each reason beside its section or row)
        valid_form(ReasonForm())
        files = report_files()
        outcome = attempt(lambda: contract_reports.submit_report(milestone, report_input(contract, files),
                                                                 actor=current_user))
        if outcome:
            flash(_("Report submitted."), "success")
            return redirect(url_for("contracts.show", contract_id=contract.id))
        kept = files.keep(outcome.refusal)  # (a browser never fills a file input again)
        errors, rows = report_refusal(outcome.refusal)
    values = request.form if request.method == "POST" or returned is None else resubmit.prefill(
        contract, returned, contract_forms.ACTIVITY_ROWS, contract_forms.FEE_ROWS)
    return render_template("projects/contract_report_form.html", contract=contract, milestone=milestone,
                           form=ReasonForm(formdata=None), today=local_today(), values=values,
                           errors=errors, rows=rows, kept=kept, closed=report_closed(contract, milestone),
                           returned=returned, reused=reused_ticks(), evidence_reuse=resubmit.EVIDENCE_REUSE,
                           offered_photos=resubmit.offered_photos(returned, contract_forms.ACTIVITY_ROWS),
                           activity_rows=range(contract_forms.ACTIVITY_ROWS), fee_rows=range(contract_forms.FEE_ROWS),
                           max_narrative=contract_reports.MAX_NARRATIVE, max_place=contract_report_input.MAX_PLACE,
                           max_description=contract_report_input.MAX_DESCRIPTION), \
        422 if request.method == "POST" else 200


def report_input(contract: Contract, files: ChosenFileInputs) -> contract_report_input.ReportInput:
    """The posted report form read for the service, with the earlier reports' files ticked to be used again."""
    data = contract_forms.report_input(request.form, files, contract)
    resubmit.read_reused(request.form, data)
    return data


def reused_ticks() -> set[tuple[str, str]] | None:
    """The earlier files ticked to be used again on a refused form (checkbox name, file id, as posted); None when the
    form is opened, when every one offered is ticked."""
    if request.method != "POST":
        return None
    return {(name, v) for name, v in request.form.items(multi=True) if name.endswith("-reuse")}


def report_files() -> ChosenFileInputs:
    """The report form's file inputs, each the files chosen now or else those kept from a refused attempt."""
    photos = [ChosenFiles(f"activity-{i}-photos", many=True, allowed=contract_report_input.PHOTO_TYPES, field="photos")
              for i in range(contract_forms.ACTIVITY_ROWS)]
    return ChosenFileInputs([ChosenFiles("evidence", many=True), *photos])


def report_closed(contract: Contract, milestone: Milestone) -> str | None:
    """Why no report can be sent for this milestone now (the service would refuse it), so that the page says so
    instead of a form filled in for nothing; None while one can."""
    if contract.status != ContractStatus.ACTIVE:
        return _("The contract is not active.")
    if waiting := contract_reports.not_started(contract):
        return waiting
    latest = milestone.latest_report
    if latest is not None and latest.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        return _("This milestone already has a report waiting or accepted.")
    return None


REPORT_SECTIONS = {"narrative", "outputs", "activities", "photos", "evidence", "fees"}  # shown beside themselves


def report_refusal(refusal) -> tuple[dict, dict]:
    """A refused report's reasons for the page: each section's and each bad row's, to show beside them (the message
    at the top says only to correct them); a refusal about none of them (a report already waiting) at the top."""
    beside = bool(refusal.fields) and set(refusal.fields) <= REPORT_SECTIONS
    flash(str(refusal.message) if beside else refusal_text(refusal), "danger")
    return (refusal.fields if beside else {}), (getattr(refusal, "rows", {}) if beside else {})


@bp.route("/<int:contract_id>/lines", methods=["POST"])
@login_required
def edit_lines(contract_id: int):
    contract = load_contract(contract_id)
    require(permissions.can_manage_calls(current_user))  # (DESIGN.md 4.1: before the lines are read)
    return posted_on_contract_page(contract.id, "lines", {"lines"}, lambda: contracts.edit_lines(
        contract, contract_forms.line_budgets(request.form, contract), actor=current_user), _("Budget lines saved."))


@bp.route("/tranches/<int:tranche_id>/approve", methods=["POST"])
@login_required
def approve(tranche_id: int):
    tranche = db.get_or_404(Tranche, tranche_id)
    contract = load_contract(tranche.contract_id)
    return _done(contract.id, _("Payment approved; another officer now records it."),
                 lambda: contract_money.approve_tranche(tranche, actor=current_user))


@bp.route("/tranches/<int:tranche_id>/deduct", methods=["POST"])
@login_required
def deduct(tranche_id: int):
    tranche = db.get_or_404(Tranche, tranche_id)
    contract = load_contract(tranche.contract_id)
    return posted_on_contract_page(
        contract.id, f"deduct-{tranche.id}", {"amount", "reason"}, lambda: tranches.deduct_tranche(
            tranche, request.form.get("amount", ""), request.form.get("reason", ""), actor=current_user),
        _("Tranche reduced; the amount deducted will not be paid."))


@bp.route("/<int:contract_id>/changes", methods=["POST"])
@login_required
def request_change(contract_id: int):
    contract = load_contract(contract_id)
    # Refused, the page again (422) with the form as typed and each reason beside its field (it was a flash after a
    # redirect, the reason typed to be typed again).
    kind = request.form.get("kind", "")
    return posted_on_contract_page(
        contract.id, f"change-{kind}" if kind in CHANGE_KINDS else "change", CHANGE_FIELDS,
        lambda: contract_changes.request_change(contract, contract_forms.change_input(request.form),
                                                actor=current_user), _("Change requested; an officer will decide."))


CHANGE_KINDS = {"budget", "schedule"}  # the contract page's two forms
CHANGE_FIELDS = {"from_line_id", "to_line_id", "amount", "milestone_id", "new_due_on", "reason"}


DECISIONS = {"approve": ChangeStatus.APPROVED, "reject": ChangeStatus.REJECTED, "withdraw": ChangeStatus.WITHDRAWN}
DECIDED = {"approve": _l("Change approved: the contract is amended."), "reject": _l("Change rejected."),
           "withdraw": _l("Change request withdrawn.")}


@bp.route("/changes/<int:change_id>/<any(approve, reject, withdraw):decision>", methods=["POST"])
@login_required
def decide_change(change_id: int, decision: str):
    change = db.get_or_404(ChangeRequest, change_id)
    contract = load_contract(change.contract_id)
    return posted_on_contract_page(
        contract.id, f"change-{change.id}-{decision}", {"reason"}, lambda: contract_changes.transition_change(
            change, DECISIONS[decision], actor=current_user, reason=request.form.get("reason", "")),
        str(DECIDED[decision]))


@bp.route("/<int:contract_id>/terminate", methods=["POST"])
@login_required
def terminate(contract_id: int):
    contract = load_contract(contract_id)
    require(permissions.can_manage_calls(current_user))  # (DESIGN.md 4.1: before the contract's state or the reason)
    return posted_on_contract_page(
        contract.id, "terminate", {"reason"}, lambda: contracts.transition_contract(
            contract, ContractStatus.TERMINATED, actor=current_user, reason=request.form.get("reason", "")),
        _("The contract is terminated; its remaining tranches are cancelled."))


@bp.route("/receipts")
@login_required
def receipts():
    """Fees and allowances an organisation says it paid to the current user, to confirm or deny."""
    rows = fee_receipts.receipts_of(current_user)
    contracts_by_id = {c.id: c for c in db.session.scalars(
        select(Contract).where(Contract.id.in_({r.contract_id for r in rows})))} if rows else {}
    return render_template("projects/contract_receipts.html", rows=rows, contracts=contracts_by_id,
                           form=ReceiptAnswerForm(formdata=None))


@bp.route("/receipts/<int:fee_id>/<any(confirm, deny):answer>", methods=["POST"])
@login_required
def answer_receipt(fee_id: int, answer: str):
    fee = db.get_or_404(FeePayment, fee_id)
    if fee.recipient_user_id != current_user.id:
        abort(403)
    valid_form(ReceiptAnswerForm())
    to = ReceiptStatus.CONFIRMED if answer == "confirm" else ReceiptStatus.DENIED
    return run_and_redirect(lambda: contract_reports.transition_receipt(fee, to, actor=current_user,
                                                                        reason=request.form.get("reason", "")),
                            _("Thank you, your answer is recorded."), url_for("contracts.receipts"))


@bp.route("/files/<key>")
@login_required
def file(key: str):
    stored = db.session.scalar(select(StoredFile).where(StoredFile.key == key[:32])
                               .options(undefer(StoredFile.content)))
    contract_id = contract_reports.contract_of_file(stored.id) if stored else None
    if contract_id is None or not can_view(db.session.get(Contract, contract_id)):
        abort(404)
    inline = stored.content_type.startswith("image/")
    return send_file(io.BytesIO(stored.content), mimetype=stored.content_type, as_attachment=not inline,
                     download_name=stored.download_name)
