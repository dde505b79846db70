"""Community staff pages: verify and register residents, list them, print vouchers and one-time codes."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from accounts import residents as resident_services
from accounts.forms import ConfirmForm
from accounts.lockout import end_login_lockout
from accounts.login_names import grouped
from accounts.models import Community
from accounts.resident_models import RESIDENT_TRANSITIONS, HardshipTag, ResidentProfile, ResidentStatus
from core.db import db, utcnow
from core.i18n import joined
from core.paging import page_arg
from core.permissions import require, require_visible
from core.personal import PersonalDataError, mask_phone, normalise_id_number
from core.views import db_int, run_service, valid_form

from . import documents, issue_requests, limits, pages_support, printed_codes, redemption
from . import permissions as perms
from .dispute_replies import replies_to
from .disputes import dispute_deadline
from .forms import PrintForm, ResidentForm, ResidentPasswordForm, ResidentStatusForm, StatusForm
from .models import Programme
from .resident_views import chosen_programme
from .views import bp, redirect_to

MAX_NAME_QUERY = 60  # the width of a real name
MAX_ID_TYPED = 30  # the find form's maxlength


def resident_data(form: ResidentForm) -> resident_services.ResidentData:
    return resident_services.ResidentData(
        real_name=form.real_name.data or "", id_number=form.id_number.data or "",
        community_id=form.community_id.data, address=form.address.data or "", note=form.note.data or "",
        tags=list(form.tags.data or []) if hasattr(form, "tags") else [])


def load_resident(resident_id: int) -> ResidentProfile:
    """A resident of a community the user looks after. Someone who manages no residents: 403, before the lookup;
    a resident of another community: 404, the answer for none (as finding one by ID number, and redemptions)."""
    require(resident_services.can_manage_residents(current_user))
    resident = db.get_or_404(ResidentProfile, resident_id)
    require_visible(resident_services.can_manage_resident(current_user, resident))
    return resident


@bp.route("/residents")
@login_required
def residents():
    require(resident_services.can_manage_residents(current_user))
    return _residents_page(ConfirmForm(formdata=None), status=200)


def _residents_page(find_form: ConfirmForm, *, status: int, id_typed: str = "", find_error: str = ""):
    community_id = request.args.get("community", type=db_int)
    status_filter = request.args.get("status") if request.args.get("status") in ResidentStatus._value2member_map_ \
        else None
    name = request.args.get("q", "").strip()[:MAX_NAME_QUERY]
    served = resident_services.served_community_ids(current_user)
    page = pages_support.residents(community_id, status_filter, page_arg(), served,
                                   name)
    return render_template("vouchers/residents.html", page=page, communities=resident_services.communities(served),
                           community_id=community_id, status=status_filter, statuses=ResidentStatus.choices(), q=name,
                           find_form=find_form, id_typed=id_typed, find_error=find_error), status


@bp.route("/residents/find", methods=["POST"])
@login_required
def resident_find():
    """The resident holding an ID number (typed or read off the card), by its keyed hash. Sent by POST, so that the
    number is in no URL, browser history or access log; the same answer whether nobody holds it or someone in a
    community the staff member does not look after. Refused: the list again (422) with the number as typed and why
    beside it (no number, not a valid one: check its 18 characters; nobody here holds it)."""
    require(resident_services.can_manage_residents(current_user))
    find_form = valid_form(ConfirmForm())
    typed = request.form.get("id_number", "").strip()[:MAX_ID_TYPED]
    found = resident_services.find_by_id_number(typed)
    if found is not None and resident_services.can_manage_resident(current_user, found):
        return redirect_to("vouchers.resident", resident_id=found.id)
    # The number shown again as typed, to correct a digit (the page answers a POST: in no URL).
    return _residents_page(find_form, status=422, id_typed=typed, find_error=_why_not_found(typed))


def _why_not_found(typed: str) -> str:
    if not typed:
        return _("Type the ID number from the resident's card.")
    try:
        normalise_id_number(typed)
    except PersonalDataError:
        return resident_services.invalid_id_number()
    return _("No resident with this ID number in the communities you look after.")


@bp.route("/residents/new", methods=["GET", "POST"])
@login_required
def resident_new():
    require(resident_services.can_manage_residents(current_user))
    communities = resident_services.communities(resident_services.served_community_ids(current_user))
    form = ResidentForm(communities=communities)
    if request.method != "POST" and len(communities) == 1:
        form.community_id.data = communities[0].id  # the one community they look after, chosen for them
    made = None
    if form.validate_on_submit() and (made := run_service(
            lambda: resident_services.register_without_phone(resident_data(form), actor=current_user), form)):
        flash(_("Resident registered and verified. They log in as %(name)s: print a login slip for them from "
                "their record.", name=shown_login_name(made.value.user)), "success")
        return redirect_to("vouchers.resident", resident_id=made.value.id)
    return render_template("vouchers/resident_form.html", form=form, resident=None,
                           existing=_existing_record(made, form)), 422 if form.errors else 200


def _existing_record(made, form: ResidentForm) -> ResidentProfile | None:
    """Registering an ID number already on record: the record, for a link to it, when the staff member looks after
    its community (others are not told where it is: accounts.residents._registered_elsewhere)."""
    if made is None or made.refusal is None or made.refusal.code != "duplicate_id":
        return None
    holder = resident_services.find_by_id_number(form.id_number.data or "")
    return holder if holder is not None and resident_services.can_manage_resident(current_user, holder) else None


@bp.route("/residents/<int:resident_id>", methods=["GET", "POST"])
@login_required
def resident(resident_id: int):
    """The resident's record; POST corrects it (name, ID number, community, address, tags)."""
    resident = load_resident(resident_id)
    if request.method != "POST":
        return _resident_page(resident, _record_form(resident), status=200)
    form = _record_form(resident, posted=True)
    moved_from = resident.community_id
    if form.validate_on_submit() and run_service(
            lambda: resident_services.update_profile(resident, resident_data(form), actor=current_user), form):
        flash(_("Resident record saved."), "success")
        if resident.community_id != moved_from and (left := _programmes_not_covering(resident)):
            flash(_("%(community)s is not covered by %(programmes)s. The vouchers the resident already holds from it "
                    "can still be used until they expire, but they will get no new ones from it.",
                    community=db.session.get(Community, resident.community_id).full_name,
                    programmes=joined(p.name for p in left)), "warning")
        return redirect_to("vouchers.resident", resident_id=resident.id)
    return _resident_page(resident, form, status=422)


