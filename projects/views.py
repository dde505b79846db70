"""Calls: public pages, officers' drafting, publishing, amendments, questions and the dashboard."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from accounts.residents import communities
from audit.permissions import can_view_audit_log
from core.db import db, ensure_write_transaction
from core.forms import apply_service_error
from core.i18n import comma
from core.permissions import require
from core.timeutil import format_local, local_today, to_local
from core.uploads import ChosenFiles
from core.views import attempt, db_int, run_service, valid_form
from orgs import permissions as org_permissions
from orgs import services as org_services
from orgs.models import Organisation

from . import awards, calls, eligibility, permissions
from .award_models import AwardDecision, Objection
from .call_clarifications import AMENDABLE, amend_call, answer_question, ask_question
from .contract_models import Contract
from .enums import CallStatus, ProposalStatus
from .forms import AmendForm, AnswerForm, CallForm, ObjectionAnswerForm, ObjectionForm, QuestionForm, ReasonForm
from .markdown import render_markdown
from .models import Call, CallQuestion, Proposal

bp = Blueprint("calls", __name__, url_prefix="/calls")
bp.add_app_template_filter(render_markdown, "markdown")

AMENDED_FIELDS = {"description": _l("Description"), "questions_until": _l("Questions until"),
                  "submission_deadline": _l("Submission deadline"), "review_planned_on": _l("Planned review date"),
                  "award_planned_on": _l("Planned award date"), "required_attachments": _l("Required attachments")}


def amended_label(name: str) -> str:
    """An amended field's name as the call page says it (the amendment stores the column's name)."""
    return str(AMENDED_FIELDS.get(name, name))


def amended_value(name: str, value) -> str:
    """An amended value as the call page shows it: a deadline (stored as UTC in ISO form) in Beijing time."""
    if isinstance(value, list):
        return comma().join(map(str, value))
    if name in ("questions_until", "submission_deadline") and isinstance(value, str):
        try:
            return format_local(datetime.fromisoformat(value))
        except ValueError:
            pass
    return "" if value is None else str(value)


def call_form(**kwargs) -> CallForm:
    return CallForm(categories=org_services.categories(), communities=communities(),
                    templates=calls.review_rules.template_choices(), locale=str(get_locale()), **kwargs)


def attachment_lines(typed) -> list[str]:
    """The required attachments, one a line. A form sent without the field keeps the call's list (the edit form
    is filled from the call, where it is a list: it was a 500)."""
    return list(typed) if isinstance(typed, list) else (typed or "").splitlines()


def call_data(form: CallForm) -> calls.CallData:
    return calls.CallData(
        title=form.title.data or "", description=form.description.data or "", mode=form.mode.data,
        category_id=form.category_id.data, community_ids=list(form.communities.data or []),
        funding_source=form.funding_source.data, total_budget_fen=form.total_budget_fen.data,
        max_per_proposal_fen=form.max_per_proposal_fen.data, questions_until=form.questions_until.data,
        submission_deadline=form.submission_deadline.data, review_planned_on=form.review_planned_on.data,
        award_planned_on=form.award_planned_on.data, min_eligible_proposals=form.min_eligible_proposals.data,
        template_id=form.template_id.data, blind=form.blind.data, aggregation=form.aggregation.data,
        required_attachments=attachment_lines(form.required_attachments.data),
        allowed_kinds=list(form.allowed_kinds.data or []), min_grade=form.min_grade.data,
        min_years_registered=form.min_years_registered.data,
        min_certified_social_workers=form.min_certified_social_workers.data,
        require_annual_report=form.require_annual_report.data, require_clean_credit=form.require_clean_credit.data,
        require_passing_evaluation=form.require_passing_evaluation.data,
        max_personnel_pct=form.max_personnel_pct.data, max_management_pct=form.max_management_pct.data)


def load_call(call_id: int) -> Call:
    call = db.get_or_404(Call, call_id)
    if not permissions.can_view_call(current_user, call):
        abort(404)
    if calls.change_due(call):  # the deadline or the publicity period has passed: the server acts now
        if ensure_write_transaction():
            call = db.session.get(Call, call_id)
        if calls.close_if_due(call) or awards.finish_if_due(call):
            db.session.commit()
    return call


def refused_status(form) -> int:
    """A form page shown again after its form was sent was refused (by the form or the service): 422, nothing
    changed; shown first, 200."""
    return 422 if form.is_submitted() else 200


def _save_call(form: CallForm, call: Call | None):
    def save() -> Call:
        if call is None:
            return calls.create_call(call_data(form), actor=current_user)
        calls.update_call(call, call_data(form), actor=current_user)
        return call

    saved = run_service(save, form, summarised=True)  # (call_form.html lists the refused fields at its top)
    if not saved:
        return None
    flash(_("Call saved."), "success")
    return redirect(url_for("calls.show", call_id=saved.value.id))


@bp.route("/")
def index():
    rows = list(db.session.scalars(select(Call).where(Call.status != CallStatus.DRAFT)
                                   .order_by(Call.submission_deadline.desc()).limit(200)))
    drafts = []
    if permissions.can_manage_calls(current_user):
        drafts = list(db.session.scalars(select(Call).where(Call.status == CallStatus.DRAFT).order_by(Call.id)))
    return render_template("projects/calls.html", open_calls=[c for c in rows if c.status == CallStatus.PUBLISHED],
                           past_calls=[c for c in rows if c.status != CallStatus.PUBLISHED], drafts=drafts,
                           can_manage=permissions.can_manage_calls(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_manage_calls(current_user))
    form = call_form()
    if form.validate_on_submit() and (response := _save_call(form, None)):
        return response
    return render_template("projects/call_form.html", form=form, call=None), refused_status(form)


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit(call_id: int):
    call = load_call(call_id)
    require(permissions.can_manage_calls(current_user) and call.status == CallStatus.DRAFT)
    form = call_form(obj=call)
    if request.method != "POST":
        form.communities.data = [c.id for c in call.communities]
        form.required_attachments.data = "\n".join(call.required_attachments)
    if form.validate_on_submit() and (response := _save_call(form, call)):
        return response
    return render_template("projects/call_form.html", form=form, call=call), refused_status(form)


@bp.route("/<int:call_id>")
def show(call_id: int):
    return call_page(load_call(call_id))


def call_page(call: Call, status: int = 200, *, question_form: QuestionForm | None = None,
              answer_form: AnswerForm | None = None, answering: str | None = None,
              objection_form: ObjectionForm | None = None, kept: dict | None = None,
              reason_form: ReasonForm | None = None):
    """The call's page; after a refused question, answer or objection, again with what was typed and why it was
    refused beside the field (nothing has changed). An answer, to a question or to an objection, is shown in the
    textarea whose id is `answering`. `kept`: the files kept from a refused objection, by input name. `reason_form`: a
    refused cancel's, its section opened with the reason beside the box."""
    questions = list(db.session.scalars(select(CallQuestion).where(CallQuestion.call_id == call.id)
                                        .order_by(CallQuestion.id)))
    my_orgs = [m.org for m in org_services.memberships_of(current_user) if m.status == "active"] \
        if current_user.is_authenticated else []
    mine = {p.org_id: p for p in db.session.scalars(select(Proposal).where(
        Proposal.call_id == call.id, Proposal.org_id.in_([o.id for o in my_orgs])))} if my_orgs else {}
    outlooks = {}  # while proposals are invited: each of the viewer's organisations' eligibility, before writing
    if call.status == CallStatus.PUBLISHED and my_orgs:
        today, deadline_day = local_today(), to_local(call.submission_deadline).date()
        outlooks = {o.id: eligibility.outlook(call, o, today, deadline_day) for o in my_orgs}
    publicity = awards.active_publicity(call)
    decisions = []
    if publicity is not None or call.status == CallStatus.AWARDED:
        decisions = list(db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id)
                                            .options(joinedload(AwardDecision.proposal).joinedload(Proposal.org))
                                            .order_by(AwardDecision.rank)))
    objections = list(db.session.scalars(select(Objection).where(Objection.call_id == call.id)
                                         .order_by(Objection.id)))
    contracts = {}  # an awarded call's contracts by proposal: the officer's next step is on the call's page too
    if call.status == CallStatus.AWARDED and permissions.can_manage_calls(current_user):
        contracts = dict(db.session.execute(select(Contract.proposal_id, Contract.id)
                                            .where(Contract.call_id == call.id)).all())
    objectors = [o for o in my_orgs if o.id in mine and mine[o.id].status != ProposalStatus.DRAFT]
    return render_template("projects/call.html", call=call, questions=questions, my_orgs=my_orgs, mine=mine,
                           outlooks=outlooks, can_write=permissions.can_write_proposal, objectors=objectors,
                           rules=calls.review_rules.describe(call.template_id) if call.template_id else None,
                           eligibility_rules=eligibility.stated_rules(call), publicity=publicity, decisions=decisions,
                           objections=objections, contracts=contracts,
                           calendar_sources=awards.source_labels(publicity) if publicity else [],
                           can_manage=permissions.can_manage_calls(current_user),
                           reason_form=reason_form or ReasonForm(formdata=None),
                           question_form=question_form or QuestionForm(formdata=None),
                           answer_form=answer_form or AnswerForm(formdata=None), answering=answering,
                           objection_form=objection_form or ObjectionForm(formdata=None), kept=kept or {},
                           amended_label=amended_label,
                           amended_value=amended_value, can_open_audit=can_view_audit_log(current_user)), status


