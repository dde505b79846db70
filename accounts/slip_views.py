"""The login slip community staff print for a resident they registered without a phone: the site, the login name in
two groups of digits (login_names.grouped), and where a password comes from (never the password: staff do not know
it; the resident chooses it at the office). On the accounts blueprint; the staff's resident pages are the vouchers'."""

from flask import render_template, request
from flask_login import current_user, login_required

from core.db import db
from core.permissions import require, require_visible

from . import residents
from .login_names import grouped
from .resident_models import ResidentProfile
from .views import bp


@bp.route("/residents/<int:resident_id>/login-slip")
@login_required
def login_slip(resident_id: int):
    """For staff who look after the resident's community (others: 403, or 404 for a resident of another community,
    as the staff's resident pages answer), and only for an account that is a resident's and nothing more (the
    accounts whose log-in staff may set up)."""
    require(residents.can_manage_residents(current_user))
    resident = db.get_or_404(ResidentProfile, resident_id)
    require_visible(residents.can_manage_resident(current_user, resident))
    require(residents.resident_account_only(resident))
    user = resident.user
    by_phone = bool(user.phone) and user.username == user.phone  # the resident's own number: not printed
    return render_template("accounts/login_slip.html", resident=resident, by_phone=by_phone,
                           login_name=grouped(user.username), site=request.host_url)
