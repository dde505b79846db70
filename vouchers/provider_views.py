"""Provider pages (organisation members): my services, redeem a resident's code, redemptions and settlements."""

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from accounts import residents as resident_services
from core.db import db
from core.form_checks import reasons_of, say_at_once
from core.forms import Refused
from core.money import format_fen
from core.permissions import require
from core.personal import mask_name
from core.views import attempt, db_int, run_service
from orgs.models import Organisation

from . import catalogue, dispute_replies, pages_support, redemption
from . import permissions as perms
from .forms import DisputeReplyForm, RedeemForm, ServiceForm
from .models import VoucherService
from .redemption_models import Dispute
from .views import bp, categories, locale, redirect_to


def load_provider(org_id: int) -> Organisation:
    org = db.get_or_404(Organisation, org_id)
    require(perms.can_view_provider_redemptions(current_user, org))
    return org


@bp.route("/provider")
@login_required
def provider_home():
    orgs = pages_support.provider_orgs(current_user)
    if len(orgs) == 1:
        return redirect_to("vouchers.provider", org_id=orgs[0].id)
    return render_template("vouchers/provider_home.html", orgs=orgs)


def _dashboard(org: Organisation, form: RedeemForm | None = None, status: int = 200, refused: Refused | None = None):
    """refused: a reply to a dispute refused (key 'reply-<dispute id>'), shown again with what was typed."""
    services = catalogue.services_of(org)
    member = perms.can_redeem_for(current_user, org)
    if form is None and member:
        offered = [s for s in services if s.active]
        form = RedeemForm(formdata=None, services=offered)
        chosen = preselected_service(offered)
        if chosen:
            form.preselect(chosen)
    # The two lists are paged apart, each pager's links keeping the other's page (pages_support.page_numbers). An
    # older link's ?page= still opens that page of redemptions. The redeem form posts to an address carrying the
    # numbers: refused, it is shown again over the same pages.
    numbers = pages_support.provider_numbers()
    page, ratings, disputes = pages_support.provider_redemptions(org, numbers["redemptions_page"])
    return render_template("vouchers/provider.html", org=org, services=services, form=form, member=member,
                           page=page, ratings=ratings, disputes=disputes,
                           replies=dispute_replies.replies_to(disputes.values()), refused=refused or Refused(),
                           settlements=pages_support.provider_settlements(org, numbers["statements_page"]),
                           kept=numbers.kept,
                           rating=catalogue.provider_rating(org)), status


def preselected_service(offered: list[VoucherService]) -> VoucherService | None:
    """The service the redeem form opens with: the one named by ?service_id= (a counter that sells one service
    can bookmark it), else the only one offered."""
    wanted = request.args.get("service_id", type=db_int)
    named = next((s for s in offered if s.id == wanted), None)
    return named or (offered[0] if len(offered) == 1 else None)


@bp.route("/provider/<int:org_id>")
@login_required
def provider(org_id: int):
    return _dashboard(load_provider(org_id))


@bp.route("/provider/<int:org_id>/redeem", methods=["POST"])
@login_required
def redeem(org_id: int):
    """核销: the member enters the resident's code, chooses the service and the amount. The form carries an
    idempotency key, so a double submission redeems once."""
    org = load_provider(org_id)
    require(perms.can_redeem_for(current_user, org))
    services = [s for s in catalogue.services_of(org, active_only=True)]
    form, status = RedeemForm(services=services), 422
    if form.validate_on_submit():
        service = next((s for s in services if s.id == form.service_id.data), None)
        done = run_service(lambda: redemption.redeem(form.code.data.strip(), service, form.amount_fen.data,
                                                     form.idempotency_key.data, actor=current_user), form,
                           once=True)  # (a refused code or amount: said beside its field only)
        if done:
            flash(_("Redeemed %(amount)s for %(name)s.", amount=format_fen(done.value.redemption.amount_fen),
                    name=mask_name(done.value.redemption.resident.real_name)), "success")
            return redirect(pages_support.back_to_provider(org.id))
        status = done.refusal.status  # 409: a code used or expired, the balance short (as the API answers)
    return _dashboard(org, form, status)


