"""Residents' needs pages: a resident raises and follows their own; community staff, officers (and auditors, read
only) list them and answer them."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf

from audit.labels import ACTION_GROUPS, ACTION_LABELS, TARGET_LABELS
from core.db import db
from core.forms import DataRequired, Length, apply_service_error, strip_text
from core.paging import page_arg, paged
from core.permissions import require, require_visible
from core.views import attempt, db_int, run_service

from . import needs
from .enums import NeedCategory, NeedStatus, Role
from .models import User
from .need_models import MAX_DESCRIPTION, MAX_REPLY, ResidentNeed
from .notifications import NOTIFICATION_LABELS, NOTIFICATION_TEXTS
from .residents import can_manage_resident, communities, resident_of

bp = Blueprint("needs", __name__, url_prefix="/needs")

ACTION_LABELS.update({"need.raised": _l("Resident need raised"), "need.acknowledged": _l("Resident need acknowledged"),
                      "need.replied": _l("Resident need replied to"), "need.closed": _l("Resident need closed")})
ACTION_GROUPS["need"] = _l("Residents' needs")
TARGET_LABELS["resident_needs"] = _l("Resident need")
NOTIFICATION_TEXTS.update({
    "need.raised": _l("A resident of %(community)s has raised a need (%(category)s)."),
    "need.acknowledged": _l("Your community is looking into your need (%(category)s)."),
    "need.replied": _l("Your community has replied about your need (%(category)s). Please read the reply."),
    "need.closed": _l("Your need (%(category)s) has been answered. Please read the reply."),
})
NOTIFICATION_LABELS["need.raised"] = {"category": NeedCategory}
NOTIFICATION_LABELS["need.acknowledged"] = {"category": NeedCategory}
NOTIFICATION_LABELS["need.replied"] = {"category": NeedCategory}
NOTIFICATION_LABELS["need.closed"] = {"category": NeedCategory}


class NeedForm(FlaskForm):
    category = SelectField(_l("What is it about?"), choices=NeedCategory.choices,
                           validators=[AnyOf([c.value for c in NeedCategory],
                                             message=_l("Choose what your need is about."))])
    description = TextAreaField(_l("What do you need?"), filters=[strip_text], render_kw={"rows": 4}, validators=[
        DataRequired(message=_l("Please describe what you need.")), Length(max=MAX_DESCRIPTION)])
    wants_contact = BooleanField(_l("Please contact me about it"))


REPLY = "reply"  # the answer form's action for a reply that leaves the need open (needs.reply_to_need)


class NeedAnswerForm(FlaskForm):
    to = StringField(validators=[AnyOf([NeedStatus.ACKNOWLEDGED.value, NeedStatus.CLOSED.value, REPLY],
                                       message=_l("Choose a valid action."))])
    reply = TextAreaField(_l("Reply to the resident"), filters=[strip_text], render_kw={"rows": 4},
                          validators=[Length(max=MAX_REPLY)])


PER_PAGE = 30


@bp.app_template_global()
def open_needs_note() -> str:
    """The home page launcher's line on residents' needs (its slot): for community staff only, how many are waiting
    to be taken on; for everyone else nothing, and no query."""
    if not (current_user.is_authenticated and current_user.has_role(Role.COMMUNITY_STAFF)):
        return ""
    return _("Waiting to be taken on: %(num)d", num=needs.open_needs_count(current_user))


@bp.route("/mine", methods=["GET", "POST"])
@login_required
def mine():
    profile = resident_of(current_user)
    if profile is None:
        require(current_user.has_role(Role.RESIDENT))
        flash(_("Please tell your community who you are first."), "info")
        return redirect(url_for("vouchers.my_profile_page"))
    form = NeedForm()
    if form.validate_on_submit() and run_service(lambda: needs.raise_need(
            profile, form.category.data, form.description.data, form.wants_contact.data, actor=current_user), form):
        flash(_("Thank you. Your community will reply here."), "success")
        return redirect(url_for("needs.mine"))
    return render_template("accounts/needs_mine.html", form=form, needs=needs.needs_of(profile),
                           profile=profile), 422 if form.errors else 200


@bp.route("/")
@login_required
def index():
    require(needs.can_list_needs(current_user))
    served = needs.listed_community_ids(current_user)
    args = request.args
    status = args.get("status") if args.get("status") in NeedStatus._value2member_map_ else None
    category = args.get("category") if args.get("category") in NeedCategory._value2member_map_ else None
    community_id = args.get("community", type=db_int)
    page = paged(needs.needs_query(served, status=status, community_id=community_id, category=category),
                  page_arg(), PER_PAGE)
    return render_template("accounts/needs_list.html", page=page, communities=communities(served),
                           status=status, category=category, community_id=community_id,
                           statuses=NeedStatus.choices(), categories=NeedCategory.choices())


@bp.route("/<int:need_id>", methods=["GET", "POST"])
@login_required
def detail(need_id: int):
    need = db.session.get(ResidentNeed, need_id) or abort(404)
    require_visible(needs.can_view_need(current_user, need))  # a resident's words: 404 to others, as the API
    form, status = NeedAnswerForm(), 200
    if request.method == "POST":
        require(needs.can_handle_need(current_user, need))
        if not form.validate_on_submit():
            status = 422
        else:
            outcome = attempt(lambda: needs.reply_to_need(need, form.reply.data, actor=current_user)
                              if form.to.data == REPLY else
                              needs.transition_need(need, form.to.data, actor=current_user, reply=form.reply.data))
            if outcome:
                flash(_("Saved. The resident has been told."), "success")
                return redirect(url_for("needs.detail", need_id=need.id))
            status = outcome.refusal.status
            if status != 409:  # a 409: the page was stale (answered meanwhile, a double click): shown as it is now
                apply_service_error(form, outcome.refusal)
        db.session.refresh(need)
    # Community staff who look after the resident go on to their record (address, vouchers, a visit to print for).
    record = url_for("vouchers.resident", resident_id=need.resident_id) \
        if can_manage_resident(current_user, need.resident) else None
    handler = db.session.get(User, need.handled_by_id) if need.handled_by_id else None  # who took it on, or answered
    return render_template("accounts/need.html", need=need, form=form, stale=status == 409, resident_record=record,
                           handler=handler, can_handle=needs.can_handle_need(current_user, need)), status
