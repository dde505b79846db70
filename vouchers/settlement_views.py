"""Officers' corrections to settlement statements (routes on the vouchers blueprint): withdrawing a statement drawn
up by mistake (not yet paid) and correcting a paid statement's payment reference, each a form page with its reason.
The statement page (officer_views.statement_page) and its PDF (documents.statement_context) are given the
corrections (statement_facts.corrections)."""

from flask import flash, redirect, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from core.forms import DataRequired, Length, strip_text
from core.permissions import require
from core.views import form_status, run_service

from . import pages_support, settlement_corrections
from . import permissions as perms
from .officer_views import load_settlement
from .settlement import PAYMENT_REFERENCE_MAX
from .views import bp


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


@bp.route("/settlements/<int:settlement_id>/withdraw", methods=["GET", "POST"])
@login_required
def settlement_withdraw(settlement_id: int):
    found = load_settlement(settlement_id)
    require(perms.can_settle(current_user, found))
    form = WithdrawForm()
    if form.validate_on_submit() and run_service(lambda: settlement_corrections.withdraw_settlement(
            found, form.reason.data, actor=current_user), form):
        flash(_("Statement withdrawn. Its redemptions can be put on a new statement."), "success")
        return redirect(pages_support.back_to_statement(found.id))
    return render_template("vouchers/settlement_correction.html", settlement=found, form=form, what="withdraw",
                           allowed=settlement_corrections.can_withdraw(current_user, found),
                           kept=pages_support.programme_numbers().kept), form_status()


@bp.route("/settlements/<int:settlement_id>/payment-reference", methods=["GET", "POST"])
@login_required
def settlement_reference(settlement_id: int):
    found = load_settlement(settlement_id)
    require(perms.can_settle(current_user, found))
    form = ReferenceForm()
    if form.validate_on_submit() and (done := run_service(lambda: settlement_corrections.correct_payment_reference(
            found, form.payment_reference.data, form.reason.data, actor=current_user), form)):
        flash(_("Payment reference corrected.") + (" " + _("The statement PDF was issued again.")
                                                   if done.value else ""), "success")
        return redirect(pages_support.back_to_statement(found.id))
    return render_template("vouchers/settlement_correction.html", settlement=found, form=form, what="reference",
                           allowed=settlement_corrections.can_correct_reference(current_user, found),
                           kept=pages_support.programme_numbers().kept), form_status()
