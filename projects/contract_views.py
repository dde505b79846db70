"""Contracts and delivery pages: drawing up from an award, signing, reports, payments, expenses."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import defaultload, selectinload

from audit.permissions import can_view_audit_log
from core.db import db
from core.errors import invalid
from core.forms import Refused
from core.paging import page_arg
from core.permissions import require
from core.timeutil import local_today
from core.uploads import ChosenFiles
from core.views import attempt, db_int, refusal_text, run_and_redirect, run_service, valid_form
from orgs import permissions as org_permissions
from orgs import services as org_services
from orgs.models import Organisation

from . import (
    contract_changes,
    contract_charts,
    contract_drafts,
    contract_page_facts,
    contract_reports,
    contract_watch,
    contracts,
    final_tranche,
    org_projects,  # noqa: F401  (registers an organisation's public projects with orgs.track_record)
    permissions,
)
from .advance_payment import ADVANCE_CAP_PERCENT
from .award_models import AwardDecision
from .contract_change_models import ChangeKind
from .contract_forms import (
    ADVANCE,
    FINAL,
    FIRST_VISIT,
    MAX_TITLE,
    ContractTermsForm,
    contract_rows,
    draft_input,
    expense_input,
    plan_rows,
    show_refusal,
)
from .contract_models import Contract, ContractLine, ContractStatus, Expense, Milestone, MilestoneReport, Tranche
from .contract_money import (
    MAX_WITHDRAWAL_REASON,
    correct_expense,
    needs_second_officer,
    pay_tranche,
    record_expense,
    withdraw_expense,
)
from .contract_report_models import ActivityRecord
from .enums import CallStatus
from .forms import ContractConfirmForm, ReasonForm
from .models import Call, Proposal

bp = Blueprint("contracts", __name__, url_prefix="/contracts")
EXPENSES_SHOWN = 50


def can_view(contract: Contract) -> bool:
    return org_permissions.is_member(current_user, contract.org) or org_permissions.is_staff(current_user)


def load_contract(contract_id: int) -> Contract:
    contract = db.get_or_404(Contract, contract_id)
    if not can_view(contract):
        abort(404)
    return contract


def _done(contract_id: int, message: str, call):
    valid_form(ReasonForm())
    return run_and_redirect(call, message, url_for("contracts.show", contract_id=contract_id))


def member_org_ids(user) -> list[int] | None:
    """None for staff (every project), otherwise the user's organisations."""
    if org_permissions.is_staff(user):
        return None
    return [m.org_id for m in org_services.memberships_of(user) if m.status == "active"]


def managed_org_ids(user) -> set[int]:
    """The organisations whose contracts the user confirms (an active manager's)."""
    return {m.org_id for m in org_services.memberships_of(user) if m.status == "active" and m.role == "manager"}


@bp.route("/")
@login_required
def index():
    org_ids = member_org_ids(current_user)
    board = contract_watch.dashboard(page_arg(), org_ids)
    managed = managed_org_ids(current_user) if org_ids is not None else set()
    awardable = []
    if permissions.can_manage_calls(current_user):
        contracted = select(Contract.proposal_id)
        awardable = db.session.execute(  # (a call still in publicity is not awarded yet: no contract to draw up)
            select(AwardDecision.id, AwardDecision.amount_fen, Organisation.name.label("org"), Call.title.label("call"))
            .join(Proposal, Proposal.id == AwardDecision.proposal_id)
            .join(Organisation, Organisation.id == Proposal.org_id).join(Call, Call.id == Proposal.call_id)
            .where(AwardDecision.awarded, Call.status == CallStatus.AWARDED,
                   AwardDecision.proposal_id.not_in(contracted))
            .order_by(AwardDecision.id).limit(20)).all()
    return render_template("projects/contracts.html", board=board, awardable=awardable, for_org=org_ids is not None,
                           rate=contracts.execution_rate, managed=managed,
                           status_label=lambda s: ContractStatus(s).label,
                           change_label=lambda k: ChangeKind(k).label)


