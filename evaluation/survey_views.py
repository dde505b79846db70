"""Satisfaction surveys: built by the officer or evaluator, answered once per resident (logged in or with a
one-time code), printable code sheets; and the project's public page with its published evaluations."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from core.db import db
from core.extensions import limiter
from core.permissions import require
from core.views import form_status, run_and_redirect, run_service, valid_form
from projects.contract_models import Contract
from projects.permissions import is_public_project

from . import surveys
from .project_forms import CodesForm, SurveyForm, TextForm
from .project_models import ProjectEvaluation, Survey
from .project_views import bp, load_evaluation

public_bp = Blueprint("project_public", __name__)


@bp.route("/<int:evaluation_id>/survey", methods=["GET", "POST"])
@login_required
def survey(evaluation_id: int):
    evaluation = load_evaluation(evaluation_id)
    manager = surveys.can_manage_survey(current_user, evaluation)
    require(manager or request.method != "POST" and surveys.can_read_survey(current_user, evaluation))
    existing = surveys.survey_of(evaluation)
    form = SurveyForm()
    if existing is None and form.validate_on_submit() and run_service(lambda: surveys.create_survey(
            evaluation, form.title.data, surveys.parse_outline(form.outline.data), actor=current_user), form):
        flash(_("Survey created."), "success")
        return redirect(url_for("project_evaluation.survey", evaluation_id=evaluation.id))
    return render_template("evaluation/survey_manage.html", evaluation=evaluation, survey=existing, form=form,
                           codes_form=CodesForm(formdata=None), results=surveys.results(existing),
                           manager=manager), form_status()


@bp.route("/surveys/<int:survey_id>/codes", methods=["POST"])
@login_required
def survey_codes(survey_id: int):
    found = db.get_or_404(Survey, survey_id)
    require(surveys.can_manage_survey(current_user, found.evaluation))
    form = valid_form(CodesForm())
    codes = run_service(lambda: surveys.issue_codes(found, form.count.data, actor=current_user))
    if not codes:
        return redirect(url_for("project_evaluation.survey", evaluation_id=found.evaluation_id))
    # Shown once: only the codes' keyed hashes are kept. The page prints as cards to cut and hand out.
    return render_template("evaluation/survey_codes.html", survey=found, codes=codes.value,
                           link=url_for("project_public.answer", survey_id=found.id, _external=True))


@public_bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def answer(survey_id: int):
    found = db.get_or_404(Survey, survey_id)
    form = TextForm()
    done = surveys.already_answered(found, current_user)
    if request.method == "POST":
        valid_form(form)
        code = (request.form.get("code") or "").strip()
        return run_and_redirect(lambda: surveys.answer(found, request.form, user=current_user, code=code),
                                _("Thank you: your answers are recorded anonymously."),
                                url_for("project_public.answer", survey_id=found.id))
    return render_template("evaluation/survey_answer.html", survey=found, form=form, done=done,
                           open=found.evaluation.status == "in_progress" and not found.evaluation.issued,
                           max_answer=surveys.MAX_ANSWER)


@public_bp.route("/projects/<int:contract_id>")
def project(contract_id: int):
    contract = db.get_or_404(Contract, contract_id)
    if not is_public_project(contract):
        abort(404)
    published = list(db.session.scalars(select(ProjectEvaluation).where(
        ProjectEvaluation.contract_id == contract.id, ProjectEvaluation.report_code.is_not(None))
        .order_by(ProjectEvaluation.issued_at.desc())))
    return render_template("evaluation/project_public.html", contract=contract, published=published)
