"""The evaluator's workspace: the score sheet, the report issued from it, and the page again (422) after a refused
sheet, report or document request. Its routes are on the project evaluation blueprint (project_views)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts.enums import Role
from core.db import db
from core.errors import InvalidForm, ServiceError
from core.i18n import semicolon
from core.permissions import has_role, require
from core.views import attempt, refusal_text

from . import pending, project_report, project_sheets
from . import project_permissions as perms
from .enums import SheetStatus
from .models import ScoreSheet
from .project_forms import TEXT_LIMITS, RequestForm, SummaryForm, TextForm
from .project_models import ProjectEvaluation
from .project_views import _post_ok, _show, bp, load_evaluation
from .sheet_forms import refusal, save_from_form
from .workspace import workspace_context


@bp.route("/<int:evaluation_id>/workspace", methods=["GET", "POST"])
@login_required
def workspace(evaluation_id: int):
    evaluation = load_evaluation(evaluation_id)
    found = perms.assignment(current_user, evaluation)
    if found is not None and found.declared_at is None and not found.withdrawn:
        # assigned but not yet declared: to the evaluation's page, where they declare (others still get 404)
        flash(_("Declare whether you have a conflict of interest before you open the workspace."), "warning")
        return redirect(url_for("project_evaluation.show", evaluation_id=evaluation.id, _anchor="declare-form"))
    if found is None or not found.cleared:
        abort(404)  # not assigned, withdrawn, or conflicted: nothing to see
    if request.method != "POST":  # writes nothing: before the first save the sheet is an empty draft, unsaved
        return _workspace_page(evaluation, project_sheets.sheet_to_show(found))
    _post_ok()
    sheet = project_sheets.sheet_for(found)
    try:
        save_from_form(sheet, evaluation.template.criteria, request.form, actor=current_user)
    except ServiceError as exc:
        db.session.rollback()
        if exc.status == 403:
            abort(403)
        message, errors = refusal(exc, evaluation.template.criteria)
        flash(message, "danger")  # submitted in another tab, or no longer in progress: 409, as stale pages are
        return _workspace_page(evaluation, project_sheets.sheet_to_show(found), typed=request.form, errors=errors,
                               status=exc.status)
    db.session.commit()
    flash(_("Score sheet submitted.") if sheet.status == SheetStatus.SUBMITTED else _("Draft saved."), "success")
    return redirect(url_for("project_evaluation.workspace", evaluation_id=evaluation.id))


def _workspace_page(evaluation: ProjectEvaluation, sheet: ScoreSheet, *, typed=None, errors=None,
                    issue_typed=None, issue_errors=None, request_form=None, status: int = 422):
    """The workspace; after a refused sheet (typed, errors), report (issue_typed, issue_errors) or document request
    (request_form), 422 (or the refusal's status: 409 for a stale sheet) with what was sent and why, beside each
    field."""
    refused = typed is not None or issue_typed is not None or request_form is not None
    page = render_template("evaluation/workspace.html", evaluation=evaluation, sheet=sheet,
                           form=TextForm(formdata=None), request_form=request_form or RequestForm(formdata=None),
                           typed=typed, errors=errors or {}, issue_typed=issue_typed or {},
                           issue_errors=issue_errors or {}, limits=TEXT_LIMITS, **workspace_context(evaluation, sheet))
    return page, status if refused else 200


def refused_request_page(evaluation: ProjectEvaluation, form: RequestForm, status: int = 422):
    """A document request refused (by the form or the service): the evaluator's workspace again, the text and date
    as typed and each reason beside its field (it was a page of its own, or a flash after a redirect that lost
    the text). Someone who may ask but has no workspace (not a cleared evaluator of it) gets the refusal page."""
    found = perms.assignment(current_user, evaluation)
    if found is None or not found.cleared or "csrf_token" in form.errors:
        raise InvalidForm(form)
    return _workspace_page(evaluation, project_sheets.sheet_to_show(found), request_form=form, status=status)


@bp.route("/<int:evaluation_id>/issue", methods=["POST"])
@login_required
def issue(evaluation_id: int):
    evaluation = load_evaluation(evaluation_id)
    require(perms.can_work(current_user, evaluation))
    form = _post_ok(SummaryForm)
    flags = project_report.flags_from_form(evaluation, request.form)
    issued = attempt(lambda: project_report.issue_report(evaluation, form.text.data, flags, actor=current_user))
    if issued:
        flash(_("Evaluation report issued."), "success")
        return redirect(_show(evaluation))
    refusal = issued.refusal
    sheet = project_sheets.existing_sheet(perms.assignment(current_user, evaluation))
    if not refusal.fields or sheet is None:  # not a matter of what was typed (say, a sheet still missing)
        flash(refusal_text(refusal), "danger")
        return redirect(url_for("project_evaluation.workspace", evaluation_id=evaluation.id))
    flash(refusal.message, "danger")
    return _workspace_page(evaluation, sheet, issue_typed=request.form,
                           issue_errors={name: str(reason) for name, reason in refusal.fields.items()})


@bp.app_template_global()
def expert_work() -> dict[str, str]:
    """The home page launcher's lines for an expert (its slots review_work and project_work): what waits for them in
    their proposal reviews and their project evaluations, on the cards leading to where it is done (pending: three
    queries); for everyone else nothing, and no query."""
    if not (current_user.is_authenticated and has_role(current_user, Role.EVALUATOR)):
        return {"reviews": "", "projects": ""}
    waiting = pending.pending_for(current_user)
    return {"reviews": _work_line([
        (waiting.review_declarations, _("Conflict declarations to make: %(num)d", num=waiting.review_declarations)),
        (waiting.review_sheets, _("Score sheets to submit: %(num)d", num=waiting.review_sheets))]),
        "projects": _work_line([
            (waiting.project_declarations, _("Conflict declarations to make: %(num)d",
                                             num=waiting.project_declarations)),
            (waiting.project_sheets, _("Score sheets to submit: %(num)d", num=waiting.project_sheets)),
            (waiting.reports, _("Reports to issue: %(num)d", num=waiting.reports)),
            (waiting.verifications, _("Rectification responses to verify: %(num)d", num=waiting.verifications))])}


def _work_line(counts: list[tuple[int, str]]) -> str:
    said = [text for number, text in counts if number]
    return semicolon().join(said) if said else _("Nothing waiting for you.")
