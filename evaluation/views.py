"""Review pages: templates, the expert pool, drawing panels, declaring conflicts, scoring, results."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.db import db
from core.errors import InvalidForm, ServiceError
from core.forms import form_errors_text
from core.permissions import has_role, require
from core.views import form_status, run_and_redirect, run_service, valid_form
from orgs.models import Organisation
from projects.enums import CallStatus
from projects.models import Call, Proposal, ProposalAttachment
from projects.views import load_call

from . import aggregate, blind, expert_conflicts, panels, permissions, score_details, score_sheets, services, templates
from .enums import SheetStatus, TemplatePurpose
from .forms import (
    ApplicantConflictForm,
    DeclareForm,
    DrawForm,
    ReasonForm,
    ReplaceForm,
    StandingConflictForm,
    TemplateForm,
)
from .models import IndicatorTemplate, Panel, PanelMember, ScoreSheet
from .sheet_forms import refusal, save_from_form

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
OUTLINE = {"sections": "outline"}  # a template service's name for the outline field
# The score sheets' comment inputs say the service's limit first (templates/evaluation/_criterion.html).
bp.add_app_template_global(score_sheets.MAX_COMMENT, "MAX_SHEET_COMMENT")
bp.add_app_template_global(score_sheets.comment_rule, "comment_rule")
bp.add_app_template_global(score_sheets.sheet_fingerprint, "sheet_fingerprint")  # the entries a sheet form shows
bp.add_app_template_global(aggregate.method_used, "method_used")  # a final score's method as applied
bp.add_app_template_global(aggregate.method_label, "method_label")


def _done(message: str, target: str, call):
    return run_and_redirect(call, message, target)


@bp.route("/templates", methods=["GET", "POST"])
@login_required
def template_list():
    require(permissions.can_manage_review(current_user))
    form = TemplateForm()
    if request.method != "POST":  # ?purpose=project_evaluation: the project default's outline to start from
        if request.args.get("purpose") in {p.value for p in TemplatePurpose}:
            form.purpose.data = request.args["purpose"]
        form.outline.data = templates.default_outline(form.purpose.data)
    if form.validate_on_submit() and run_service(lambda: templates.build(
            form.name.data, templates.parse_outline(form.outline.data), actor=current_user,
            purpose=form.purpose.data, description=form.description.data), form, OUTLINE):
        flash(_("Template saved."), "success")
        return redirect(url_for("evaluation.template_list"))
    return render_template("evaluation/templates.html", items=templates.editable(), form=form,
                           missing_defaults=templates.missing_defaults()), form_status()


@bp.route("/templates/default/<any(proposal, project):which>", methods=["POST"])
@login_required
def template_default(which: str):
    """One of the platform's defaults (proposal review, project evaluation), created when an officer asks: showing
    the list writes nothing; a call without a template of its own still gets the proposal default when its review
    rules are fixed, and commissioning a project evaluation needs a template to choose."""
    require(permissions.can_manage_review(current_user))
    if templates.existing_default(which) is not None:  # another tab, or a panel drawn meanwhile
        flash(_("The default template already exists."), "info")
        return redirect(url_for("evaluation.template_list"))
    return _done(_("The default template was created."), url_for("evaluation.template_list"),
                 lambda: templates.default_template(which, actor=current_user))


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def template_edit(template_id: int):
    require(permissions.can_manage_review(current_user))
    template = db.get_or_404(IndicatorTemplate, template_id)
    if template.frozen:
        abort(404)
    form = TemplateForm(obj=template)
    if request.method != "POST":
        form.outline.data = templates.outline_of(template)
    if form.validate_on_submit() and run_service(lambda: templates.update(
            template, form.name.data, templates.parse_outline(form.outline.data), actor=current_user,
            purpose=form.purpose.data, description=form.description.data), form, OUTLINE):
        flash(_("Template saved."), "success")
        return redirect(url_for("evaluation.template_list"))
    return render_template("evaluation/template_edit.html", form=form, template=template), form_status()


def _panel_for(call: Call) -> Panel | None:
    return db.session.scalar(select(Panel).where(Panel.call_id == call.id))


@bp.route("/calls/<int:call_id>/panel", methods=["GET", "POST"])
@login_required
def panel(call_id: int):
    call = load_call(call_id)
    require(permissions.can_view_results(current_user))
    form = DrawForm()
    existing = _panel_for(call)
    if request.method == "POST":  # a refusal re-renders what was typed, with the reasons beside the seats
        require(permissions.can_manage_review(current_user))
        if form.validate_on_submit() and run_service(lambda: panels.draw_panel(
                call, form.seat_counts(), actor=current_user, max_panels_per_year=form.max_panels_per_year.data,
                outlier_points=form.outlier_points.data), form):
            flash(_("Panel drawn."), "success")
            return redirect(url_for("evaluation.panel", call_id=call.id))
        existing = _panel_for(call)
    review_open = call.status in (CallStatus.CLOSED, CallStatus.UNDER_REVIEW)
    available = panels.available_seats(call, form.max_panels_per_year.data or 6) if review_open and not existing \
        else {}
    if request.method != "POST" and available:
        form.suggest(available)
    warnings = blind.attachment_warnings(services.reviewable(call.id)) if existing and existing.blind else []
    page = render_template("evaluation/panel.html", call=call, panel=existing, form=form, warnings=warnings,
                           rules=templates.describe(call.template_id) if call.template_id else None,
                           replace_form=ReplaceForm(formdata=None), available=available,
                           review_open=review_open, redraw_ok=existing is not None and panels.redraw(existing) == [
                               m.user_id for m in existing.members[:existing.size]])
    return page, 422 if request.method == "POST" else 200


@bp.route("/members/<int:member_id>/replace", methods=["POST"])
@login_required
def replace(member_id: int):
    member = db.get_or_404(PanelMember, member_id)
    require(permissions.can_manage_review(current_user))
    form = ReplaceForm()
    target = url_for("evaluation.panel", call_id=member.panel.call_id)
    if not form.validate_on_submit():  # no reason, or one over the limit
        flash(form_errors_text(form) if form.reason.data else _("Please give a reason."), "danger")
        return redirect(target)
    return _done(_("Member replaced by a further draw."), target, lambda: panels.replace_member(
        member, form.status.data, form.reason.data, actor=current_user))


@bp.route("/assignments")
@login_required
def assignments():
    return _assignments_page()


def _still_to_do(call: Call, proposals, declared, sheets) -> bool:
    """The review is open and the member has a proposal to declare on, or (once the review has started: scoring
    waits for it) to score and submit."""
    return call.status in (CallStatus.CLOSED, CallStatus.UNDER_REVIEW) and any(
        p.id not in declared or (services.scoring_open(call) and not declared[p.id].has_conflict and (
            p.id not in sheets or sheets[p.id].status != SheetStatus.SUBMITTED)) for p in proposals)


# a call's review: open (declarations and scores change); finished (publicity and after): listed apart, closed
_OPEN = (CallStatus.CLOSED, CallStatus.UNDER_REVIEW)
_OPEN_OR_NOT_YET = (CallStatus.DRAFT, CallStatus.PUBLISHED, *_OPEN)


def _assignments_page(declaring: DeclareForm | None = None, member_id: int | None = None,
                      applicant: ApplicantConflictForm | None = None) -> str:
    """The member's panels, those with something still to do first; declaring: a refused declaration of member_id,
    shown as typed with its reasons beside that proposal; applicant: likewise, a refused blind review's conflict
    with an applicant (the applicant chosen and the relationship kept)."""
    memberships = list(db.session.scalars(select(PanelMember).where(PanelMember.user_id == current_user.id,
                                                                    PanelMember.status == "active")
                                          .order_by(PanelMember.id.desc())))
    rows = []
    for member in memberships:
        call = db.session.get(Call, member.panel.call_id)
        declared = services.declarations(member)
        sheets = {s.proposal_id: s for s in db.session.scalars(select(ScoreSheet).where(
            ScoreSheet.member_id == member.id))}
        rows.append((member, call, services.reviewable(call.id), declared, sheets))
    # stable: newest first within each group; finished calls last, under their own heading
    rows.sort(key=lambda row: (row[1].status not in _OPEN_OR_NOT_YET, not _still_to_do(*row[1:])))
    reasons = score_sheets.reopen_reasons([s for row in rows for s in row[4].values()])  # one query for all
    return render_template("evaluation/assignments.html", rows=rows, form=DeclareForm(formdata=None),
                           review_open=lambda call: call.status in _OPEN,
                           not_started=lambda call: call.status == CallStatus.CLOSED,  # declared, not yet scored
                           finished=lambda call: call.status not in _OPEN_OR_NOT_YET,
                           sent_back=lambda sheet: reasons.get(sheet.id, ""),
                           applicants=services.applicants, declaring=declaring, declaring_member=member_id,
                           applicant=applicant)


@bp.route("/members/<int:member_id>/declare-applicant", methods=["POST"])
@login_required
def declare_applicant(member_id: int):
    member = db.get_or_404(PanelMember, member_id)
    require(member.user_id == current_user.id)
    form = ApplicantConflictForm()
    if form.validate_on_submit():
        done = run_service(lambda: services.declare_applicant_conflict(
            member, form.org_id.data, form.relationship.data, actor=current_user), form)
        if done:
            flash(_("Declaration recorded."), "success")
            return redirect(url_for("evaluation.assignments"))
        if not done.refusal.fields:  # not about what was typed (the review is over, say): said in a flash
            return redirect(url_for("evaluation.assignments"))
    else:
        flash(_("Choose the applicant and describe the relationship."), "danger")
    # the list again (422), the applicant chosen and the relationship typed kept, the reason beside the field (it
    # was a flash after a redirect, what was typed lost)
    form.member_id = member.id
    return _assignments_page(applicant=form), 422


@bp.route("/conflicts", methods=["GET", "POST"])
@login_required
def standing_conflicts():
    """An expert's standing conflicts with organisations, declared before any draw."""
    require(has_role(current_user, "evaluator"))
    form = StandingConflictForm(organisations=expert_conflicts.organisations())
    if form.validate_on_submit():
        org = db.get_or_404(Organisation, form.org_id.data)
        if run_service(lambda: expert_conflicts.declare(current_user, org, form.relationship.data,
                                                        actor=current_user), form):
            flash(_("Conflict declared: you will not be drawn for this organisation's calls."), "success")
            return redirect(url_for("evaluation.standing_conflicts"))
    # refused (no relationship, one already declared with the organisation): 422, what was typed kept, each reason
    # beside its field (it answered 200, and a refusal by the service was a flash after a redirect, the text lost)
    return render_template("evaluation/standing_conflicts.html", form=form,
                           conflicts=expert_conflicts.of(current_user)), 422 if form.is_submitted() else 200


