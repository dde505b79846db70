"""Settlement statements' pages (routes on the vouchers blueprint): drawn up from the programme's page, shown to
whoever may see the provider's redemptions, approved and paid, downloaded as a spreadsheet and issued as a PDF; and
the officers' corrections: withdrawing a statement drawn up by mistake (not yet paid) and correcting a paid
statement's payment reference, each a form page with its reason. The statement page (statement_page) and its PDF
(documents.statement_context) are given the corrections (statement_facts.corrections)."""

from flask import abort, flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from audit.permissions import can_view_audit_log
from core.db import db
from core.forms import DataRequired, Length, strip_text
from core.permissions import require
from core.views import db_int, form_status, run_and_redirect, run_service, valid_form
from orgs.models import Organisation

from . import documents, exports, pages_support, settlement, settlement_corrections, statement_facts
from . import permissions as perms
from .enums import SettlementStatus
from .forms import PaymentForm, PrepareSettlementForm, StatusForm
from .officer_views import load_programme
from .redemption_models import Settlement
from .settlement import PAYMENT_REFERENCE_MAX
from .views import audited_download, bp, redirect_to


@bp.route("/programmes/<int:programme_id>/settlements", methods=["POST"])
@login_required
def settlement_prepare(programme_id: int):
    programme = load_programme(programme_id)
    require(perms.can_settle(current_user))
    form = valid_form(PrepareSettlementForm())
    provider = _posted_provider(form)
    if provider is None:
        abort(400)
    made = run_service(lambda: settlement.prepare_settlement(programme, provider, form.period.data, actor=current_user))
    if made:
        flash(_("Statement prepared."), "success")
        return redirect(pages_support.back_to_statement(made.value.id))
    return redirect(pages_support.back_to_programme(programme.id, "settleable"))


def _posted_provider(form: PrepareSettlementForm) -> Organisation | None:
    """The provider named by the form's hidden id; None for a malformed one ('²' passes isdigit, not int)."""
    try:
        return db.session.get(Organisation, db_int(form.provider_id.data))
    except ValueError:
        return None


def load_settlement(settlement_id: int) -> Settlement:
    found = db.get_or_404(Settlement, settlement_id)
    require(perms.can_view_provider_redemptions(current_user, found.provider))
    return found


@bp.route("/settlements/<int:settlement_id>")
@login_required
def settlement_page(settlement_id: int):
    return statement_page(load_settlement(settlement_id))


def statement_page(found: Settlement, form: PaymentForm | None = None):
    """The statement; a refused payment (form) is shown again with the reason beside the reference, answered 422.
    Opened from the programme page, its address carries that page's list numbers (kept): its link back and its forms
    carry them on."""
    return render_template("vouchers/settlement.html", settlement=found, kept=pages_support.programme_numbers().kept,
                           redemptions=pages_support.statement_lines(found),
                           can_settle=perms.can_settle(current_user), can_open_audit=can_view_audit_log(current_user),
                           can_open_programme=perms.can_view_programme(current_user, found.programme),
                           second_officer=settlement.needs_second_officer(found)
                           and found.approved_by_id == current_user.id,
                           can_issue=perms.can_issue_statement(current_user, found),
                           status_label=statement_facts.status_label(found),
                           form=form or PaymentForm(formdata=None),
                           document=pages_support.latest_document(found, documents.STATEMENT),
                           people=statement_facts.people(found),
                           corrections=statement_facts.corrections(found)), 422 if form else 200


@bp.route("/settlements/<int:settlement_id>/lines.csv")
@login_required
def settlement_csv(settlement_id: int):
    """The statement's redemptions and total as a spreadsheet, for whoever may see the settlement page (audited as
    the ledger is)."""
    return audited_download(lambda: exports.settlement_csv(load_settlement(settlement_id), actor=current_user))


@bp.route("/settlements/<int:settlement_id>/<any(approved, paid):to>", methods=["POST"])
@login_required
def settlement_status(settlement_id: int, to: str):
    found = load_settlement(settlement_id)
    require(perms.can_settle(current_user, found))
    form = PaymentForm() if to == "paid" else StatusForm()
    if to == "paid" and not form.validate_on_submit():
        return statement_page(found, form)
    reference = form.payment_reference.data if to == "paid" else ""
    return run_and_redirect(lambda: settlement.transition_settlement(found, SettlementStatus(to), actor=current_user,
                                                                     payment_reference=reference),
                            _("Statement approved.") if to == "approved" else _("Payment recorded."),
                            pages_support.back_to_statement(found.id))


@bp.route("/settlements/<int:settlement_id>/statement", methods=["POST"])
@login_required
def settlement_statement(settlement_id: int):
    found = load_settlement(settlement_id)
    valid_form(StatusForm())
    issued = run_service(lambda: documents.issue_statement(found, actor=current_user))
    if issued:
        return redirect_to("documents.download", code=issued.value.code)
    return redirect(pages_support.back_to_statement(found.id))


def _reason_field(missing):
    return TextAreaField(_l("Reason"), validators=[DataRequired(message=missing),
                                                   Length(max=settlement_corrections.REASON_MAX)],
                         filters=[strip_text], render_kw={"rows": 3})


class WithdrawForm(FlaskForm):
    reason = _reason_field(_l("Give the reason for withdrawing the statement."))


class ReferenceForm(FlaskForm):
    payment_reference = StringField(_l("Correct payment reference"), validators=[
        DataRequired(message=_l("Enter the payment reference.")), Length(max=PAYMENT_REFERENCE_MAX)],
        filters=[strip_text])
    reason = _reason_field(_l("Give the reason for the correction."))


def _correction_page(settlement_id: int, form: FlaskForm, what: str, allowed, correct, said):
    """A statement's correction page, for officers who settle: correct(found, form) once the form is valid, then
    back to the statement saying said(its answer); refused, the form again with the reason (422). allowed(user,
    found) says whether the correction can still be made (the page explains when it cannot)."""
    found = load_settlement(settlement_id)
    require(perms.can_settle(current_user, found))
    if form.validate_on_submit() and (done := run_service(lambda: correct(found, form), form)):
        flash(said(done), "success")
        return redirect(pages_support.back_to_statement(found.id))
    return render_template("vouchers/settlement_correction.html", settlement=found, form=form, what=what,
                           allowed=allowed(current_user, found),
                           kept=pages_support.programme_numbers().kept), form_status()


@bp.route("/settlements/<int:settlement_id>/withdraw", methods=["GET", "POST"])
@login_required
def settlement_withdraw(settlement_id: int):
    return _correction_page(
        settlement_id, WithdrawForm(), "withdraw", settlement_corrections.can_withdraw,
        lambda found, form: settlement_corrections.withdraw_settlement(found, form.reason.data, actor=current_user),
        lambda _done: _("Statement withdrawn. Its redemptions can be put on a new statement."))


@bp.route("/settlements/<int:settlement_id>/payment-reference", methods=["GET", "POST"])
@login_required
def settlement_reference(settlement_id: int):
    return _correction_page(
        settlement_id, ReferenceForm(), "reference", settlement_corrections.can_correct_reference,
        lambda found, form: settlement_corrections.correct_payment_reference(
            found, form.payment_reference.data, form.reason.data, actor=current_user),
        lambda done: _("Payment reference corrected.") + (" " + _("The statement PDF was issued again.")
                                                          if done.value else ""))