def _programmes_not_covering(resident: ResidentProfile) -> list[Programme]:
    """The running programmes the resident holds spendable vouchers in whose communities leave out theirs (a resident
    who moved): eligibility is checked when vouchers are issued (issuance, programmes.eligibility_problems), not when
    they are spent, so what they hold stays theirs until it expires and nothing new comes."""
    ids = [line.programme_id for line in redemption.balance(resident)]
    held = db.session.scalars(select(Programme).where(Programme.id.in_(ids)).order_by(Programme.id)) if ids else []
    return [p for p in held if p.community_ids and resident.community_id not in p.community_ids]


def _record_form(resident: ResidentProfile, *, posted: bool = False) -> ResidentForm:
    """The correction form: as posted (Flask-WTF reads the request), else as the record stands, the ID number left
    empty (kept unless retyped)."""
    form = ResidentForm(communities=resident_services.communities(resident_services.served_community_ids(current_user)),
                        obj=resident, id_masked=resident.id_masked, **({} if posted else {"formdata": None}))
    if not posted:
        form.id_number.data = ""
        form.tags.data = sorted(r.tag for r in resident.tag_rows)
    return form


def _resident_page(resident: ResidentProfile, form: ResidentForm, *, status: int,
                   status_form: ResidentStatusForm | None = None, password_form: ResidentPasswordForm | None = None):
    status_form = status_form or ResidentStatusForm(formdata=None)
    password_form = password_form or ResidentPasswordForm(formdata=None, prefix="reset")
    status_form.card_number.data = password_form.card_number.data = ""  # an ID number is never shown in full
    page = page_arg()
    redemptions, ratings, disputes = pages_support.resident_redemptions(resident, page)
    balance = redemption.balance(resident)
    return render_template("vouchers/resident.html", resident=resident, form=form, status_form=status_form,
                           password_form=password_form, balance=balance,
                           limits=limits.resident_limits(resident, [line.programme_id for line in balance]),
                           printed_codes=printed_codes.live_printed_codes(resident),
                           can_cancel_codes=perms.can_cancel_printed_code(current_user, resident),
                           print_form=PrintForm(formdata=None, suggested=printed_codes.suggested_counts(
                               resident, [line.programme_id for line in balance])),
                           max_codes=printed_codes.MAX_CODES_ON_SHEET,
                           login_name=shown_login_name(resident.user) if resident.user else "",
                           password_resettable=resident_services.resident_account_only(resident),
                           vouchers=pages_support.resident_vouchers(resident), redemptions=redemptions,
                           ratings=ratings, disputes=disputes, replies=replies_to(disputes.values()), now_utc=utcnow(),
                           dispute_deadline=dispute_deadline, tag_label=lambda t: HardshipTag(t).label,
                           transitions=_transitions(resident),
                           suspension=resident_services.suspension(resident),
                           outlook=issue_requests.issuance_outlook(resident)), status


def _transitions(resident: ResidentProfile) -> list[ResidentStatus]:
    """Verifying first: for a resident awaiting it, that is what staff came to do; suspending comes after."""
    return sorted(RESIDENT_TRANSITIONS[ResidentStatus(resident.status)],
                  key=lambda to: (to != ResidentStatus.VERIFIED, to.value))


