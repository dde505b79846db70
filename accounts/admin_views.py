"""Administrators' user management pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from core import calendar
from core.db import db
from core.errors import ServiceError
from core.form_checks import reasons_in, say_at_once
from core.paging import page_arg
from core.permissions import require
from core.phones import is_mobile, typed_mobile
from core.views import attempt, form_status, refusal_text, run_and_redirect, run_service

from . import services, tokens
from .forms import (
    CalendarDayForm,
    ConfirmForm,
    DeactivationForm,
    ReasonForm,
    ResetPasswordForm,
    UserEditForm,
    UserFilterForm,
    UserForm,
)
from .lockout import end_login_lockout
from .models import ApiToken, User, UserRole
from .permissions import can_deactivate_user, can_edit_user, can_manage_users, can_revoke_token
from .residents import communities

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 25


@bp.before_request
@login_required
def _admins_only():
    require(can_manage_users(current_user))


@bp.route("/users")
def users():
    form = UserFilterForm(request.args)
    if not form.validate():  # the reason beside the filter, and no list that looks filtered but is not
        return render_template("accounts/admin_users.html", page=None, form=form, filters={}), 422
    filters = {name: form[name].data for name in ("q", "role", "status") if form[name].data}
    # A page number too large for the database's OFFSET was a 500; page_arg keeps it within 1 to MAX_PAGE.
    number = page_arg()
    page = db.paginate(_users_matching(form), page=number, per_page=PER_PAGE, error_out=False)
    return render_template("accounts/admin_users.html", page=page, form=form, filters=filters)


def _users_matching(form: UserFilterForm):
    stmt = select(User).order_by(User.username)
    if q := form.q.data:
        like = f"%{q}%"
        matches = [User.username.ilike(like), User.display_name.ilike(like)]
        if is_mobile(phone := typed_mobile(q)):  # whoever lost their user name still knows their number
            matches.append(User.phone == phone)
        stmt = stmt.where(or_(*matches))
    has_role = select(UserRole.id).where(UserRole.user_id == User.id)
    if form.role.data == UserFilterForm.NO_ROLE:
        stmt = stmt.where(~has_role.exists())
    elif form.role.data:
        stmt = stmt.where(has_role.where(UserRole.role == form.role.data).exists())
    if form.status.data:
        stmt = stmt.where(User.active.is_(form.status.data == "active"))
    return stmt


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserForm(communities=communities())
    made = None
    if form.validate_on_submit() and (made := attempt(lambda: services.create_user(
            form.username.data, form.display_name.data, form.password.data, form.roles.data, actor=current_user,
            email=form.email.data, phone=form.phone.data, communities=form.communities.data))):
        flash(_("User %(name)s created.", name=made.value.username), "success")
        return redirect(url_for("admin.edit_user", user_id=made.value.id))
    if form.is_submitted():
        _say_new_user_refusals(form, [made.refusal] if made is not None else [])
    # Refused (a name taken, a bad phone number): the form again as typed, each reason beside its field, 422.
    return render_template("accounts/admin_user_new.html", form=form), form_status()


def _say_new_user_refusals(form: UserForm, refusals: list[ServiceError]) -> None:
    """Every reason at the first refusal, once: the form's own and all that create_user's checks give (a user name
    taken was said only once the password was long enough), each beside its field and listed at the top of the
    page; a refusal of no field (none expected) as a flash. A name taken was said three times: beside the field, in
    the list at the top and flashed."""
    refusals = refusals + services.check_new_user(form.username.data, form.display_name.data, form.password.data,
                                                  form.roles.data, email=form.email.data, phone=form.phone.data)
    say_at_once(form, reasons_in(refusals))
    for text in dict.fromkeys(refusal_text(r) for r in refusals if not r.fields):
        flash(text, "danger")


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    require(can_edit_user(current_user, user))
    form = UserEditForm(obj=user, communities=communities())
    if request.method != "POST":
        form.roles.data = sorted(user.role_names)
        form.communities.data = [c.id for c in user.communities]
    if form.validate_on_submit() and run_service(lambda: services.update_user(
            user, actor=current_user, display_name=form.display_name.data, email=form.email.data,
            phone=form.phone.data, roles=form.roles.data, communities=form.communities.data), form):
        flash(_("Changes saved."), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return _edit_page(user, form=form), form_status()


def _edit_page(user: User, *, form=None, reason_form=None, reset_form=None):
    """The user's page; a refused form (given) shows again with its reasons beside its fields, as typed."""
    if form is None:
        form = UserEditForm(formdata=None, obj=user, communities=communities())
        form.roles.data = sorted(user.role_names)
        form.communities.data = [c.id for c in user.communities]
    return render_template("accounts/admin_user_edit.html", user=user, form=form,
                           reason_form=reason_form or _reason_form(user.active)(formdata=None),
                           reset_form=reset_form or ResetPasswordForm(formdata=None),
                           tokens=tokens.tokens_of(user), confirm_form=ConfirmForm(formdata=None),
                           can_deactivate=can_deactivate_user(current_user, user))


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["POST"])
def set_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    activate = action == "reactivate"
    require(can_edit_user(current_user, user) if activate else can_deactivate_user(current_user, user))
    form = _reason_form(not activate)()
    # A refused reason (too long) or refusal (their own account, the last administrator) is said beside the reason,
    # which is kept as typed (422, nothing changed); it was a message at the top of the page and the reason lost.
    if form.validate_on_submit() and run_service(lambda: services.set_active(
            user, activate, actor=current_user, reason=form.reason.data or ""), form):
        flash(_("User reactivated.") if activate else _("User deactivated; their sessions have ended."), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id, _anchor="main"))  # (not the form's anchor)
    _flash_expired_form(form)
    # (already done meanwhile, say in another tab: the page offers the opposite, without this reason in it)
    return _edit_page(user, reason_form=form if user.active != activate else None), 422


