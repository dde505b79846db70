"""Where the audit log's 'Open its page' leads for an evaluation object whose own page is keyed by something else (a
panel's page is its call's, a survey's its evaluation's; a rectification task, a document request or an evaluator's
assignment is shown on its evaluation's page). Each looks the thing up (404), asks the permission its page asks (403
or 404, as that page answers), and redirects; it writes nothing. Registered in evaluation.labels. The log's readers
(administrators and auditors) may open every one of them: tests/audit/test_target_pages_open.py."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from core.db import db
from core.permissions import require
from projects.models import Call

from . import permissions, surveys, templates
from .models import IndicatorTemplate, Panel, PanelMember
from .project_models import DocumentRequest, EvaluationAssignment, ProjectEvaluation, RectificationTask, Survey
from .project_views import bp as project_bp
from .project_views import load_evaluation
from .views import bp as review_bp


def _panel_page(panel: Panel):
    require(permissions.can_view_results(current_user))  # as the panel page asks
    return redirect(url_for("evaluation.panel", call_id=panel.call_id))


@review_bp.route("/panels/<int:panel_id>")
@login_required
def panel_page(panel_id: int):
    return _panel_page(db.get_or_404(Panel, panel_id))


@review_bp.route("/panel-members/<int:member_id>")
@login_required
def panel_member_page(member_id: int):
    return _panel_page(db.get_or_404(PanelMember, member_id).panel)


@review_bp.route("/templates/<int:template_id>/page")
@login_required
def template_page(template_id: int):
    """An editable template's own page; a frozen copy (the rules a call or an evaluation was fixed with, never
    edited) leads to the review or the evaluation it was fixed for, or to its call before a panel is drawn."""
    template = db.get_or_404(IndicatorTemplate, template_id)
    if not template.frozen and permissions.can_manage_review(current_user):
        return redirect(url_for("evaluation.template_edit", template_id=template.id))
    if not template.frozen:  # the log's readers see it as it stands, without the officer's editing form
        require(permissions.can_view_results(current_user))
        return render_template("evaluation/template_read.html", template=template,
                               sections=templates.as_sections(template))
    panel = db.session.scalar(select(Panel).where(Panel.template_id == template.id).limit(1))
    if panel is not None:
        return _panel_page(panel)
    call_id = db.session.scalar(select(Call.id).where(Call.template_id == template.id).limit(1))
    if call_id is not None:  # fixed at publication, no panel drawn yet: the call states its review rules
        return redirect(url_for("calls.show", call_id=call_id))  # (the call's page asks who may see it)
    evaluation_id = db.session.scalar(select(ProjectEvaluation.id).where(
        ProjectEvaluation.template_id == template.id).limit(1))
    if evaluation_id is None:
        abort(404)
    return _evaluation_page(evaluation_id)


def _evaluation_page(evaluation_id: int, anchor: str | None = None):
    evaluation = load_evaluation(evaluation_id)  # 404 for whoever may not see it, as its page answers
    return redirect(url_for("project_evaluation.show", evaluation_id=evaluation.id, _anchor=anchor))


@project_bp.route("/surveys/<int:survey_id>/page")
@login_required
def survey_page(survey_id: int):
    survey = db.get_or_404(Survey, survey_id)
    evaluation = load_evaluation(survey.evaluation_id)
    require(surveys.can_read_survey(current_user, evaluation))  # as the survey page asks
    return redirect(url_for("project_evaluation.survey", evaluation_id=evaluation.id))


@project_bp.route("/tasks/<int:task_id>/page")
@login_required
def task_page(task_id: int):
    task = db.get_or_404(RectificationTask, task_id)
    return _evaluation_page(task.evaluation_id, f"task-{task.id}")


@project_bp.route("/requests/<int:request_id>/page")
@login_required
def request_page(request_id: int):
    found = db.get_or_404(DocumentRequest, request_id)
    return _evaluation_page(found.evaluation_id, f"request-{found.id}")


@project_bp.route("/assignments/<int:assignment_id>/page")
@login_required
def assignment_page(assignment_id: int):
    return _evaluation_page(db.get_or_404(EvaluationAssignment, assignment_id).evaluation_id)
