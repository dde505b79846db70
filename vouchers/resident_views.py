"""Resident pages (mobile-first): my vouchers and balance, a one-time code, my redemptions with dispute and rating
(the catalogue of services and its provider pages: catalogue_views)."""

import math
from datetime import UTC

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from accounts import residents as resident_services
from accounts.resident_models import ResidentProfile, ResidentStatus
from core.db import db, utcnow
from core.errors import INVALID
from core.forms import Refused, form_errors_text
from core.paging import page_arg
from core.pdf import qr_svg_data_uri
from core.permissions import require, require_visible
from core.views import attempt, db_int, run_service, valid_form

from . import catalogue, code_status, disputes, limits, no_balance, pages_support, printed_codes, redemption
from . import permissions as perms
from .dispute_replies import replies_to
from .forms import CodeForm, DisputeForm, RatingForm, ResidentForm, StatusForm
from .models import Programme
from .redemption_models import Redemption
from .views import bp, redirect_to


def my_profile() -> ResidentProfile | None:
    return resident_services.resident_of(current_user)


def verified_profile() -> ResidentProfile:
    """The resident's verified profile; one not yet verified is sent to the page that says what to do (403 for an
    account that is no resident at all)."""
    resident = my_profile()
    if resident is None and not current_user.has_role("resident"):
        abort(403)
    if resident is not None and resident.status == ResidentStatus.SUSPENDED.value:
        # Not "once verified": a suspended resident is waiting for nothing, and would wait forever.
        flash(_("Your resident record is suspended, so you cannot use your vouchers for now. Please contact your "
                "community office."), "warning")
        abort(redirect(url_for("vouchers.my_vouchers")))
    if resident is None or resident.status != ResidentStatus.VERIFIED.value:
        flash(_("You can use your vouchers once your community has verified your details."), "info")
        abort(redirect(url_for("vouchers.my_vouchers")))
    return resident


@bp.route("/me")
@login_required
def my_vouchers():
    resident = my_profile()
    if resident is None:
        return redirect_to("vouchers.my_profile_page")
    return my_vouchers_page(resident)


def my_vouchers_page(resident: ResidentProfile, status: int = 200):
    balance = redemption.balance(resident)
    return render_template("vouchers/my_vouchers.html", resident=resident, balance=balance,
                           limits=limits.resident_limits(resident, [line.programme_id for line in balance]),
                           no_balance_reasons=[] if balance else no_balance.reasons(resident),
                           printed_codes=printed_codes.live_printed_codes(resident), can_cancel_codes=True,
                           vouchers=pages_support.resident_vouchers(resident)), status


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def my_profile_page():
    """A signed-up resident asks to be verified (real name, ID number, community); so may an account with no role
    at all (signed up for an organisation, or before sign-up asked what for), which becomes a resident's."""
    require(current_user.has_role("resident") or not current_user.role_names)
    if my_profile() is not None:
        if request.method == "POST":  # (a form sent again, or from a page left open): nothing is changed, and said so
            flash(_("Your details are already recorded: nothing was changed. To correct them, ask your community "
                    "office."), "info")
        return redirect_to("vouchers.my_vouchers")
    form = ResidentForm(communities=resident_services.communities(), with_tags=False)
    del form.note  # community staff's note about the resident, not the resident's (it was never saved from here)
    if form.validate_on_submit() and run_service(lambda: resident_services.submit_profile(
            current_user, resident_services.ResidentData(form.real_name.data, form.id_number.data,
                                                         form.community_id.data, form.address.data or ""),
            actor=current_user), form):
        flash(_("Thank you. Your community will verify your details."), "success")
        return redirect_to("vouchers.my_vouchers")
    return render_template("vouchers/my_profile.html", form=form), 422 if form.errors else 200


# The code on show, kept in the resident's session: a signed cookie, not an encrypted one, so it is readable in
# their own browser (which shows it anyway). The server stores only the code's keyed hash.
SHOWN_CODE = "voucher_code"


