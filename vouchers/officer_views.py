"""Officer pages: programmes (set-up, status, reconciliation), issuance with progress, disputes (the settlement
statements' pages are settlement_views)."""

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from accounts import residents as resident_services
from accounts.resident_models import ResidentProfile
from audit.permissions import can_view_audit_log
from core.db import db
from core.forms import apply_service_error
from core.money import format_fen
from core.paging import page_arg
from core.permissions import require
from core.personal import is_id_number
from core.views import attempt, run_and_redirect, run_service, valid_form
from projects.models import Call

from . import (
    disputes,
    exports,
    fraud,
    issuance,
    issue_requests,
    ledger,
    pages_support,
    programmes,
    settlement,
)
from . import permissions as perms
from . import programme_figures as figures
from .dispute_replies import replies_to
from .enums import BatchStatus, ProgrammeStatus
from .forms import (
    BatchForm,
    BudgetForm,
    CloseProgrammeForm,
    DecideForm,
    IssueOneForm,
    PrepareSettlementForm,
    ProgrammeForm,
    StatusForm,
)
from .models import IssuanceBatch, Programme
from .redemption_models import Dispute
from .views import audited_download, bp, categories, locale, redirect_to


def load_programme(programme_id: int) -> Programme:
    programme = db.get_or_404(Programme, programme_id)
    require(perms.can_view_programme(current_user, programme))
    return programme


def programme_form(**kwargs) -> ProgrammeForm:
    calls = list(db.session.scalars(select(Call).order_by(Call.id.desc()).limit(200)))
    return ProgrammeForm(categories=categories(), communities=resident_services.communities(), calls=calls,
                         locale=locale(), **kwargs)


def programme_data(form: ProgrammeForm) -> programmes.ProgrammeData:
    return programmes.ProgrammeData(
        name=form.name.data or "", description=form.description.data or "", budget_fen=form.budget_fen.data,
        face_value_fen=form.face_value_fen.data, vouchers_per_period=form.vouchers_per_period.data,
        category_ids=list(form.category_ids.data or []), community_ids=list(form.community_ids.data or []),
        min_age=form.min_age.data, required_tags=list(form.required_tags.data or []), tags_mode=form.tags_mode.data,
        validity_days=form.validity_days.data, valid_until=form.valid_until.data,
        provider_mode=form.provider_mode.data, contract_call_id=form.contract_call_id.data,
        resident_cap_fen=form.resident_cap_fen.data, provider_cap_fen=form.provider_cap_fen.data)


@bp.route("/programmes", endpoint="programmes")
@login_required
def programmes_page():
    require(perms.can_view_programme(current_user))
    page = pages_support.programmes(page_arg())
    return render_template("vouchers/programmes.html", page=page,
                           issued=figures.issued_by_programme([p.id for p in page.items]),
                           can_manage=perms.can_manage_programmes(current_user))


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def programme_new():
    require(perms.can_manage_programmes(current_user))
    form = programme_form()
    if form.validate_on_submit() and (made := run_service(
            lambda: programmes.create_programme(programme_data(form), actor=current_user), form)):
        flash(_("Programme saved as a draft."), "success")
        return redirect_to("vouchers.programme", programme_id=made.value.id)
    return render_template("vouchers/programme_form.html", form=form, programme=None), 422 if form.errors else 200


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def programme_edit(programme_id: int):
    programme = load_programme(programme_id)
    require(perms.can_manage_programmes(current_user))
    form = programme_form(obj=programme)
    if request.method != "POST":
        form.category_ids.data = sorted(programme.category_ids)
        form.community_ids.data = sorted(programme.community_ids)
        form.required_tags.data = list(programme.required_tags or [])
    elif form.validate_on_submit() and run_service(
            lambda: programmes.update_programme(programme, programme_data(form), actor=current_user), form):
        flash(_("Programme saved."), "success")
        return redirect_to("vouchers.programme", programme_id=programme.id)
    return render_template("vouchers/programme_form.html", form=form, programme=programme), 422 if form.errors else 200


@bp.route("/programmes/<int:programme_id>/status/<any(active, closed):to>", methods=["POST"])
@login_required
def programme_status(programme_id: int, to: str):
    programme = load_programme(programme_id)
    if to == "closed":
        require(perms.can_manage_programmes(current_user))
        form = CloseProgrammeForm()
        if not form.validate_on_submit():  # the page again (422): the reason as typed, why beside it
            return refused_form(programme, "close_form", form)
    else:
        form = valid_form(StatusForm())
    message = (_("Programme closed.") if to == "closed" else _("Programme resumed. Its providers have been told.")
               if programme.status == ProgrammeStatus.SUSPENDED else _("Programme started."))
    return run_and_redirect(lambda: programmes.transition_programme(programme, ProgrammeStatus(to), actor=current_user,
                                                                      reason=form.reason.data or ""),
                            message, pages_support.back_to_programme(programme.id))


