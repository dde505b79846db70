"""The provider catalogue (services offered to voucher holders) and residents' ratings of redemptions."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from accounts.models import Community
from audit import services as audit
from core.db import db, upsert_dialect, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.money import MAX_FEN
from core.phones import public_phone
from core.signals import provider_star_counts
from orgs.models import Organisation, ServiceCategory

from . import permissions
from .enums import RedemptionStatus
from .models import Programme, VoucherService, service_communities
from .programmes import is_contracted, provider_conditions, provider_params
from .redemption_models import Rating, Redemption

MAX_COMMENT = 1000  # a rating's comment (vouchers.forms, the API); refused, never cut
MAX_LOCATION, MAX_HOURS = 200, 100


@dataclass
class ServiceData:
    name: str
    category_id: int | None
    price_fen: int
    description: str = ""
    community_ids: list[int] = field(default_factory=list)  # the service area; empty: anywhere
    active: bool = True
    booking_phone: str = ""  # how a resident books it (public; optional)
    location: str = ""  # where it is given ("上门服务" for a home visit, or an address)
    hours: str = ""  # when


@dataclass(frozen=True)
class ProviderRating:
    average: Decimal | None  # one decimal place, None when nobody has rated yet
    count: int


def _validated(data: ServiceData) -> tuple[ServiceCategory, list[Community]]:
    errors = {}
    if not (data.name or "").strip() or len(data.name.strip()) > 120:
        errors["name"] = _("Give the service a name of up to 120 characters.")
    category = db.session.get(ServiceCategory, data.category_id) if isinstance(data.category_id, int) else None
    if category is None or not category.active:
        errors["category_id"] = _("Choose a service category.")
    if isinstance(data.price_fen, bool) or not isinstance(data.price_fen, int) or not 0 < data.price_fen <= MAX_FEN:
        errors["price_fen"] = _("Enter a positive amount.")
    communities = list(db.session.scalars(select(Community).where(Community.id.in_(data.community_ids))))
    if len(communities) != len(set(data.community_ids)):
        errors["community_ids"] = _("Unknown community.")
    if public_phone(data.booking_phone) is None:  # a mobile, a landline (extension too) or a 400/800 number
        errors["booking_phone"] = _("Enter a mobile number, or a landline with its area code (021-62345678).")
    for name, limit in (("location", MAX_LOCATION), ("hours", MAX_HOURS)):
        if len((getattr(data, name) or "").strip()) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
    if errors:
        raise invalid(errors)
    return category, communities


def check_service(data: ServiceData) -> None:
    """The checks create_service and update_service make of what was typed, alone: refused with every field's reason
    (invalid), nothing read but the category and communities, nothing written. The service form, refused by its own
    checks, says these reasons with its own (core.form_checks)."""
    _validated(data)


def _snapshot(service: VoucherService) -> dict:
    return {"name": service.name, "category_id": service.category_id, "price_fen": service.price_fen,
            "description": service.description, "active": service.active,
            "community_ids": [c.id for c in service.communities], "booking_phone": service.booking_phone,
            "location": service.location, "hours": service.hours}


def _contact(data: ServiceData) -> dict:
    return {"booking_phone": public_phone(data.booking_phone), "location": (data.location or "").strip(),
            "hours": (data.hours or "").strip()}


def create_service(org: Organisation, data: ServiceData, *, actor) -> VoucherService:
    if not permissions.can_manage_services(actor, org):
        raise Forbidden(_("Only the organisation's members can change its services."))
    if org.status != "approved":
        raise Conflict(_("Only a registered organisation can offer services."))
    category, communities = _validated(data)
    service = VoucherService(org_id=org.id, category=category, name=data.name.strip(), price_fen=data.price_fen,
                             description=(data.description or "").strip(), active=data.active, communities=communities,
                             **_contact(data))
    db.session.add(service)
    db.session.flush()
    audit.record("voucher_service.created", service, actor=actor, data={"org_id": org.id, **_snapshot(service)})
    return service


def update_service(service: VoucherService, data: ServiceData, *, actor) -> None:
    if not permissions.can_manage_services(actor, service.org):
        raise Forbidden(_("Only the organisation's members can change its services."))
    category, communities = _validated(data)
    before = _snapshot(service)
    service.category, service.name, service.price_fen = category, data.name.strip(), data.price_fen
    service.description, service.active = (data.description or "").strip(), data.active
    service.communities, service.updated_at = communities, utcnow()
    for name, value in _contact(data).items():
        setattr(service, name, value)
    db.session.flush()
    changes = audit.diff(before, _snapshot(service))
    if changes:
        audit.record("voucher_service.updated", service, actor=actor, changes=changes)


def services_of(org: Organisation, *, active_only: bool = False) -> list[VoucherService]:
    stmt = select(VoucherService).where(VoucherService.org_id == org.id).order_by(VoucherService.id)
    if active_only:
        stmt = stmt.where(VoucherService.active)
    return list(db.session.scalars(stmt))


def catalogue(programme: Programme, *, category_id: int | None = None, community_id: int | None = None,
              page: int = 1, per_page: int = 20) -> tuple[list[VoucherService], dict[int, ProviderRating]]:
    """Active services in the programme's categories offered by providers allowed in it, filtered by category and
    by community (services serving that community, or anywhere); with each provider's rating. Constant queries."""
    stmt = (select(VoucherService).join(Organisation, Organisation.id == VoucherService.org_id)
            .where(VoucherService.active, VoucherService.category_id.in_(sorted(programme.category_ids)),
                   *provider_conditions(is_contracted(programme)))
            .options(selectinload(VoucherService.communities))
            .order_by(VoucherService.category_id, Organisation.name_initials, VoucherService.id))
    if category_id is not None:
        stmt = stmt.where(VoucherService.category_id == category_id)
    if community_id is not None:
        serving = select(service_communities.c.service_id).where(service_communities.c.community_id == community_id)
        anywhere = ~select(service_communities.c.service_id).where(
            service_communities.c.service_id == VoucherService.id).exists()
        stmt = stmt.where(or_(VoucherService.id.in_(serving), anywhere))
    services = list(db.session.scalars(stmt.offset((max(page, 1) - 1) * per_page).limit(per_page),
                                       provider_params(programme)))
    return services, provider_ratings({s.org_id for s in services})