@bp.route("/new/<int:decision_id>", methods=["GET", "POST"])
@login_required
def new(decision_id: int):
    require(permissions.can_manage_calls(current_user))
    decision = db.get_or_404(AwardDecision, decision_id)
    if drawn_up := db.session.scalar(select(Contract.id).where(Contract.proposal_id == decision.proposal_id)):
        return redirect(url_for("contracts.show", contract_id=drawn_up))  # (a stale link, a second tab)
    form, rows, beside = ContractTermsForm(starts_on=local_today(), amount=decision.amount_fen), FIRST_VISIT, {}
    if form.is_submitted():  # (refused: the page again, 422, each reason beside its input, row or section)
        rows = plan_rows(request.form)
        drawn = attempt(lambda: contracts.draft_contract(decision, **draft_input(form, rows, decision),
                                                         actor=current_user))
        if drawn:
            flash(_("Contract drawn up; both sides now confirm it."), "success")
            return redirect(url_for("contracts.show", contract_id=drawn.value.id))
        beside = show_refusal(form, drawn.refusal, rows)
    return terms_page(decision, form, rows, beside, ready=decision.awarded and
                      decision.proposal.call.status == CallStatus.AWARDED)


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contract_id: int):
    """The drawing-up form again, filled with the draft's terms: until both sides have signed, the officer corrects
    any of them (contract_drafts.edit_draft, which withdraws the confirmations given)."""
    contract = load_full_contract(contract_id)
    require(permissions.can_manage_calls(current_user))
    if contract.status != ContractStatus.DRAFT and request.method != "POST":
        flash(_("Only a contract awaiting signatures can be edited; once signed, ask for a budget or schedule "
                "change."), "warning")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    decision = contract_drafts.award_of(contract)
    form = ContractTermsForm(starts_on=contract.starts_on, ends_on=contract.ends_on, clauses=contract.clauses,
                             amount=contract.amount_fen)
    rows, beside, status = contract_rows(contract), {}, 422
    if form.is_submitted():
        rows = plan_rows(request.form)
        saved = attempt(lambda: contract_drafts.edit_draft(contract, **draft_input(form, rows, decision),
                                                           actor=current_user))
        if saved:
            flash(_("Draft saved; both sides now confirm it again.") if saved.value else _("Nothing changed."),
                  "success" if saved.value else "info")
            return redirect(url_for("contracts.show", contract_id=contract.id))
        beside, status = show_refusal(form, saved.refusal, rows), saved.refusal.status
    return terms_page(decision, form, rows, beside, contract=contract, status=status)


def terms_page(decision: AwardDecision, form, rows, beside: dict, *, ready: bool = True,
               contract: Contract | None = None, status: int = 422):
    """The drawing-up form (editing: `contract`, the draft); after a refusal again (`status`), as typed."""
    window = contracts.start_window(decision, local_today())
    form.starts_on.render_kw = {"min": window[0], "max": window[1], "aria-describedby": "period-help"}
    form.ends_on.render_kw = {"min": window[0], "aria-describedby": "period-help"}
    return render_template("projects/contract_new.html", decision=decision, form=form, window=window,
                           max_years=contracts.MAX_CONTRACT_YEARS, call=decision.proposal.call, rows=rows,
                           beside=beside, final=FINAL, advance=ADVANCE, advance_cap=ADVANCE_CAP_PERCENT,
                           max_title=MAX_TITLE, ready=ready, contract=contract,
                           amount=contract.amount_fen if contract else decision.amount_fen), \
        status if form.is_submitted() else 200


def load_full_contract(contract_id: int) -> Contract:
    """The contract with everything its pages show, when the user may see it (else 404)."""
    report_parts = (selectinload(MilestoneReport.activities).selectinload(ActivityRecord.photos),
                    selectinload(MilestoneReport.evidence_files), selectinload(MilestoneReport.fees))
    org = defaultload(Contract.org)
    contract = db.session.scalar(select(Contract).where(Contract.id == contract_id).options(
        org.lazyload(Organisation.categories), org.lazyload(Organisation.communities), selectinload(Contract.lines),
        selectinload(Contract.tranches), selectinload(Contract.changes), selectinload(Contract.amendments),
        selectinload(Contract.milestones).selectinload(Milestone.reports).options(*report_parts)))
    if contract is None or not can_view(contract):
        abort(404)
    return contract


@bp.route("/<int:contract_id>")
@login_required
def show(contract_id: int):
    return contract_page(load_full_contract(contract_id))