@bp.route("/programmes/<int:programme_id>/budget", methods=["POST"])
@login_required
def programme_budget(programme_id: int):
    """Raise a running programme's budget (issuance stops when it is used up); refused, the page again (422)."""
    programme = load_programme(programme_id)
    require(perms.can_manage_programmes(current_user))
    form = BudgetForm()
    if not form.validate_on_submit():
        return refused_form(programme, "budget_form", form)
    raised = attempt(lambda: programmes.raise_budget(programme, form.budget_fen.data, actor=current_user))
    if not raised:
        return refused_form(programme, "budget_form", form, raised)
    flash(_("Budget raised to %(amount)s.", amount=format_fen(programme.budget_fen)), "success")
    return redirect(pages_support.back_to_programme(programme.id))


@bp.route("/programmes/<int:programme_id>")
@login_required
def programme(programme_id: int):
    return programme_page(load_programme(programme_id))


def refused_form(programme: Programme, name: str, form, outcome=None, names: dict | None = None, **more):
    """A form of the programme page refused (name: batch_form, issue_form, close_form, budget_form, decide_form with
    decide_id): the page again (422) with what was typed, each reason beside its field and all of them summed up in
    a banner at the top; the form posts to an address ending in its anchor, so the page opens at it. A service's
    refusal (outcome) naming no field is said beside the form's first field: a flash, at the top, is out of sight."""
    refusal = outcome.refusal if outcome is not None else None
    if refusal is not None and refusal.fields:
        apply_service_error(form, refusal, names, summarised=True)
    elif refusal is not None:
        first = next(field for field in form if field.type not in ("CSRFTokenField", "HiddenField"))
        first.errors = [*first.errors, str(refusal.message)]
    return programme_page(programme, 422, refused=name, **{name: form}, **more)


def programme_page(programme: Programme, status: int = 200, refused: str | None = None, **forms):
    """The programme's page; a refused form (refused_form) is shown again with what was typed and the reasons beside
    its fields and at the top, answered 422."""
    # Issuance runs, disputes and statements are paged apart, each pager's links keeping the others' pages.
    # Its forms post to addresses carrying these numbers (kept): a refused one shown again here shows the same pages.
    numbers = pages_support.programme_numbers()
    found = pages_support.disputes_of(programme, numbers["disputes_page"])
    runs = pages_support.batches(programme, numbers["runs_page"])
    statements = pages_support.programme_settlements(programme, numbers["statements_page"])
    settlements = statements.items
    settleable = settlement.settleable(programme)
    flags = fraud.fraud_signals(programme)
    money = figures.budget_figures(programme)
    org_ids = [s.provider_org_id for s in settleable] + [s.provider_org_id for s in settlements] + [
        f.provider_org_id for f in flags if f.provider_org_id]
    return render_template(
        "vouchers/programme.html", programme=programme, recon=money.recon, money=money,
        forecast=figures.forecast(programme, money.recon.unallocated_fen),
        rules=pages_support.programme_rules(programme),
        batches=runs, disputes=found, replies=replies_to(found.items), settlements=settlements,
        settleable=settleable, statements=statements, kept=numbers.kept, refused=refused,
        flags=flags, orgs=pages_support.orgs_by_id(org_ids), can_manage=perms.can_manage_programmes(current_user),
        evidence=fraud.evidence_lines, flag_residents=pages_support.residents_by_id(
            [f.resident_id for f in flags if f.resident_id]),
        can_open_residents=resident_services.can_manage_residents(current_user),
        can_open_audit=can_view_audit_log(current_user),
        status_form=StatusForm(formdata=None), close_form=forms.get("close_form") or CloseProgrammeForm(formdata=None),
        budget_form=forms.get("budget_form") or BudgetForm(formdata=None),
        batch_form=forms.get("batch_form") or BatchForm(formdata=None, period=programmes.period_of()),
        issue_form=forms.get("issue_form") or IssueOneForm(formdata=None, period=programmes.period_of()),
        decide_form=forms.get("decide_form") or DecideForm(formdata=None), decide_id=forms.get("decide_id"),
        prepare_form=PrepareSettlementForm(formdata=None), providers=programmes.allowed_providers(programme),
        asked=issue_requests.open_requests(programme) if programme.status == ProgrammeStatus.ACTIVE else []), status


@bp.route("/programmes/<int:programme_id>/ledger.csv")
@login_required
def ledger_csv(programme_id: int):
    """Every ledger row of the programme with its reconciliation, as a spreadsheet (streamed). The download is
    audited: the event is committed before the file streams."""
    return audited_download(lambda: exports.ledger_csv(load_programme(programme_id), actor=current_user))