@bp.route("/provider/disputes/<int:dispute_id>/reply", methods=["POST"])
@login_required
def dispute_reply(dispute_id: int):
    """The provider's reply to a dispute of its redemption, sent once by one of its members; the officer deciding
    the dispute reads it beside the resident's reason. Someone who may not see the provider's redemptions: 404.
    Refused, the provider's page again over the same pages, opening at the reply: 422 with what was typed and the
    reason beside the box; decided or replied to meanwhile, 409, the dispute as it is now."""
    dispute = db.get_or_404(Dispute, dispute_id)
    org = dispute.redemption.provider
    if not perms.can_view_provider_redemptions(current_user, org):
        abort(404)
    require(perms.can_reply_to_dispute(current_user, dispute))
    form = DisputeReplyForm()
    if not form.validate_on_submit():
        return _dashboard(org, status=422, refused=Refused(f"reply-{dispute.id}", form.errors, request.form))
    outcome = attempt(lambda: dispute_replies.reply_to_dispute(dispute, form.reply.data, actor=current_user))
    if outcome:
        flash(_("Your reply has been sent. The officer deciding the dispute will read it."), "success")
        return redirect(pages_support.back_to_provider(org.id, f"dispute-{dispute.id}"))
    if outcome.refusal.status == 409:
        flash(" ".join([str(outcome.refusal.message), _("What you sent was not saved. Here it is as it is now.")]),
              "warning")
        return _dashboard(org, status=409)
    return _dashboard(org, status=422, refused=Refused(f"reply-{dispute.id}", outcome.refusal.fields, request.form))


def service_form(**kwargs) -> ServiceForm:
    return ServiceForm(categories=categories(), communities=resident_services.communities(), locale=locale(), **kwargs)


def service_data(form: ServiceForm) -> catalogue.ServiceData:
    return catalogue.ServiceData(name=form.name.data or "", category_id=form.category_id.data,
                                 price_fen=form.price_fen.data, description=form.description.data or "",
                                 community_ids=list(form.community_ids.data or []), active=bool(form.active.data),
                                 booking_phone=form.booking_phone.data or "", location=form.location.data or "",
                                 hours=form.hours.data or "")


def say_all_reasons(form: ServiceForm) -> None:
    """Refused by the form itself (a name left empty, a price it could not read), the service's reasons for the other
    fields are said beside them too: a phone number that is none was said only once the rest was right, and the form
    was refused twice (core.form_checks)."""
    if form.is_submitted() and form.errors:
        say_at_once(form, reasons_of(lambda: catalogue.check_service(service_data(form))))


def _service_page(org: Organisation, service: VoucherService | None, form: ServiceForm, save, saved: str):
    """The service form, adding (service None) or editing: save(data) once the form is valid, then back to the
    provider's page saying `saved`; refused, the form again with every reason (422)."""
    if form.validate_on_submit() and run_service(lambda: save(service_data(form)), form):
        flash(saved, "success")
        return redirect_to("vouchers.provider", org_id=org.id)
    say_all_reasons(form)
    return render_template("vouchers/service_form.html", form=form, org=org, service=service), \
        422 if form.errors else 200


@bp.route("/provider/<int:org_id>/services/new", methods=["GET", "POST"])
@login_required
def service_new(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    require(perms.can_manage_services(current_user, org))
    return _service_page(org, None, service_form(),
                         lambda data: catalogue.create_service(org, data, actor=current_user), _("Service added."))


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@login_required
def service_edit(service_id: int):
    service = db.get_or_404(VoucherService, service_id)
    require(perms.can_manage_services(current_user, service.org))
    form = service_form(obj=service)
    if request.method != "POST":
        form.community_ids.data = [c.id for c in service.communities]
    return _service_page(service.org, service, form,
                         lambda data: catalogue.update_service(service, data, actor=current_user), _("Service saved."))