def contract_page(contract: Contract, refused: Refused | None = None, status: int = 422):
    """The contract's page; after a refusal, again (`status`: 422, or 409 when the contract changed meanwhile;
    nothing changed) with the refused form as it was typed."""
    expenses = list(db.session.scalars(select(Expense).where(Expense.contract_id == contract.id)
                                       .options(selectinload(Expense.withdrawn_by), selectinload(Expense.receipt))
                                       .order_by(Expense.id.desc()).limit(EXPENSES_SHOWN)))
    is_officer, can_confirm = permissions.can_manage_calls(current_user), \
        permissions.can_confirm_contract(current_user, contract)
    evaluations = contract_evaluations(contract)
    return render_template("projects/contract.html", contract=contract, form=ReasonForm(formdata=None),
                           is_manager=org_permissions.is_manager(current_user, contract.org),
                           is_officer=is_officer, expenses=expenses, can_confirm=can_confirm,
                           not_confirming=contract_page_facts.why_not_confirm(current_user, contract)
                           if contract.status == ContractStatus.DRAFT and not can_confirm else None,
                           commissioning=contract_page_facts.commissioning(contract, evaluations)
                           if is_officer else None,
                           approvers=contract_page_facts.approver_names(contract),
                           rate=contracts.execution_rate(contract.spent_fen, contract.amount_fen), today=local_today(),
                           timeline=contract_watch.timeline(contract),
                           budget_bars=contract_charts.budget_bars(contract),
                           output_bars=contract_charts.output_bars(contract),
                           two_person=needs_second_officer, final_waiting=final_tranche.waiting_for,
                           max_change_reason=contract_changes.MAX_REASON,
                           max_review_comment=contract_reports.MAX_REVIEW_COMMENT,
                           evaluations=evaluations, correcting=expense_to_correct(contract),
                           max_withdrawal_reason=MAX_WITHDRAWAL_REASON,
                           can_open_audit=can_view_audit_log(current_user),
                           can_open_files=can_view(contract),  # the rule of the files' route (contracts.file)
                           withdrawal=contract_drafts.last_withdrawal(contract)
                           if contract.status == ContractStatus.DRAFT else None,
                           refused=refused or Refused()), status if refused else 200


def expense_to_correct(contract: Contract) -> Expense | None:
    """The expense a manager is correcting (?correct=<id>: the expense form filled with its values), if it can be."""
    wanted = request.args.get("correct", type=db_int)
    if not wanted or contract.status != ContractStatus.ACTIVE \
            or not org_permissions.is_manager(current_user, contract.org):
        return None
    found = db.session.get(Expense, wanted)
    return found if found and found.contract_id == contract.id and not found.withdrawn else None


def contract_evaluations(contract: Contract) -> list:
    """The contract's project evaluations the viewer may open: the organisation found its evaluation report and
    rectification only through a notification's link."""
    from evaluation import project_permissions as evaluation_permissions  # (evaluation imports projects)
    from evaluation.project_models import ProjectEvaluation

    found = db.session.scalars(select(ProjectEvaluation).where(ProjectEvaluation.contract_id == contract.id)
                               .options(selectinload(ProjectEvaluation.assignments)).order_by(ProjectEvaluation.id))
    return [e for e in found if evaluation_permissions.can_view(current_user, e)]


def posted_on_contract_page(contract_id: int, key: str, names: set[str], call, done: str, files=()):
    """A form posted from the contract page: on success commit, say `done` and go back to the page; refused, the
    page again with what was typed and why beside the fields `names` (a reason for another field, or none, is said
    at the top), and the files chosen (`files`, ChosenFiles) kept for the next attempt."""
    valid_form(ReasonForm())
    outcome = attempt(call)
    if outcome:
        flash(done, "success")
        return redirect(url_for("contracts.show", contract_id=contract_id))
    refusal = outcome.refusal
    kept = {chosen.name: chosen.keep(refusal) for chosen in files}
    beside = bool(refusal.fields) and set(refusal.fields) <= names
    flash(str(refusal.message) if beside else refusal_text(refusal), "danger")
    # A reason beside a field is the input's to correct (422); one about the contract as it is now (a report
    # reviewed, a tranche paid meanwhile) is the service's status, 409 for a conflict.
    return contract_page(load_full_contract(contract_id),
                         Refused(key, refusal.fields if beside else {}, request.form, kept),
                         422 if beside else refusal.status)


