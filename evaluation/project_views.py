"""Project evaluation pages: agencies, commissioning, declarations, the evaluation's page and what officers do
on it. The evaluator's workspace and the report are workspace_views."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from accounts.models import User
from core.db import db
from core.permissions import require
from core.timeutil import local_today
from core.views import db_int, form_status, run_and_redirect, run_service, valid_form
from orgs.models import Organisation
from projects.contract_models import Contract, ContractStatus

from . import (
    affiliations,
    candidates,
    history,  # noqa: F401  (registers the evaluation history with orgs.standing)
    paid_conflicts,
    project_services,
    project_status,
    reminders,
    score_sheets,
    templates,
)
from . import project_permissions as perms
from .enums import SheetStatus, TemplatePurpose
from .models import IndicatorTemplate, ScoreSheet
from .project_enums import TaskStatus
from .project_forms import (
    TEXT_LIMITS,
    AgencyForm,
    CancelForm,
    DeclareForm,
    EvaluatorForm,
    PaidEvaluatorForm,
    ReopenForm,
    TextForm,
    WithdrawForm,
    commission_form,
    offered_evaluators,
)
from .project_models import DocumentRequest, EvaluationAgency, EvaluationAssignment, ProjectEvaluation

bp = Blueprint("project_evaluation", __name__, url_prefix="/evaluations")


def load_evaluation(evaluation_id: int) -> ProjectEvaluation:
    evaluation = db.get_or_404(ProjectEvaluation, evaluation_id)
    if not perms.can_view(current_user, evaluation):
        abort(404)
    return evaluation


def _show(evaluation: ProjectEvaluation) -> str:
    return url_for("project_evaluation.show", evaluation_id=evaluation.id)


def _post_ok(form_class=TextForm):
    return valid_form(form_class())


@bp.route("/")
@login_required
def index():
    require(perms.can_oversee(current_user))
    overdue_only = request.args.get("overdue") == "1"  # the officers' daily digest links here
    query = select(ProjectEvaluation).options(selectinload(ProjectEvaluation.assignments))
    if overdue_only:
        query = query.where(reminders.overdue_condition(local_today()))
    rows = list(db.session.scalars(query.order_by(ProjectEvaluation.id.desc()).limit(200)))
    late = reminders.overdue_parts((e.id for e in rows), local_today())
    contracts = list(db.session.scalars(select(Contract).where(Contract.status == ContractStatus.ACTIVE)
                                        .order_by(Contract.ends_on).limit(200))) \
        if perms.can_commission(current_user) and not overdue_only else []
    return render_template("evaluation/project_index.html", rows=rows, contracts=contracts,
                           overdue_only=overdue_only, late=late,
                           title=_("Overdue project evaluations") if overdue_only else _("Project evaluations"))


@bp.route("/mine")
@login_required
def mine():
    rows = list(db.session.scalars(select(ProjectEvaluation)
                                   .where(ProjectEvaluation.assignments.any(user_id=current_user.id))
                                   .options(selectinload(ProjectEvaluation.assignments),
                                            selectinload(ProjectEvaluation.tasks))
                                   .order_by(ProjectEvaluation.id.desc())))
    # those they were withdrawn from (no longer theirs to see): named with when and why, as they were told, so that
    # the notification's link does not land on "no evaluations yet"
    withdrawn = list(db.session.scalars(
        select(EvaluationAssignment).where(EvaluationAssignment.user_id == current_user.id,
                                           EvaluationAssignment.withdrawn_at.is_not(None))
        .options(selectinload(EvaluationAssignment.evaluation).selectinload(ProjectEvaluation.contract))
        .order_by(EvaluationAssignment.withdrawn_at.desc())))
    return render_template("evaluation/project_index.html", rows=rows, title=_("My project evaluations"),
                           my_part=_my_part(rows), withdrawn=withdrawn)


def _my_part(rows: list[ProjectEvaluation]) -> dict[int, tuple[str, str | None]]:
    """For the evaluator's own list: evaluation id -> what is theirs to do next there (or where they stand) and the
    page to do it on; one query for their sheets."""
    mine_ = {e.id: next(a for a in e.assignments if a.user_id == current_user.id) for e in rows}
    status = dict(db.session.execute(select(ScoreSheet.assignment_id, ScoreSheet.status).where(
        ScoreSheet.assignment_id.in_([a.id for a in mine_.values()]))).all()) if mine_ else {}
    parts = {}
    for e in rows:
        a, show, work = mine_[e.id], _show(e), url_for("project_evaluation.workspace", evaluation_id=e.id)
        if e.status == "rectification" and a.cleared and any(t.status == TaskStatus.RESPONDED for t in e.tasks):
            parts[e.id] = (_("Verify the rectification the organisation reported"), show)  # it said nothing ('—')
        elif e.status != "in_progress" or e.issued:
            parts[e.id] = ("", None)
        elif a.declared_at is None:
            parts[e.id] = (_("Declare any conflict of interest first"), show)
        elif a.has_conflict:
            parts[e.id] = (_("Conflict declared: you do not score it"), None)
        elif status.get(a.id) == SheetStatus.SUBMITTED:
            parts[e.id] = (_("Your score sheet is submitted"), work)
        else:
            parts[e.id] = (_("Score it: sheet in draft") if a.id in status else _("Score it: not started"), work)
    return parts


@bp.route("/agencies", methods=["GET", "POST"])
@login_required
def agencies():
    require(perms.can_commission(current_user))
    form = AgencyForm()
    if form.validate_on_submit():
        org = db.get_or_404(Organisation, form.org_id.data)
        return run_and_redirect(lambda: candidates.register_agency(org, form.active.data == "1",
                                                                         actor=current_user),
                                _("Evaluation agency saved."), url_for("project_evaluation.agencies"))
    rows = list(db.session.scalars(select(EvaluationAgency).order_by(EvaluationAgency.org_id)))
    return render_template("evaluation/agencies.html", rows=rows, form=form,
                           evaluators=affiliations.evaluators_by_org(a.org_id for a in rows)), form_status()


def _commission_form(contract: Contract):
    """The form (commission_form), with whom it offers and what the officer chooses them by (offered_evaluators)."""
    templates_ = templates.editable(TemplatePurpose.PROJECT_EVALUATION, newest_first=True)
    found = candidates.choices(contract)
    evaluators, about = offered_evaluators(found)
    form = commission_form(templates=templates_, agencies=found.agencies, evaluators=evaluators,
                           withheld=found.withheld(), conflicted=found.conflicted(),
                           overridable=[p.user for p in found.overridable])
    # a proposal-review template sent anyway: commission refuses it for what it is, beside the field
    form.template_id.also_accepted = tuple(t.id for t in templates.editable(TemplatePurpose.PROPOSAL_REVIEW))
    return form, about


@bp.route("/contracts/<int:contract_id>/new", methods=["GET", "POST"])
@login_required
def commission(contract_id: int):
    """Commission an evaluation; a refusal (a field left out or out of range, someone not eligible, an evaluation of
    the kind already under way) shows the form again (422) as it was filled in, the reason beside the field."""
    require(perms.can_commission(current_user))
    contract = db.get_or_404(Contract, contract_id)
    form, about = _commission_form(contract)
    if not form.is_submitted() and request.args.get("kind") in {c.value for c in form.kind.choices}:
        form.kind.data = request.args["kind"]  # from a cancelled evaluation's "commission again"
    if form.validate_on_submit():
        template = db.get_or_404(IndicatorTemplate, form.template_id.data)
        agency = db.session.get(Organisation, form.agency_id.data) if form.agency_id.data else None
        made = run_service(lambda: project_services.commission(
            contract, form.kind.data, template, form.due_on.data, actor=current_user, agency=agency,
            evaluator_ids=form.chosen_ids(), aggregation=form.aggregation.data,
            paid_overrides=form.paid_overrides()), form)
        if made:
            flash(_("Evaluation commissioned; the evaluators have been told."), "success")
            return redirect(_show(made.value))
    elif form.is_submitted():
        flash(_("Please correct the marked fields."), "danger")
    return render_template("evaluation/commission.html", contract=contract, form=form, about=about,
                           withheld=form.withheld, conflicted=form.conflicted), 422 if form.is_submitted() else 200


@bp.route("/<int:evaluation_id>")
@login_required
def show(evaluation_id: int):
    return _show_page(load_evaluation(evaluation_id))


def _show_page(evaluation: ProjectEvaluation, *, declare_form: DeclareForm | None = None,
               evaluator_form: EvaluatorForm | None = None, paid_form: PaidEvaluatorForm | None = None,
               withdraw_form: WithdrawForm | None = None, withdrawing: int | None = None,
               cancel_form: CancelForm | None = None, answer_refused=None):
    """The evaluation's page; after a refused form (an evaluator's declaration; an officer's adding an evaluator,
    withdrawing the one numbered withdrawing, cancelling; the organisation's answer to a request or task,
    answer_refused: rectification_views.Refused), 422 with what was typed and why beside the field."""
    mine_ = perms.assignment(current_user, evaluation)
    sheets = project_services.all_sheets(evaluation) if perms.can_oversee(current_user) else {}
    addable, overridable, withheld, conflicted, paid, none_addable = [], [], None, {}, {}, ""
    found = None  # who may be added and who the organisation paid under the contract, looked up once
    if perms.can_commission(current_user) and evaluation.status == "in_progress" and not evaluation.issued:
        found = candidates.choices(evaluation.contract)
        addable = project_services.addable_evaluators(evaluation, found)
        overridable = project_services.overridable_to_add(evaluation, found)
        none_addable = "" if addable else project_services.none_addable(evaluation, found)
        assigned = {a.user_id for a in evaluation.all_assignments}
        withheld, conflicted = found.withheld(assigned=assigned), found.conflicted(assigned=assigned)
    if perms.can_oversee(current_user):
        paid = paid_conflicts.paid_assignees(
            evaluation, found.paid if found else paid_conflicts.paid_under(evaluation.contract_id))
    refused = any(f is not None for f in (declare_form, evaluator_form, paid_form, withdraw_form, cancel_form,
                                          answer_refused))
    evaluator_form = evaluator_form or EvaluatorForm(formdata=None)
    evaluator_form.user_id.choices = [SelectChoice(u.id, u.display_name) for u in addable]
    paid_form = paid_form or PaidEvaluatorForm(formdata=None, prefix=PAID)
    paid_form.user_id.choices = [SelectChoice(u.id, u.display_name) for u in overridable]
    requests = list(db.session.scalars(select(DocumentRequest).where(DocumentRequest.evaluation_id == evaluation.id)
                                       .order_by(DocumentRequest.id)))
    return render_template("evaluation/project_show.html", evaluation=evaluation, assignment=mine_, sheets=sheets,
                           requests=requests,
                           declare_form=declare_form or DeclareForm(formdata=None), form=TextForm(formdata=None),
                           evaluator_form=evaluator_form, addable=addable, none_addable=none_addable,
                           paid_form=paid_form, overridable=overridable,
                           withdraw_form=withdraw_form, withdrawing=withdrawing,
                           cancel_form=cancel_form or CancelForm(formdata=None), answer_refused=answer_refused,
                           commission_again=_commission_again(evaluation), perms=perms, limits=TEXT_LIMITS,
                           paid=paid, withheld=withheld, conflicted=conflicted,
                           able=project_services.able_to_score(evaluation)), 422 if refused else 200


def _commission_again(evaluation: ProjectEvaluation) -> bool:
    """A cancelled evaluation's page offers the officer to commission the project's evaluation again, while the
    contract is in force and none of the kind is under way."""
    return (perms.can_commission(current_user) and evaluation.status == "cancelled"
            and evaluation.contract.status in (ContractStatus.ACTIVE, ContractStatus.CLOSED)
            and not project_services.under_way(evaluation.contract_id, evaluation.kind))


@bp.route("/<int:evaluation_id>/declare", methods=["POST"])
@login_required
def declare(evaluation_id: int):
    evaluation = load_evaluation(evaluation_id)
    found = perms.assignment(current_user, evaluation)
    require(found is not None)
    form = DeclareForm()
    done = form.validate_on_submit() and run_service(lambda: project_services.declare(
        found, form.conflict.data == "yes", form.relationship.data, actor=current_user), form)
    if done:
        flash(_("Declaration recorded."), "success")
        return redirect(_show(evaluation))
    return _page_again(evaluation, done, declare_form=form)  # nothing chosen, or a conflict without the relationship


PAID = "paid"  # the prefix of the override form's fields: the page's other add form has a user_id too

# the services' names for the add form's one field: an agency's refusal, or a pool expert's, goes beside it
_ADD_FIELDS = {"agency_id": "user_id", "evaluator_ids": "user_id"}


@bp.route("/<int:evaluation_id>/evaluators", methods=["POST"])
@login_required
def add_evaluator(evaluation_id: int):
    """Add an evaluator; a refusal (someone not eligible, say, in a crafted request) shows the page again with the
    reason beside the choice."""
    evaluation = load_evaluation(evaluation_id)
    require(perms.can_commission(current_user))
    _post_ok()
    form = EvaluatorForm()  # as posted, for the page again: the choices are set there
    user = db.session.get(User, request.form.get("user_id", type=db_int) or 0)
    if user is None:
        form.user_id.errors = [_("Choose an evaluator from the list.")]
        return _show_page(evaluation, evaluator_form=form)
    done = run_service(lambda: project_services.add_evaluator(evaluation, user, actor=current_user), form,
                       _ADD_FIELDS)
    if done:
        flash(_("Evaluator added."), "success")
        return redirect(_show(evaluation))
    return _page_again(evaluation, done, evaluator_form=form)


@bp.route("/<int:evaluation_id>/evaluators/paid", methods=["POST"])
@login_required
def add_paid_evaluator(evaluation_id: int):
    """Add a pool evaluator the organisation paid under the contract, with the override's reason (as when
    commissioning); a refusal (no reason, a declared conflict, an agency's evaluation) shows the page again with
    the reason as typed and why beside the field."""
    evaluation = load_evaluation(evaluation_id)
    require(perms.can_commission(current_user))
    _post_ok()
    form = PaidEvaluatorForm(prefix=PAID)  # as posted; the choices are set by the page, the service checks whom
    user = db.session.get(User, request.form.get(form.user_id.name, type=db_int) or 0)
    if user is None:
        form.user_id.errors = [_("Choose an evaluator from the list.")]
        return _show_page(evaluation, paid_form=form)
    done = run_service(lambda: project_services.add_evaluator(
        evaluation, user, actor=current_user, paid_override_reason=form.reason.data or ""), form,
        {**_ADD_FIELDS, project_services.override_field(user.id): "reason"})
    if done:
        flash(_("%(name)s added, chosen despite the payment; the reason is kept with the evaluation.",
                name=user.display_name), "success")
        return redirect(_show(evaluation))
    return _page_again(evaluation, done, paid_form=form)


@bp.route("/<int:evaluation_id>/evaluators/<int:assignment_id>/withdraw", methods=["POST"])
@login_required
def withdraw_evaluator(evaluation_id: int, assignment_id: int):
    """Withdraw one evaluator; a refusal (no reason, too long a reason, already withdrawn) shows the page again
    with the reason as typed and why beside it."""
    evaluation = load_evaluation(evaluation_id)
    require(perms.can_commission(current_user))
    found = db.get_or_404(EvaluationAssignment, assignment_id)
    if found.evaluation_id != evaluation.id:
        abort(404)
    form = WithdrawForm()
    done = form.validate_on_submit() and run_service(
        lambda: project_services.withdraw_evaluator(found, form.text.data, actor=current_user), form,
        {"reason": "text"})
    if done:
        flash(_("%(name)s withdrawn from the evaluation; they have been told.", name=found.user.display_name),
              "success")
        if not project_services.able_to_score(evaluation):
            flash(_("No evaluator is left who can score this evaluation: add one, or cancel the evaluation."),
                  "warning")
        return redirect(_show(evaluation))
    return _page_again(evaluation, done, withdraw_form=form, withdrawing=found.id)


@bp.route("/<int:evaluation_id>/cancel", methods=["POST"])
@login_required
def cancel(evaluation_id: int):
    """Cancel the evaluation; a refusal (no reason, say) shows the page again with the reason beside the field."""
    evaluation = load_evaluation(evaluation_id)
    require(perms.can_commission(current_user))
    form = CancelForm()
    done = form.validate_on_submit() and run_service(lambda: project_status.transition_evaluation(
        evaluation, "cancelled", actor=current_user, reason=form.text.data), form, {"reason": "text"})
    if done:
        flash(_("Evaluation cancelled."), "success")
        return redirect(_show(evaluation))
    return _page_again(evaluation, done, cancel_form=form)


def _page_again(evaluation: ProjectEvaluation, done, **forms):
    """After a refused form: the page again (422), the form as typed and why beside the field; a refusal that is
    not about what was typed (already withdrawn, no longer in progress) goes back to the page, said in a flash.
    done: False when the form itself was refused, else run_service's outcome."""
    if done is not False and not done.refusal.fields:
        return redirect(_show(evaluation))
    return _show_page(evaluation, **forms)


@bp.route("/sheets/<int:sheet_id>/reopen", methods=["POST"])
@login_required
def reopen(sheet_id: int):
    sheet = db.get_or_404(ScoreSheet, sheet_id)
    if sheet.assignment_id is None:
        abort(404)
    require(perms.can_commission(current_user))
    form = _post_ok(ReopenForm)
    evaluation = sheet.assignment.evaluation
    return run_and_redirect(lambda: score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=current_user,
                                                                  reason=form.text.data or ""),
                            _("Score sheet reopened; the evaluator has been told."), _show(evaluation))


from . import rectification_views, survey_views, workspace_views  # noqa: E402,F401  (more routes on this blueprint)