@bp.route("/me/code", methods=["GET", "POST"])
@login_required
def my_code():
    """A one-time code to show the provider: numeric and QR, valid 5 minutes (its clear text is never stored on
    the server). Getting one redirects here, and the page keeps showing it while it is live: reloading the page or
    coming back to it does not make another code. While it is on the screen the page asks for its state
    (my_code_status) and reloads when that changes; once used, the page says (once) what it paid for and what is
    left, or that it expired or can no longer be used."""
    resident = verified_profile()
    lines = redemption.balance(resident)
    form, status = CodeForm(lines=lines), 200
    if request.method == "POST":
        if form.validate_on_submit():
            programme = db.session.get(Programme, form.programme_id.data or 0)
            made = run_service(lambda: redemption.issue_code(resident, actor=current_user, programme=programme))
            if made:
                code, row = made.value
                session[SHOWN_CODE] = {"code": code, "id": row.id}
                return redirect_to("vouchers.my_code")
            # Refused: this page again, as it is now (no programme chosen: 422; its balance spent meanwhile: 409).
            status = made.refusal.status
        else:
            status = 422
            flash(form_errors_text(form), "danger")
    shown = session.get(SHOWN_CODE) or {}
    found = code_status.shown_code(resident, shown.get("id"))
    if found is None or found.state != code_status.LIVE:
        session.pop(SHOWN_CODE, None)
        return render_template("vouchers/my_code.html", form=form, lines=lines, code=None, found=found,
                               balances={line.programme_id: line for line in lines},
                               no_balance_reasons=[] if lines else no_balance.reasons(resident)), status
    return render_template("vouchers/my_code.html", form=form, lines=lines, code=shown["code"],
                           qr=qr_svg_data_uri(shown["code"]), expires_at=found.expires_at,
                           expires_in=seconds_until(found.expires_at),
                           status_url=url_for("vouchers.my_code_status", code_id=shown["id"])), status


@bp.route("/me/code/<int:code_id>/status")
@login_required
def my_code_status(code_id: int):
    """What the code page polls while it is on the screen: the state of the user's own code and the seconds it
    has left, nothing else (what it paid for, the page shows once it reloads). Someone else's code, or none: 404.
    One query."""
    found = code_status.code_status(current_user, code_id)
    if found is None:
        abort(404)
    live = found.state == code_status.LIVE
    response = jsonify(state=found.state, expires_in=seconds_until(found.expires_at) if live else 0)
    response.headers["Cache-Control"] = "no-store"
    return response


def seconds_until(moment) -> int:
    """Whole seconds from now until moment (at least 1): the code page reloads itself then (static/js/voucher_code.js),
    so a code that has run out says so instead of staying on the screen to be refused by the provider."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(1, math.ceil((moment - utcnow()).total_seconds()))


def chosen_programme() -> Programme | None:
    """The programme chosen on a print form (None: the resident's only one; issue_code refuses one without a
    balance)."""
    return db.session.get(Programme, request.form.get("programme_id", 0, type=db_int) or 0)


@bp.route("/me/print", methods=["POST"])
@login_required
def my_print():
    from . import documents

    resident = verified_profile()
    valid_form(StatusForm())
    programme = chosen_programme()
    issued = run_service(lambda: documents.issue_printed_vouchers(resident, actor=current_user, programme=programme))
    if issued:
        return redirect(url_for("documents.download", code=issued.value[0].code))
    return my_vouchers_page(resident, issued.refusal.status)  # refused (said above): the page again, as it is now


@bp.route("/me/codes/<int:code_id>/cancel", methods=["POST"])
@login_required
def my_code_cancel(code_id: int):
    """The resident cancels their printed sheet by one of its codes (作废: a sheet lost or taken): a provider refuses
    each of its codes from now on.
    Someone else's code, or none: 404; one no longer live (used, expired, cancelled): 409, the page as it is now."""
    resident = my_profile()
    require(resident is not None)
    require_visible(printed_codes.printed_code_of(resident, code_id) is not None)
    valid_form(StatusForm())
    done = run_service(lambda: printed_codes.cancel_printed_code(resident, code_id, actor=current_user))
    if done:
        flash(ngettext("Your printed code was cancelled (%(num)d code, the whole sheet): a provider will refuse it. "
                       "Print a new sheet if you still need one.",
                       "Your printed codes were cancelled (%(num)d codes, the whole sheet): a provider will refuse "
                       "them. Print a new sheet if you still need one.", len(done.value)), "success")
        return redirect_to("vouchers.my_vouchers")
    return my_vouchers_page(resident, done.refusal.status)


@bp.route("/me/redemptions")
@login_required
def my_redemptions():
    resident = my_profile()
    if resident is None:
        return redirect_to("vouchers.my_profile_page")
    page, ratings, found = pages_support.resident_redemptions(resident, page_arg())
    return render_template("vouchers/my_redemptions.html", resident=resident, page=page, ratings=ratings,
                           disputes=found, replies=replies_to(found.values()),
                           deadline=disputes.dispute_deadline, now=utcnow(),
                           dispute_form=DisputeForm(formdata=None), rating_form=RatingForm(formdata=None))


@bp.app_template_global()
def rating_change_deadline(found: Redemption):
    """Until when a rating of the redemption can be changed (the redemption lists offer it until then)."""
    return catalogue.rating_change_deadline(found)


@bp.app_template_global()
def may_rate(found: Redemption) -> bool:
    """The redemption lists offer the rating forms (rate, change the rating) only to whoever may post them: the
    views' own check (an administrator reading a resident's page saw them, and each answered 404)."""
    return perms.can_rate(current_user, found)


@bp.app_template_global()
def may_dispute(found: Redemption) -> bool:
    """The dispute form, likewise (the dispute view's check)."""
    return perms.can_dispute(current_user, found)