def login_is_phone(user) -> bool:
    """The account logs in with its mobile number (signed up with the number alone): staff see it masked, as the
    record's phone is not shown to them either; the resident knows their own number."""
    return bool(user and user.phone) and user.username == user.phone


def shown_login_name(user) -> str:
    if login_is_phone(user):
        return _("their mobile number, %(phone)s", phone=mask_phone(user.phone))
    return grouped(user.username)  # digits in two groups, as the login slip prints them


@bp.route("/residents/<int:resident_id>/status/<any(verified, suspended):to>", methods=["POST"])
@login_required
def resident_status(resident_id: int, to: str):
    """Verify (with the number read off the card) or suspend (with a reason). A refusal shows the record again
    with the reason beside the field."""
    resident = load_resident(resident_id)
    status_form = valid_form(ResidentStatusForm())
    if run_service(lambda: resident_services.transition_resident(
            resident, ResidentStatus(to), actor=current_user, reason=status_form.reason.data or "",
            card_number=status_form.card_number.data or ""), status_form):
        flash(_("Resident verified.") if to == "verified" else _("Resident suspended."), "success")
        return redirect_to("vouchers.resident", resident_id=resident.id)
    return _resident_page(resident, _record_form(resident), status=422, status_form=status_form)


@bp.route("/residents/<int:resident_id>/password", methods=["POST"])
@login_required
def resident_password(resident_id: int):
    """A resident who forgot their password, at the community office with their ID card: staff set the new one the
    resident types, and lift the lockout their failed attempts may have caused."""
    resident = load_resident(resident_id)
    password_form = ResidentPasswordForm(prefix="reset")
    if password_form.validate_on_submit() and run_service(lambda: resident_services.reset_resident_password(
            resident, password_form.password.data, actor=current_user,
            card_number=password_form.card_number.data or ""), password_form):
        end_login_lockout(resident.user.username)
        if login_is_phone(resident.user):
            flash(_("New password set. The resident logs in with their mobile number, %(phone)s.",
                    phone=mask_phone(resident.user.phone)), "success")
        else:
            flash(_("New password set. The resident logs in as %(name)s.", name=resident.user.username), "success")
        return redirect_to("vouchers.resident", resident_id=resident.id)
    return _resident_page(resident, _record_form(resident), status=422, password_form=password_form)


@bp.route("/residents/<int:resident_id>/print", methods=["POST"])
@login_required
def resident_print(resident_id: int):
    """Printed vouchers with fresh one-time codes (PDF, each code with its QR), for a resident without a smartphone:
    as many codes as chosen, or as they can use in the codes' week."""
    resident = load_resident(resident_id)
    count = valid_form(PrintForm()).count.data
    programme = chosen_programme()
    issued = run_service(lambda: documents.issue_printed_vouchers(resident, actor=current_user, programme=programme,
                                                                  count=count))
    if issued:
        return redirect(url_for("documents.download", code=issued.value[0].code))
    return redirect_to("vouchers.resident", resident_id=resident.id)


@bp.route("/residents/<int:resident_id>/codes/<int:code_id>/cancel", methods=["POST"])
@login_required
def resident_code_cancel(resident_id: int, code_id: int):
    """Cancel a printed sheet by one of its codes (作废: the resident lost the sheet): a provider refuses each of its
    codes from now on."""
    resident = load_resident(resident_id)
    valid_form(StatusForm())
    if done := run_service(lambda: printed_codes.cancel_printed_code(resident, code_id, actor=current_user)):
        flash(ngettext("The printed code was cancelled (%(num)d code, the whole sheet): a provider will refuse it. "
                       "Print a new sheet if the resident needs one.",
                       "The printed codes were cancelled (%(num)d codes, the whole sheet): a provider will refuse "
                       "them. Print a new sheet if the resident needs one.", len(done.value)), "success")
    return redirect_to("vouchers.resident", resident_id=resident.id)


@bp.route("/residents/<int:resident_id>/issue-request/<int:programme_id>", methods=["POST"])
@login_required
def resident_issue_request(resident_id: int, programme_id: int):
    """Ask the street office (the programme's officers) to issue this month's vouchers to a resident registered after
    the month's issuance, instead of waiting for the next monthly one. Once per resident, programme and month."""
    resident = load_resident(resident_id)
    valid_form(StatusForm())
    programme = db.get_or_404(Programme, programme_id)
    if run_service(lambda: issue_requests.request_issuance(programme, resident, actor=current_user)):
        flash(_("The street office was asked to issue “%(programme)s” to this resident now. Their officers were "
                "notified.", programme=programme.name), "success")
    return redirect_to("vouchers.resident", resident_id=resident.id, _anchor="issuance-outlook")