def counted_ratings(*columns):
    """SELECT columns FROM the ratings that count for a provider: those of redemptions not reversed. A dispute upheld
    means the service was not given as paid for (its value went back to the resident), so its rating no longer rates
    a service given; it stays the resident's (on their list) but leaves the provider's average, count and star counts.
    One rule for the catalogue, the provider's public page, the API and project evaluations (star_counts)."""
    return (select(*columns).join(Redemption, Redemption.id == Rating.redemption_id)
            .where(Redemption.status != RedemptionStatus.REVERSED.value))


def provider_ratings(org_ids) -> dict[int, ProviderRating]:
    """Average stars (one decimal) and count per provider, in one query (counted_ratings: reversed ones left out)."""
    ids = sorted(set(org_ids))
    result = {org_id: ProviderRating(None, 0) for org_id in ids}
    if not ids:
        return result
    rows = db.session.execute(counted_ratings(Rating.provider_org_id, func.sum(Rating.stars), func.count(Rating.id))
                              .where(Rating.provider_org_id.in_(ids)).group_by(Rating.provider_org_id))
    for org_id, total, count in rows:
        average = (Decimal(int(total)) / count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        result[org_id] = ProviderRating(average, count)
    return result


def provider_rating(org: Organisation) -> ProviderRating:
    """For the organisation's public page."""
    return provider_ratings([org.id])[org.id]


@provider_star_counts.connect
def star_counts(_sender=None, *, org_id: int, start: datetime, end: datetime) -> dict[int, int]:
    """{stars: how many ratings} residents gave the provider for services redeemed from start until before end
    (project evaluations ask for them, through core.signals, for the contract's period); reversed ones left out
    (counted_ratings)."""
    rows = db.session.execute(counted_ratings(Rating.stars, func.count(Rating.id))
                              .where(Rating.provider_org_id == org_id, Redemption.created_at >= start,
                                     Redemption.created_at < end).group_by(Rating.stars))
    return {int(stars): count for stars, count in rows}


def _checked_rating(redemption: Redemption, stars, comment: str, actor) -> str:
    """The checks a rating and its change share; the comment as kept (stripped)."""
    if not permissions.can_rate(actor, redemption):
        raise Forbidden(_("Only the resident can rate this service."))
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise invalid({"stars": _("From 1 to 5 stars.")})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:  # refused, never cut
        raise invalid({"comment": _("A comment has at most %(n)d characters.", n=MAX_COMMENT)})
    if redemption.status == RedemptionStatus.REVERSED:
        raise Conflict(_("A reversed redemption cannot be rated."))
    return comment


def rate(redemption: Redemption, stars: int, comment: str = "", *, actor) -> Rating:
    """The resident rates a redemption once (1–5 stars, optional comment); change_rating changes it later."""
    comment = _checked_rating(redemption, stars, comment, actor)
    # Once: the UNIQUE redemption_id decides, so two ratings sent at the same moment give one rating and one 409.
    rating = db.session.scalars(
        upsert_dialect().insert(Rating).values(redemption_id=redemption.id, resident_id=redemption.resident_id,
                                      provider_org_id=redemption.provider_org_id, service_id=redemption.service_id,
                                      stars=stars, comment=comment, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["redemption_id"]).returning(Rating)).first()
    if rating is None:
        raise Conflict(_("This service has already been rated."), code="already_rated")
    # The stars, not the comment: what a resident writes may name people, and the trail is never erased.
    audit.record("voucher.rated", redemption, actor=actor,
                 data={"rating_id": rating.id, "stars": stars, "commented": bool(rating.comment)})
    return rating


# A rating can be changed for 30 days from the redemption. Long enough to think again once a service has shown what
# it is worth (a carer's visits over the following weeks, a meal service over a month) or once a dispute has been
# decided (disputes are raised within 7 days); short enough that a provider's average, and the star counts a
# project evaluation reads for a contract's period (star_counts, by redemption time), settle, and that an old rating
# cannot be reopened months later as leverage on a provider.
RATING_CHANGE_WINDOW = timedelta(days=30)


def rating_change_deadline(redemption: Redemption) -> datetime:
    return redemption.created_at + RATING_CHANGE_WINDOW


def rating_of(redemption: Redemption) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.redemption_id == redemption.id))


