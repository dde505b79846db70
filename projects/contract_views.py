"""Contracts and delivery pages: drawing up from an award, signing, reports, payments, expenses."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db
from core.errors import ServiceError
from core.money import MoneyError, parse_yuan
from core.permissions import require
from core.timeutil import local_today
from core.views import run_and_redirect
from orgs import permissions as org_permissions
from orgs import services as org_services

from . import contracts, permissions
from .award_models import AwardDecision
from .contract_models import Contract, ContractLine, Milestone, MilestoneReport, Tranche, TrancheStatus
from .forms import ReasonForm

bp = Blueprint("contracts", __name__, url_prefix="/contracts")


def can_view(contract: Contract) -> bool:
    return org_permissions.is_member(current_user, contract.org) or org_permissions.is_staff(current_user)


def load_contract(contract_id: int) -> Contract:
    contract = db.get_or_404(Contract, contract_id)
    if not can_view(contract):
        abort(404)
    return contract


def _done(contract_id: int, message: str, call):
    if not ReasonForm().validate_on_submit():
        abort(400)
    return run_and_redirect(call, message, url_for("contracts.show", contract_id=contract_id))


@bp.route("/")
@login_required
def index():
    stmt = select(Contract).options(selectinload(Contract.lines), selectinload(Contract.tranches),
                                    selectinload(Contract.milestones).selectinload(Milestone.reports))
    if not org_permissions.is_staff(current_user):
        org_ids = [m.org_id for m in org_services.memberships_of(current_user) if m.status == "active"]
        stmt = stmt.where(Contract.org_id.in_(org_ids))
    rows = list(db.session.scalars(stmt.order_by(Contract.id.desc())))
    today = local_today()
    overdue = [(c, m) for c in rows for m in c.milestones if m.due_on < today and c.status == "active"
               and not (m.latest_report and m.latest_report.status == "accepted")]
    waiting = [(c, m) for c in rows for m in c.milestones if m.latest_report and m.latest_report.status == "submitted"]
    payable = [(c, t) for c in rows for t in c.tranches if t.status == TrancheStatus.PAYABLE]
    awardable = []
    if permissions.can_manage_calls(current_user):
        contracted = select(Contract.proposal_id)
        awardable = list(db.session.scalars(select(AwardDecision).where(AwardDecision.awarded,
                                                                        AwardDecision.proposal_id.not_in(contracted))))
    return render_template("projects/contracts.html", rows=rows, overdue=overdue, waiting=waiting, payable=payable,
                           awardable=awardable, rate=contracts.execution_rate)


def _parse_plan(text: str) -> list[contracts.MilestonePlan]:
    plans = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            due = date.fromisoformat(parts[1])
        except (IndexError, ValueError) as exc:
            message = _("Line %(n)d: write 'title | YYYY-MM-DD | deliverables | evidence'.", n=number)
            raise ServiceError(message, fields={"milestones": message}) from exc
        plans.append(contracts.MilestonePlan(parts[0], due, *(parts[2:4] + ["", ""])[:2]))
    return plans


@bp.route("/new/<int:decision_id>", methods=["GET", "POST"])
@login_required
def new(decision_id: int):
    require(permissions.can_manage_calls(current_user))
    decision = db.get_or_404(AwardDecision, decision_id)
    if request.method == "POST":
        if not ReasonForm().validate_on_submit():
            abort(400)
        try:
            percents = [int(p) for p in request.form.get("percents", "").replace("，", ",").split(",") if p.strip()]
            contract = contracts.draft_contract(
                decision, date.fromisoformat(request.form.get("starts_on", "")),
                date.fromisoformat(request.form.get("ends_on", "")), _parse_plan(request.form.get("milestones", "")),
                percents, request.form.get("clauses", ""), actor=current_user)
        except ValueError:
            flash(_("Dates are YYYY-MM-DD and tranche shares whole numbers separated by commas."), "danger")
        except ServiceError as exc:
            db.session.rollback()
            flash(" ".join([exc.message, *map(str, exc.fields.values())]), "danger")
        else:
            db.session.commit()
            flash(_("Contract drawn up; both sides now confirm it."), "success")
            return redirect(url_for("contracts.show", contract_id=contract.id))
    return render_template("projects/contract_new.html", decision=decision, form=ReasonForm(formdata=None),
                           today=local_today())


@bp.route("/<int:contract_id>")
@login_required
def show(contract_id: int):
    contract = load_contract(contract_id)
    return render_template("projects/contract.html", contract=contract, form=ReasonForm(formdata=None),
                           is_manager=org_permissions.is_manager(current_user, contract.org),
                           is_officer=permissions.can_manage_calls(current_user),
                           rate=contracts.execution_rate(contract), today=local_today())


@bp.route("/<int:contract_id>/confirm", methods=["POST"])
@login_required
def confirm(contract_id: int):
    contract = load_contract(contract_id)
    return _done(contract.id, _("Confirmed."), lambda: contracts.confirm(contract, actor=current_user))


@bp.route("/milestones/<int:milestone_id>/report", methods=["POST"])
@login_required
def report(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    contract = load_contract(milestone.contract_id)
    return _done(contract.id, _("Report submitted."), lambda: contracts.submit_report(
        milestone, request.form.get("narrative", ""), [], request.files.get("evidence"), actor=current_user))


@bp.route("/reports/<int:report_id>/<any(accept, return):decision>", methods=["POST"])
@login_required
def review(report_id: int, decision: str):
    item = db.get_or_404(MilestoneReport, report_id)
    contract = load_contract(db.session.get(Milestone, item.milestone_id).contract_id)
    return _done(contract.id, _("Report reviewed."), lambda: contracts.review_report(
        item, decision == "accept", request.form.get("comment", ""), actor=current_user))


@bp.route("/tranches/<int:tranche_id>/pay", methods=["POST"])
@login_required
def pay(tranche_id: int):
    tranche = db.get_or_404(Tranche, tranche_id)
    contract = load_contract(tranche.contract_id)
    try:
        paid_on = date.fromisoformat(request.form.get("paid_on", ""))
    except ValueError:
        flash(_("Dates are YYYY-MM-DD."), "danger")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    return _done(contract.id, _("Payment recorded."), lambda: contracts.pay_tranche(
        tranche, request.form.get("reference", ""), paid_on, actor=current_user))


@bp.route("/<int:contract_id>/expenses", methods=["POST"])
@login_required
def expense(contract_id: int):
    contract = load_contract(contract_id)
    line = db.get_or_404(ContractLine, request.form.get("line_id", type=int) or 0)
    try:
        amount = parse_yuan(request.form.get("amount", ""))
        spent_on = date.fromisoformat(request.form.get("spent_on", ""))
    except (MoneyError, ValueError):
        flash(_("Enter the amount in yuan and the date as YYYY-MM-DD."), "danger")
        return redirect(url_for("contracts.show", contract_id=contract.id))
    return _done(contract.id, _("Expense recorded."), lambda: contracts.record_expense(
        contract, line, spent_on, request.form.get("payee", ""), amount, request.files.get("receipt"),
        actor=current_user))
