"""Scores and ranking (评分与排名): the results page and its decision, sending a sheet back, and one proposal's
scores criterion by criterion. Routes on evaluation.views' blueprint."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from core.db import db
from core.errors import ServiceError
from core.forms import form_errors_text
from core.permissions import require
from core.views import attempt, db_int
from projects import awards
from projects.award_models import AwardDecision
from projects.contract_models import Contract
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call, Proposal
from projects.views import load_call

from . import aggregate, permissions, score_details, score_sheets, services
from .decision_step import decision_step, recommended, short_of_sheets
from .documents import decide_from_review
from .enums import SheetStatus
from .forms import ReasonForm, read_decision
from .models import Panel, ScoreSheet
from .views import _done, _panel_for, bp


@bp.route("/sheets/reopen", methods=["POST"], defaults={"sheet_id": None})  # the sheet chosen in the form
@bp.route("/sheets/<int:sheet_id>/reopen", methods=["POST"])
@login_required
def reopen(sheet_id: int | None):
    score_sheet = db.get_or_404(ScoreSheet, sheet_id or request.form.get("sheet_id", type=db_int) or 0)
    if score_sheet.member_id is None:
        abort(404)  # a project evaluation's sheet: reopened from the evaluation's page
    require(permissions.can_manage_review(current_user))
    form = ReasonForm()
    target = url_for("evaluation.results", call_id=score_sheet.member.panel.call_id)
    if not form.validate_on_submit():  # a reason over the limit: say so, nothing changes
        flash(form_errors_text(form), "danger")
        return redirect(target)
    return _done(_("Score sheet reopened; the member has been told."), target,
                 lambda: score_sheets.transition_sheet(score_sheet, SheetStatus.DRAFT, actor=current_user,
                                                       reason=form.reason.data or ""))


@bp.route("/calls/<int:call_id>/results")
@login_required
def results(call_id: int):
    call = load_call(call_id)
    require(permissions.can_view_results(current_user))
    current = _panel_for(call)
    if current is None:
        abort(404)
    return _results_page(call, current)


def _results_page(call: Call, current: Panel, typed=None, errors: dict | None = None) -> str:
    """The ranking, the decision form (after a refusal: what was typed, and each field's reason) or, once decided,
    the decision and what comes next, and the score sheets (reopened only while the review is open)."""
    reviewable = services.reviewable(call.id)
    ranked = services.results(current, reviewable)
    proposals = {p.id: p for p in reviewable}
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.proposal_id.in_(list(proposals)),
                                                              services.COUNTED)
                                     .options(lazyload(ScoreSheet.scores))))  # the list shows no scores
    ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in ranked]
    short = short_of_sheets(ranked, current.size)  # never ticked: the budget goes to the fully scored ones
    ticked = recommended(call, ranking, short)
    decided = call.status in (CallStatus.PUBLICITY, CallStatus.AWARDED)
    decisions = list(db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id)
                                        .order_by(AwardDecision.rank))) if decided else []
    contracts = dict(db.session.execute(select(Contract.proposal_id, Contract.id).where(
        Contract.proposal_id.in_([d.proposal_id for d in decisions if d.awarded]))).all()) if decisions else {}
    manager = permissions.can_manage_review(current_user)
    missing = services.missing_work(current, reviewable)
    progress = score_details.progress(current, reviewable)
    scored = {r.proposal_id for r in ranked}
    return render_template("evaluation/results.html", call=call, panel=current, ranked=ranked, proposals=proposals,
                           progress=progress, provisional=not all(p.complete for p in progress.values()),
                           unscored=[p for p in reviewable if p.id not in scored],
                           labels=score_details.member_labels(current, call),
                           named=score_details.names_shown(call),
                           sheets=sheets, fmt=aggregate.fmt, form=ReasonForm(formdata=None), recommended=ticked,
                           missing=missing, requested=awards.requested, typed=typed,
                           step=decision_step(call, ranked, missing, manager=manager),
                           errors=errors or {}, review_open=call.status in (CallStatus.CLOSED, CallStatus.UNDER_REVIEW),
                           scoring_open=services.scoring_open(call),  # sheets reopened
                           decisions=decisions, publicity=awards.active_publicity(call) if decided else None,
                           contracts=contracts, can_contract=manager, short=short)


@bp.route("/calls/<int:call_id>/decision", methods=["POST"])
@login_required
def decision(call_id: int):
    """The officer's decision from the ranking: amounts per awarded proposal, reasons, publicity length. A refusal
    re-renders the form as typed, each field with its own reason (422)."""
    call = load_call(call_id)
    require(permissions.can_manage_review(current_user))
    current = _panel_for(call)
    if current is None:
        abort(400)
    amounts, working_days, errors = read_decision(request.form, [r.proposal_id for r in services.results(current)])

    def decide():
        decide_from_review(call, current, amounts, request.form.get("reason", ""), working_days, actor=current_user)
        if errors:  # not reached: the service refuses the stand-ins for unreadable entries
            raise ServiceError(_("Please correct the marked fields."))

    decided = attempt(decide)
    if decided:
        flash(_("Decision recorded; the results are now in publicity."), "success")
        return redirect(url_for("evaluation.results", call_id=call.id))
    flash(decided.refusal.message, "danger")
    errors = {**{name: str(reason) for name, reason in decided.refusal.fields.items()}, **errors}
    if not errors:  # the review is not complete, or already decided: nothing on the form to correct
        return redirect(url_for("evaluation.results", call_id=call.id))
    return _results_page(call, current, typed=request.form, errors=errors), 422




@bp.route("/calls/<int:call_id>/results/proposals/<int:proposal_id>")
@login_required
def proposal_scores(call_id: int, proposal_id: int):
    """One proposal's scores criterion by criterion (to check an objection about one criterion, say): each expert's
    score, named after the review, and the criterion's mean. The organisation that submitted it sees its own once
    the results are published, to object with reasons: the experts numbered, never named, and without their
    comments; another organisation's proposal does not exist for it (404)."""
    call = load_call(call_id)
    staff = permissions.can_view_results(current_user)
    require(staff or score_details.may_open_own_scores(current_user))
    current, proposal = _panel_for(call), db.get_or_404(Proposal, proposal_id)
    if current is None or proposal.call_id != call.id or proposal.status != ProposalStatus.ELIGIBLE:  # not reviewed
        abort(404)
    if not staff and not score_details.can_see_own_scores(current_user, proposal):
        abort(404)
    scores = score_details.proposal_scores(current, proposal)
    return render_template("evaluation/proposal_scores.html", call=call, panel=current, proposal=proposal,
                           scores=scores, fmt=aggregate.fmt, applicant=not staff,
                           labels=score_details.member_labels(current, call) if staff
                           else score_details.applicant_labels(scores, proposal),
                           named=staff and score_details.names_shown(call),
                           progress=score_details.progress(current, [proposal])[proposal.id])