@bp.route("/<int:contract_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(contract_id: int):
    """The whole contract and the signer's confirmation, given only with a tick that they have read the clauses;
    refused (422, nothing changed) without it, or when the terms changed while they read them."""
    contract = load_full_contract(contract_id)
    if request.method == "POST":  # one who signs for neither side: a 403 before the form is read (DESIGN.md 4.1)
        require(org_permissions.is_manager(current_user, contract.org) or permissions.can_manage_calls(current_user))
    if request.method != "POST" and not permissions.can_confirm_contract(current_user, contract):
        flash(contract_page_facts.why_not_confirm(current_user, contract), "info")  # (it said nothing)
        return redirect(url_for("contracts.show", contract_id=contract.id))
    form = ContractConfirmForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(_("Please correct the marked fields."), "danger")
    elif run_service(lambda: contracts.confirm(contract, actor=current_user, terms=form.terms.data or ""), form):
        flash(_("Confirmed."), "success")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    if form.acknowledged.errors:  # (the terms changed while they read: they tick again, having read them again)
        form.acknowledged.data = False
    form.terms.data = contracts.terms_digest(contract)
    return render_template("projects/contract_confirm.html", contract=contract,
                           form=form), 422 if form.is_submitted() else 200


@bp.route("/reports/<int:report_id>/<any(accept, return):decision>", methods=["POST"])
@login_required
def review(report_id: int, decision: str):
    item = db.get_or_404(MilestoneReport, report_id)
    contract = load_contract(db.session.get(Milestone, item.milestone_id).contract_id)
    return posted_on_contract_page(
        contract.id, f"review-{item.id}", {"comment"}, lambda: contract_reports.review_report(
            item, decision == "accept", request.form.get("comment", ""), actor=current_user),
        _("Report accepted.") if decision == "accept" else _("Report returned to the organisation."))


@bp.route("/tranches/<int:tranche_id>/pay", methods=["POST"])
@login_required
def pay(tranche_id: int):
    tranche = db.get_or_404(Tranche, tranche_id)
    contract = load_contract(tranche.contract_id)
    require(permissions.can_manage_calls(current_user))  # (DESIGN.md 4.1: before the date is read)

    def pay_it():
        try:
            paid_on = date.fromisoformat(request.form.get("paid_on", ""))
        except ValueError:
            raise invalid({"paid_on": _("Dates are YYYY-MM-DD.")}) from None
        return pay_tranche(tranche, request.form.get("reference", ""), paid_on, actor=current_user)

    return posted_on_contract_page(contract.id, f"pay-{tranche.id}", {"paid_on", "reference"}, pay_it,
                                   _("Payment recorded."))


@bp.route("/<int:contract_id>/expenses", methods=["POST"])
@login_required
def expense(contract_id: int):
    contract = load_contract(contract_id)
    line = db.get_or_404(ContractLine, request.form.get("line_id", type=db_int) or 0)
    # Refused, the page again with what was typed and each reason beside its field (it was a flash above an empty
    # form, the amount and payee to type again), the receipt kept (it was lost, and sent again without it).
    receipt = ChosenFiles("receipt")
    if corrects := request.args.get("correct", type=db_int):  # (the form opened by a "Correct" link)
        old = db.get_or_404(Expense, corrects)
        if old.contract_id != contract.id:
            abort(404)
        return posted_on_contract_page(
            contract.id, "expense", {"line_id", "spent_on", "payee", "amount", "receipt"},
            lambda: correct_expense(old, line, *expense_input(request.form), receipt.upload(), actor=current_user),
            _("Expense corrected; the wrong one is withdrawn."), files=[receipt])
    return posted_on_contract_page(
        contract.id, "expense", {"line_id", "spent_on", "payee", "amount", "receipt"},
        lambda: record_expense(contract, line, *expense_input(request.form), receipt.upload(),
                                         actor=current_user), _("Expense recorded."), files=[receipt])


@bp.route("/expenses/<int:expense_id>/withdraw", methods=["POST"])
@login_required
def withdraw(expense_id: int):
    item = db.get_or_404(Expense, expense_id)
    contract = load_contract(item.contract_id)
    return posted_on_contract_page(
        contract.id, f"withdraw-{item.id}", {"reason"},
        lambda: withdraw_expense(item, request.form.get("reason", ""), actor=current_user), _("Expense withdrawn."))


from . import contract_closeout_views, contract_delivery_views, contract_export  # noqa: E402, F401  (more routes on this blueprint)