@bp.route("/<int:call_id>/status", methods=["POST"])
@login_required
def change_status(call_id: int):
    call = load_call(call_id)
    require(permissions.can_manage_calls(current_user))  # (DESIGN.md 4.1: before the form and the status asked)
    form = valid_form(ReasonForm())
    target = request.form.get("to", "")
    if target not in {s.value for s in CallStatus}:
        abort(400)
    changed = run_service(lambda: calls.transition_call(call, target, actor=current_user, reason=form.reason.data),
                          form)
    if not changed and form.reason.errors:  # a cancel without a reason: beside the box, its section opened again
        return call_page(call, changed.refusal.status, reason_form=form)
    if changed:
        flash(_("Status changed to “%(status)s”.", status=CallStatus(target).label), "success")
    if request.form.get("back") == "results":  # started from the review's results page: back there, to decide
        return redirect(url_for("evaluation.results", call_id=call.id))
    return redirect(url_for("calls.show", call_id=call.id))


@bp.route("/<int:call_id>/amend", methods=["GET", "POST"])
@login_required
def amend(call_id: int):
    call = load_call(call_id)
    require(permissions.can_manage_calls(current_user))
    form = AmendForm(obj=call)
    if form.validate_on_submit():
        changes = {name: getattr(form, name).data for name in AMENDABLE if name != "required_attachments"}
        changes = {k: v for k, v in changes.items() if v != getattr(call, k)}
        if run_service(lambda: amend_call(call, changes, form.reason.data, actor=current_user), form):
            flash(_("Amendment published."), "success")
            return redirect(url_for("calls.show", call_id=call.id))
    return render_template("projects/amend.html", form=form, call=call), refused_status(form)