def _reason_form(deactivating: bool) -> type[ReasonForm]:
    """Deactivation needs a reason; reactivation may have one."""
    return DeactivationForm if deactivating else ReasonForm


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_token(user_id: int, token_id: int):
    """An administrator ends another user's API token (a leaked one, say); recorded like the owner's own revoke."""
    token = db.get_or_404(ApiToken, token_id)
    if token.user_id != user_id:
        abort(404)
    require(can_revoke_token(current_user, token))
    if not ConfirmForm().validate_on_submit():  # only its CSRF token matters here
        abort(400)
    return run_and_redirect(lambda: tokens.revoke_token(token, actor=current_user),
                            _("The token has been revoked."), url_for("admin.edit_user", user_id=user_id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    require(can_edit_user(current_user, user))
    form = ResetPasswordForm()
    # Refused (too short, too common): said beside the field (422), not at the top of the page far from it.
    if form.validate_on_submit() and run_service(
            lambda: services.reset_password(user, form.password.data, actor=current_user), form):
        end_login_lockout(user.username)
        flash(_("Password reset; the user's sessions have ended."), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id, _anchor="main"))  # (not the form's anchor)
    _flash_expired_form(form)
    return _edit_page(user, reset_form=form), 422


def _flash_expired_form(form) -> None:
    """A form refused for its CSRF token (the page was open too long) has no field to say it beside."""
    if form.errors.get("csrf_token"):
        flash(" ".join(map(str, form.errors["csrf_token"])), "danger")


@bp.route("/calendar", methods=["GET", "POST"])
def calendar_days():
    """Holidays and adjusted working days for years the statutory calendar package does not know yet."""
    form = CalendarDayForm()
    if form.validate_on_submit() and run_service(lambda: services.set_calendar_day(
            form.day.data, form.kind.data == "working", form.note.data or "", actor=current_user), form):
        flash(_("Saved."), "success")
        return redirect(url_for("admin.calendar_days"))
    entries = list(db.session.scalars(select(calendar.CalendarDay).order_by(calendar.CalendarDay.day.desc())))
    return render_template("accounts/admin_calendar.html", form=form, entries=entries), form_status()