@bp.route("/members/<int:member_id>/declare", methods=["POST"])
@login_required
def declare(member_id: int):
    """A refusal (no answer chosen, a conflict without the relationship) re-renders the list as typed (422)."""
    member = db.get_or_404(PanelMember, member_id)
    require(member.user_id == current_user.id)
    form = DeclareForm()
    if not form.validate_on_submit():
        if form.proposal_id.errors:  # not a proposal of the page: the form's refusal page
            raise InvalidForm(form)
        return _assignments_page(form, member.id), 422
    proposal = db.get_or_404(Proposal, form.proposal_id.data)
    if run_service(lambda: services.declare(member, proposal, form.conflict.data == "yes", form.relationship.data,
                                            actor=current_user), form):
        flash(_("Declaration recorded."), "success")
        return redirect(url_for("evaluation.assignments"))
    return _assignments_page(form, member.id), 422


@bp.route("/members/<int:member_id>/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def sheet(member_id: int, proposal_id: int):
    member = db.get_or_404(PanelMember, member_id)
    proposal = db.get_or_404(Proposal, proposal_id)
    # Only the member, only after declaring no conflict on this proposal; everyone else gets 404.
    if member.user_id != current_user.id or not services.can_see_proposal(member, proposal):
        abort(404)
    criteria = member.panel.template.criteria
    typed, errors, status = None, {}, 200  # after a refusal: what the evaluator sent, and why, beside each criterion
    if request.method == "POST":
        valid_form(ReasonForm())
        try:
            score_sheet = score_sheets.sheet_for(member, proposal)
            save_from_form(score_sheet, criteria, request.form, actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            if exc.status == 403:
                abort(403)
            message, errors = refusal(exc, criteria)
            flash(message, "danger")
            typed, status = request.form, exc.status  # 409: submitted in another tab, or the review is over
        else:
            db.session.commit()
            flash(_("Score sheet submitted.") if score_sheet.status == SheetStatus.SUBMITTED else _("Draft saved."),
                  "success")
            return redirect(url_for("evaluation.sheet", member_id=member.id, proposal_id=proposal.id))
    # a GET writes nothing: before the first save the sheet is an empty draft, unsaved
    score_sheet = score_sheets.sheet_to_show(member, proposal)
    scores = {s.indicator_id: s for s in score_sheet.scores}
    terms = blind.identifying_terms(proposal) if member.panel.blind else []
    submitted = score_sheet.status == SheetStatus.SUBMITTED
    page = render_template("evaluation/sheet.html", member=member, proposal=proposal, sheet=score_sheet,
                           shown=lambda text: blind.redact(str(text or ""), terms, _("(applicant)")),
                           template=member.panel.template, scores=scores, blind=member.panel.blind,
                           form=ReasonForm(formdata=None), typed=typed, errors=errors,
                           number=score_sheets.proposal_number(proposal),
                           sent_back=score_sheets.reopen_reason(score_sheet),
                           not_started=db.session.get(Call, member.panel.call_id).status == CallStatus.CLOSED,
                           next_one=score_details.next_to_do(member, proposal) if submitted else None)
    return page, status


@bp.route("/members/<int:member_id>/attachments/<int:attachment_id>")
@login_required
def attachment(member_id: int, attachment_id: int):
    """A proposal's attachment for a member who declared no conflict on it; a neutral name in blind review."""
    member = db.get_or_404(PanelMember, member_id)
    row = db.get_or_404(ProposalAttachment, attachment_id)
    proposal = row.proposal
    if member.user_id != current_user.id or not services.can_see_proposal(member, proposal):
        abort(404)
    stored = row.file
    name = stored.download_name
    if member.panel.blind:
        position = [a.id for a in proposal.attachments].index(row.id) + 1
        name = f"{_('Attachment %(n)d', n=position)}.{name.rsplit('.', 1)[-1]}"
    return send_file(io.BytesIO(stored.content), mimetype=stored.content_type, as_attachment=True,
                     download_name=name)


# routes on this blueprint: the expert pool; the scores and ranking; the audit log's ways in; and what an applicant
# is told of its own proposal's scores (answered through core.signals.review_details)
from . import applicant_results, pool_views, result_views, target_pages  # noqa: E402,F401
