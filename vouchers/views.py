"""Voucher pages: one blueprint; the routes live in officer_views, staff_views, provider_views, resident_views and
catalogue_views.

Views are thin: load (404), check permission per object (403), validate, call one service, commit, flash, redirect.
"""

from flask import Blueprint, abort, redirect, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select

from accounts.enums import Role
from accounts.residents import resident_of
from core.db import db, ensure_write_transaction
from core.permissions import has_role
from orgs.models import ServiceCategory

from . import catalogue
from . import permissions as perms

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")


def locale() -> str:
    return str(get_locale())


def categories() -> list[ServiceCategory]:
    return list(db.session.scalars(select(ServiceCategory).where(ServiceCategory.active)
                                   .order_by(ServiceCategory.sort_order, ServiceCategory.id)))


def redirect_to(endpoint: str, **values):
    return redirect(url_for(endpoint, **values))


def audited_download(export):
    """A download whose export (vouchers.exports) loads what it sends and records the download: a GET that writes,
    so the write lock first, then the event committed before the file streams (CONVENTIONS 5)."""
    ensure_write_transaction()
    response = export()
    db.session.commit()
    return response


@bp.app_template_global()
def provider_rating_of(org):
    """The provider's rating from residents, for the organisation's public page."""
    return catalogue.provider_rating(org)


@bp.app_template_global()
def voucher_nav() -> dict:
    """Which voucher pages the navigation offers the current user (no query: roles only; provider pages check
    membership themselves)."""
    if not current_user.is_authenticated:
        return {}
    resident = current_user.has_role(Role.RESIDENT)
    return {"officer": perms.can_view_programme(current_user),
            "staff": has_role(current_user, Role.COMMUNITY_STAFF, Role.ADMIN),
            "resident": resident, "provider": not resident or len(current_user.role_names) > 1}


@bp.route("/")
@login_required
def home():
    """Send each user to their voucher page."""
    nav = voucher_nav()
    for key, endpoint in (("officer", "vouchers.programmes"), ("staff", "vouchers.residents"),
                          ("resident", "vouchers.my_vouchers"), ("provider", "vouchers.provider_home")):
        if nav.get(key):
            return redirect_to(endpoint)
    if resident_of(current_user) is not None:
        return redirect_to("vouchers.my_vouchers")
    abort(403)


from . import (  # noqa: E402, F401  (routes and template globals on bp)
    catalogue_views,
    officer_views,
    paused,
    programme_suspension_views,
    provider_views,
    resident_views,
    settlement_views,
    staff_views,
)