@bp.app_template_global()
def lapsed_on_return(found: dict) -> dict[int, int]:
    """What of an upheld dispute's value was lost again on return, by redemption id (the redemption lists say so)."""
    return disputes.lapsed_on_return(found)


def load_redemption(redemption_id: int, allowed) -> Redemption:
    """A redemption seen by its resident or community staff; anyone else: 404 (its existence is private)."""
    found = db.get_or_404(Redemption, redemption_id)
    require_visible(allowed(current_user, found))
    return found


def back_to(found: Redemption) -> str:
    if perms.is_resident_owner(current_user, found.resident):
        return url_for("vouchers.my_redemptions")
    return url_for("vouchers.resident", resident_id=found.resident_id)


@bp.route("/redemptions/<int:redemption_id>/dispute", methods=["POST"])
@login_required
def dispute(redemption_id: int):
    found = load_redemption(redemption_id, perms.can_dispute)
    return posted_on_redemption(found, f"dispute-{found.id}", DisputeForm(),
                                lambda form: disputes.raise_dispute(found, form.reason.data, actor=current_user),
                                _("Dispute sent. The redemption is held until an officer decides."))


@bp.route("/redemptions/<int:redemption_id>/rate", methods=["POST"])
@login_required
def rate(redemption_id: int):
    found = load_redemption(redemption_id, perms.can_rate)
    return posted_on_redemption(found, f"rate-{found.id}", RatingForm(),
                                lambda form: catalogue.rate(found, int(form.stars.data), form.comment.data or "",
                                                            actor=current_user),
                                _("Thank you for your rating."))


# Refusals said beside what was typed, though the service calls them conflicts: the dispute window closes while the
# resident types (the page offered the form a minute earlier), and their words are worth keeping.
BESIDE_THE_FIELD = {"dispute_window_closed": "reason"}


def posted_on_redemption(found: Redemption, key: str, form, call, done: str):
    """A rating or a dispute posted from a list of redemptions: on success commit, say `done` and go back to the
    list. Refused, the redemption on a page of its own (a list's page of 20 would put it screens away on a phone),
    its forms as the list shows them: 422 with what was typed kept and each reason beside its field; a stale one
    (rated or disputed meanwhile, a double click, or reversed) 409, the redemption as it is now, saying so."""
    status = 422
    if form.validate_on_submit():
        outcome = attempt(lambda: call(form))
        if outcome:
            flash(done, "success")
            return redirect(back_to(found))
        refusal = outcome.refusal
        fields = refusal.fields or {name: refusal.message for code, name in BESIDE_THE_FIELD.items()
                                    if refusal.code == code}
        status = 422 if fields else refusal.status
        if status == 409:
            flash(" ".join([str(refusal.message), _("What you sent was not saved. Here it is as it is now.")]),
                  "warning")
        elif str(refusal.message) not in map(str, fields.values()):  # (once: not above and beside alike)
            flash(str(refusal.message), "danger")
    else:
        fields = form.errors
        flash(_(INVALID), "danger")
    db.session.refresh(found)
    ratings, found_disputes = pages_support.ratings_and_disputes([found.id])
    refused = Refused(key, fields, request.form) if status == 422 else Refused()
    return render_template("vouchers/redemption_refused.html", redemption=found, refused=refused,
                           ratings=ratings, disputes=found_disputes,
                           replies=replies_to(found_disputes.values()),
                           deadline=disputes.dispute_deadline, now=utcnow(), back=back_to(found),
                           own=perms.is_resident_owner(current_user, found.resident)), status


@bp.route("/redemptions/<int:redemption_id>/rating", methods=["GET", "POST"])
@login_required
def change_rating(redemption_id: int):
    """Change a rating given (its stars and comment), shown pre-filled, within catalogue.RATING_CHANGE_WINDOW of
    the redemption. Refused: this page again with why, what was chosen and typed kept (422); reversed
    meanwhile, as it is now (409). Someone else's redemption, or one not rated yet: 404."""
    found = load_redemption(redemption_id, perms.can_rate)
    rating = catalogue.rating_of(found)
    if rating is None:
        abort(404)
    form = RatingForm() if request.method == "POST" else RatingForm(
        formdata=None, data={"stars": str(rating.stars), "comment": rating.comment})
    status = 422 if request.method == "POST" else 200  # (a POST shown here again was refused)
    if form.validate_on_submit():
        outcome = run_service(lambda: catalogue.change_rating(found, int(form.stars.data), form.comment.data or "",
                                                              actor=current_user), form)
        if outcome:
            flash(_("Your rating has been changed."), "success")
            return redirect(back_to(found))
        if outcome.refusal.status == 409:  # stale: reversed meanwhile; the page says it can no longer be changed
            status = 409
            db.session.refresh(found)
    return render_template("vouchers/rating_form.html", form=form, redemption=found, rating=rating,
                           deadline=catalogue.rating_change_deadline(found), now=utcnow(), back=back_to(found)), status