@bp.route("/programmes/<int:programme_id>/batches", methods=["POST"])
@login_required
def batch_start(programme_id: int):
    programme = load_programme(programme_id)
    form = BatchForm()
    if not form.validate_on_submit():
        return refused_form(programme, "batch_form", form)
    started = attempt(lambda: issuance.start_batch(programme, actor=current_user, period=form.period.data))
    if not started:
        return refused_form(programme, "batch_form", form, started)
    issuance.launch_batch(started.value.id)  # the run's page links back to the pages the officer was on
    return redirect_to("vouchers.batch", batch_id=started.value.id, **pages_support.programme_numbers().kept)


@bp.route("/programmes/<int:programme_id>/expire", methods=["POST"])
@login_required
def expire_due(programme_id: int):
    """Expire now the programme's vouchers past their date (the nightly run does it too), returning their value."""
    programme = load_programme(programme_id)
    require(perms.can_manage_programmes(current_user))
    valid_form(StatusForm())
    done = run_service(lambda: ledger.expire_due(actor=current_user, programme=programme))
    if done:
        count, fen = done.value
        flash(_("%(n)d vouchers past their date expired; %(amount)s returned to the budget.", n=count,
                amount=format_fen(fen)) if count else _("No voucher is past its date."), "success")
    return redirect(pages_support.back_to_programme(programme.id))


@bp.route("/batches/<int:batch_id>")
@login_required
def batch(batch_id: int):
    batch = db.get_or_404(IssuanceBatch, batch_id)
    require(perms.can_view_programme(current_user, batch.programme))
    return render_template("vouchers/batch.html", batch=batch, running=batch.status == BatchStatus.RUNNING,
                           status_label=BatchStatus(batch.status).label, why_stopped=why_stopped(batch.message),
                           kept=pages_support.programme_numbers().kept)


def why_stopped(message: str) -> str:
    """Why a run stopped, in the officer's language: the run records a short English note (or an error's text)."""
    if not message:
        return ""
    return {"programme not running": _("The programme was not running."),
            "programme suspended": _("The programme was suspended: once it resumes, issue the month again; those "
                                     "already issued are not issued twice."),
            "budget used up": _("The programme's budget was used up: the residents left were not issued.")}.get(
        message, _("The run stopped on an error. Please tell the system administrator."))


@bp.route("/programmes/<int:programme_id>/issue", methods=["POST"])
@login_required
def issue_one(programme_id: int):
    programme = load_programme(programme_id)
    require(perms.can_manage_programmes(current_user))  # before the lookup, which would tell who is registered
    form = IssueOneForm()
    if not form.validate_on_submit():
        return refused_form(programme, "issue_form", form)
    resident = resident_services.find_by_id_number(form.id_number.data)
    if resident is None:  # a mistyped number (a digit off: its check character fails) is said as such
        form.id_number.errors = [_("No resident is registered with this ID number.")
                                 if is_id_number(form.id_number.data) else resident_services.invalid_id_number()]
        return refused_form(programme, "issue_form", form)
    issued = attempt(lambda: issuance.issue_to_resident(programme, resident, actor=current_user,
                                                        period=form.period.data))
    if not issued:
        return refused_form(programme, "issue_form", form, issued, {"resident": "id_number"})
    flash(_("Vouchers issued to %(name)s.", name=resident.real_name), "success")
    return redirect(pages_support.back_to_programme(programme.id))


@bp.route("/programmes/<int:programme_id>/issue/<int:resident_id>", methods=["POST"])
@login_required
def issue_asked(programme_id: int, resident_id: int):
    """Issue this month to a resident community staff asked for (issue_requests.open_requests, on the page)."""
    programme = load_programme(programme_id)
    require(perms.can_manage_programmes(current_user))
    valid_form(StatusForm())
    resident = db.get_or_404(ResidentProfile, resident_id)
    return run_and_redirect(lambda: issuance.issue_to_resident(programme, resident, actor=current_user,
                                                               period=programmes.period_of()),
                            _("Vouchers issued to %(name)s.", name=resident.real_name),
                            pages_support.back_to_programme(programme.id))


@bp.route("/disputes/<int:dispute_id>/decide", methods=["POST"])
@login_required
def decide(dispute_id: int):
    """Uphold or reject a dispute, with the reason. Refused, the programme page again (422) opening at the dispute's
    form (its address ends in #dispute-<id>), the reasons beside the fields and summed up at the top."""
    dispute = db.get_or_404(Dispute, dispute_id)
    require(perms.can_decide_dispute(current_user, dispute))
    form = DecideForm()
    if not form.validate_on_submit():
        return refused_form(dispute.redemption.programme, "decide_form", form, decide_id=dispute.id)
    return run_and_redirect(lambda: disputes.decide_dispute(dispute, form.uphold.data == "1", form.note.data,
                                                            actor=current_user),
                            _("Dispute decided."),
                            pages_support.back_to_programme(dispute.redemption.programme_id, "disputes"))
