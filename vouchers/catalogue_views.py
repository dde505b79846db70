"""The catalogue residents choose a service from, and the page of one provider opened from it (its services in the
programme with prices and where they are given, how to book, its rating and residents' recent comments, and the
way back to the catalogue as it was filtered).

The provider's page is the vouchers' own, not the organisation's public page (orgs.profile): that one is the
organisation's registration record (legal representative, credit code, the communities it registered for), for
everyone and with no programme in view; a resident choosing where to spend a voucher needs what this programme's
vouchers pay for there, and the catalogue's tabs and filters around it."""

from dataclasses import dataclass

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required

from accounts import residents as resident_services
from core.db import db
from core.paging import page_arg
from core.phones import tel_uri
from core.views import db_int
from orgs.models import Organisation

from . import catalogue, limits, pages_support, programme_suspension, programmes, provider_summary, redemption
from .models import Programme
from .views import bp, categories, locale


@bp.app_template_global()
def allowance_renews_on() -> str:
    """The day a monthly limit used up can be used again (the 1st of next month, Beijing), as people write it: the
    code page says it before its button, as issue_code says it when refusing a code."""
    return limits.day_text(limits.next_month_starts())


@bp.app_template_global()
def disputes_awaiting_reply(org: Organisation) -> list[provider_summary.AwaitingReply]:
    """The provider's open disputes it has not replied to, for the summary at the top of its page."""
    return provider_summary.awaiting_reply(org)


@dataclass(frozen=True)
class Filters:
    """The catalogue's filters as the address gives them (unknown or malformed values: none, as the catalogue reads
    them); the provider page's way back carries them."""

    programme_id: int | None
    category_id: int | None
    community_id: int | None
    page: int
    community_given: bool = True  # ?community= is in the address (empty: every community, chosen)

    @classmethod
    def read(cls) -> "Filters":
        number = request.args.get
        return cls(number("programme", type=db_int), number("category", type=db_int),
                   number("community", type=db_int), page_arg(), "community" in request.args)

    def catalogue_args(self, programme: Programme) -> dict:
        """url_for's arguments for the catalogue at these filters (None and the first page are left out; every
        community is community=, so that going back does not choose the resident's own again)."""
        return {"programme": programme.id, "category": self.category_id, "community": community_arg(self.community_id),
                "page": self.page if self.page > 1 else None}


def community_arg(community_id: int | None) -> int | str:
    """The catalogue's community filter in a link: its id, or empty for every community (chosen, not left out)."""
    return community_id if community_id is not None else ""


def programme_communities(programme: Programme) -> list:
    """The communities a programme serves, as the filter lists them (none named: every community)."""
    if programme.communities:
        return resident_services.communities(only=programme.community_ids)
    return resident_services.communities()


def community_filter(filters: Filters, programme: Programme, listed: list) -> int | None:
    """The community the catalogue shows: the one the address names (of the programme's; empty: every community),
    else the resident's own when the programme serves it, so that an elderly resident sees first what is near."""
    ids = {c.id for c in listed}
    if filters.community_given:
        return filters.community_id if filters.community_id in ids else None
    resident = resident_services.resident_of(current_user)
    return resident.community_id if resident is not None and resident.community_id in ids else None


def running_programme(programme_id: int | None) -> Programme | None:
    """The running programme the address names, else None."""
    programme = db.session.get(Programme, programme_id) if programme_id else None
    return programme if programme is not None and programme.status == "active" else None


def programmes_for_resident() -> list[Programme]:
    """The running programmes, first those the user (a resident) holds a balance in."""
    active = programmes.active_programmes()
    resident = resident_services.resident_of(current_user)
    mine = {line.programme_id for line in redemption.balance(resident)} if resident else set()
    return sorted(active, key=lambda p: p.id not in mine)  # (stable: by id within each)


@bp.route("/catalogue")
@login_required
def catalogue_page():
    """Services residents can spend their vouchers on, filterable by category and community, with ratings."""
    filters = Filters.read()
    active = programmes.active_programmes()
    programme = running_programme(filters.programme_id) or next(iter(programmes_for_resident()), None)
    communities = programme_communities(programme) if programme else []
    community_id = community_filter(filters, programme, communities) if programme else None
    services, ratings = catalogue.catalogue(programme, category_id=filters.category_id,
                                            community_id=community_id, page=filters.page,
                                            per_page=21) if programme else ([], {})
    return render_template("vouchers/catalogue.html", programme=programme, programmes=active,
                           services=services[:20], has_next=len(services) > 20, page=filters.page, ratings=ratings,
                           categories=[c for c in categories() if programme and c.id in programme.category_ids],
                           communities=communities, category_id=filters.category_id, community_id=community_id,
                           community_arg=community_arg(community_id),
                           paused=programme_suspension.suspended_programmes(), locale=locale(), tel_uri=tel_uri)


@bp.route("/catalogue/providers/<int:org_id>")
@login_required
def catalogue_provider(org_id: int):
    """A provider as a resident choosing a service sees it, for the programme the catalogue showed (?programme=;
    without it, the first running programme the provider is allowed in, the user's own first). Open to whoever may
    open the catalogue; a provider not allowed in a running programme: 404, as one that does not exist."""
    org = db.get_or_404(Organisation, org_id)
    filters = Filters.read()
    named = running_programme(filters.programme_id)
    programme = next((p for p in ([named] if named else programmes_for_resident())
                      if programmes.provider_allowed(p, org)), None)
    if programme is None:
        abort(404)
    return render_template("vouchers/catalogue_provider.html", org=org, programme=programme,
                           services=pages_support.provider_services(programme, org),
                           rating=catalogue.provider_rating(org), comments=pages_support.recent_comments(org),
                           back=url_for("vouchers.catalogue_page", **filters.catalogue_args(programme)),
                           tab="vouchers.catalogue_page", locale=locale(), tel_uri=tel_uri)