def change_rating(redemption: Redemption, stars: int, comment: str = "", *, actor,
                  now: datetime | None = None) -> Rating:
    """The resident changes their rating of a redemption (its stars and comment) within RATING_CHANGE_WINDOW of
    it. The rating is changed in place, its updated_at set: the providers' averages and star counts are computed
    from the ratings when read (provider_ratings, star_counts), so they follow at once and exactly. Audited with ids
    and the stars (never the comment's words); a change that changes nothing writes no event and keeps updated_at."""
    comment = _checked_rating(redemption, stars, comment, actor)
    now = now or utcnow()
    if now > rating_change_deadline(redemption):
        raise ServiceError(_("A rating can be changed only within %(n)d days of the service.",
                             n=RATING_CHANGE_WINDOW.days), code="rating_change_closed")
    rating = db.session.scalar(select(Rating).where(Rating.redemption_id == redemption.id).with_for_update())
    if rating is None:
        raise Conflict(_("This service has not been rated yet."), code="not_rated")
    if (rating.stars, rating.comment) == (stars, comment):
        return rating
    data = {"rating_id": rating.id, "provider_org_id": rating.provider_org_id, "service_id": rating.service_id,
            "comment_changed": rating.comment != comment}
    if rating.stars != stars:  # (a provider's average moved: an auditor asking why sees by how much)
        data["changes"] = {"stars": [rating.stars, stars]}
    rating.stars, rating.comment, rating.updated_at = stars, comment, now
    db.session.flush()
    audit.record("voucher.rating_changed", redemption, actor=actor, data=data)
    return rating
