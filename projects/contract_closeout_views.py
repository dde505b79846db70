"""A contract's close-out: its final account (routes on the projects blueprint).

/contracts/<id>/closeout shows the account of a closed or terminated contract (contract_closeout) to whoever may see
the contract's page (its organisation's members and staff; anyone else gets the page's 404), the close-out PDFs
issued for it (closeout_document: each version, the current one said so, each downloaded through the documents'
own address, audit.views.download), and to an officer the form recording money returned of its unspent balance and
the button issuing the account as an official PDF (/contracts/<id>/closeout/document). /contracts/<id>/closeout.csv
is the same account as a spreadsheet (closeout_export), its download recorded and committed before the file is
sent."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, StringField

from core.db import db, ensure_write_transaction
from core.forms import DataRequired, InputRequired, Length, MoneyField, strip_text
from core.permissions import require
from core.timeutil import local_today
from core.views import attempt, form_status, refusal_text, run_service, valid_form

from . import permissions
from .advance_payment import paid_when
from .closeout_document import figures_digest, issue_closeout, issued_versions, prints_as_current
from .closeout_export import CLOSEOUT_CSV as CLOSEOUT_CSV  # (named here before the export had a module of its own)
from .closeout_export import closeout_download
from .contract_closeout import MAX_REFERENCE, closeout_account, has_ended, record_return
from .contract_models import Contract
from .contract_report_models import FeeKind, ReceiptStatus
from .contract_views import bp, load_contract


class ReturnForm(FlaskForm):
    amount = MoneyField(_l("Amount returned (yuan)"), validators=[InputRequired()])
    returned_on = DateField(_l("Returned on"), validators=[InputRequired()])
    reference = StringField(
        _l("Payment reference"),
        validators=[DataRequired(), Length(max=MAX_REFERENCE)],
        filters=[strip_text],
        render_kw={"maxlength": MAX_REFERENCE},
    )


@bp.route("/<int:contract_id>/closeout", methods=["GET", "POST"])
@login_required
def closeout(contract_id: int):
    """The account (404 for whoever may not see the contract); an officer records a return (anyone else: 403)."""
    contract = load_contract(contract_id)
    is_officer = permissions.can_manage_calls(current_user)
    if request.method == "POST":
        require(is_officer)
    form = ReturnForm(returned_on=local_today())
    if form.validate_on_submit() and run_service(
        lambda: record_return(
            contract, form.amount.data, form.returned_on.data, form.reference.data, actor=current_user
        ),
        form,
    ):
        flash(_("Return recorded."), "success")
        return redirect(url_for("contracts.closeout", contract_id=contract.id))
    return closeout_page(contract, form), form_status()


class IssueForm(FlaskForm):
    """The issue button's form (its CSRF token only)."""


def closeout_page(contract: Contract, form: ReturnForm, refusal: str | None = None) -> str:
    account = closeout_account(contract) if has_ended(contract) else None
    if account and not form.is_submitted() and account.outstanding_fen:
        form.amount.data = account.outstanding_fen  # (what is still to be returned, as the usual case)
    versions = issued_versions(contract) if account else []
    return render_template(
        "projects/contract_closeout.html",
        contract=contract,
        account=account,
        form=form,
        is_officer=permissions.can_manage_calls(current_user),
        fee_kinds=FeeKind,
        receipt_statuses=ReceiptStatus,
        paid_when=paid_when,
        versions=versions,
        up_to_date=bool(versions) and prints_as_current(contract, versions, figures_digest(account)),
        refusal=refusal,
    )


@bp.route("/<int:contract_id>/closeout/document", methods=["POST"])
@login_required
def closeout_document(contract_id: int):
    """An officer issues the account as an official PDF (anyone else who sees the contract: 403); refused on a
    contract not ended: its page again, the reason at the top, with the refusal's status (409)."""
    contract = load_contract(contract_id)
    require(permissions.can_manage_calls(current_user))
    valid_form(IssueForm())
    outcome = attempt(lambda: issue_closeout(contract, actor=current_user))
    if not outcome:
        page = closeout_page(contract, ReturnForm(formdata=None), refusal=refusal_text(outcome.refusal))
        return page, outcome.refusal.status
    if outcome.value.new:
        flash(_("Version %(n)d of the close-out account issued.", n=outcome.value.version.number), "success")
    else:
        flash(_("The account has not changed since version %(n)d was issued: that version is current.",
                n=outcome.value.version.number), "info")
    return redirect(url_for("contracts.closeout", contract_id=contract.id, _anchor="closeout-documents"))


@bp.route("/<int:contract_id>/closeout.csv")
@login_required
def closeout_csv(contract_id: int):
    """The account as a spreadsheet for whoever may see the contract (else 404); none before the contract ends."""
    ensure_write_transaction()  # (a GET that writes its audit event: the write lock first, as the other exports)
    contract = load_contract(contract_id)
    if not has_ended(contract):
        abort(404)
    response = closeout_download(contract, actor=current_user)
    db.session.commit()
    return response