def posted_on_call_page(call: Call, form, service, done: str, files=(), **page):
    """A form posted from the call page: on success commit, say `done` and go back to the page; refused (by the form
    or the service), the page again (422) with what was typed and why beside the field (`page`: call_page's form
    and `answering` arguments), the files chosen (`files`, ChosenFiles) kept for the next attempt, and nothing
    else changed."""
    if not form.validate_on_submit():
        flash(_("Please correct the marked fields."), "danger")
    else:
        outcome = attempt(service)
        if outcome:
            flash(done, "success")
            return redirect(url_for("calls.show", call_id=call.id))
        for chosen in files:
            chosen.keep(outcome.refusal)
        apply_service_error(form, outcome.refusal)
    return call_page(call, 422, kept={chosen.name: chosen.kept for chosen in files}, **page)


@bp.route("/<int:call_id>/questions", methods=["POST"])
@login_required
def ask(call_id: int):
    call = load_call(call_id)
    org = db.get_or_404(Organisation, request.form.get("org_id", type=db_int) or 0)
    require(permissions.can_ask(current_user, org))
    form = QuestionForm()
    return posted_on_call_page(
        call, form, lambda: ask_question(call, org, form.question.data, actor=current_user),
        _("Your question was sent. The answer will be published on this page."), question_form=form)


@bp.route("/questions/<int:question_id>/answer", methods=["POST"])
@login_required
def answer(question_id: int):
    question = db.get_or_404(CallQuestion, question_id)
    require(permissions.can_manage_calls(current_user))
    form = AnswerForm()
    return posted_on_call_page(load_call(question.call_id), form,
                               lambda: answer_question(question, form.answer.data, actor=current_user),
                               _("Answer published."), answer_form=form, answering=f"answer-{question.id}")


@bp.route("/<int:call_id>/dashboard")
@login_required
def dashboard(call_id: int):
    call = load_call(call_id)
    require(permissions.can_manage_calls(current_user) or org_permissions.is_staff(current_user))
    counts = dict(db.session.execute(select(Proposal.status, func.count(Proposal.id))
                                     .where(Proposal.call_id == call.id).group_by(Proposal.status)).all())
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.call_id == call.id,
                                                               Proposal.status != ProposalStatus.DRAFT)
                                        .options(selectinload(Proposal.versions), selectinload(Proposal.org))
                                        .order_by(Proposal.submitted_at)))
    requested = sum(p.versions[-1].requested_fen for p in proposals if p.versions)
    return render_template("projects/dashboard.html", call=call, counts=counts, proposals=proposals,
                           requested=requested, statuses=list(ProposalStatus))


@bp.route("/<int:call_id>/objections", methods=["POST"])
@login_required
def object_to(call_id: int):
    call = load_call(call_id)
    org = db.get_or_404(Organisation, request.form.get("org_id", type=db_int) or 0)
    form, evidence = ObjectionForm(), ChosenFiles("file")
    return posted_on_call_page(  # with the reasons typed and the file chosen kept
        call, form, lambda: awards.lodge_objection(call, org, form.reasons.data, evidence.upload(), actor=current_user),
        _("Your objection has been lodged; the answer will be published on this page."), files=[evidence],
        objection_form=form)


@bp.route("/objections/<int:objection_id>/answer", methods=["POST"])
@login_required
def answer_objection(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    require(permissions.can_manage_calls(current_user))
    form = ObjectionAnswerForm()
    return posted_on_call_page(load_call(objection.call_id), form, lambda: awards.answer_objection(
        objection, form.decision.data == "upheld", form.answer.data, actor=current_user),
        _("Answer published."), answer_form=form, answering=f"objection-answer-{objection.id}")
