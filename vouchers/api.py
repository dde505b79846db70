"""Voucher API (token only): providers redeem and list their services; residents get codes and balances."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from accounts.residents import resident_or_403
from core.api import api_blueprint, api_user, committed, id_field, json_object, page_args, query_int, text_field
from core.db import db
from core.errors import invalid
from core.openapi import (
    PAGING,
    api_doc,
    array,
    body,
    boolean,
    component,
    fen,
    identifier,
    integer,
    list_of,
    nullable,
    record,
    string,
    timestamp,
)
from orgs.models import Membership, Organisation

from . import catalogue, disputes, printed_codes, redemption
from . import permissions as perms
from .enums import DisputeStatus, RedemptionStatus
from .models import Programme, VoucherService
from .redemption import CODE_DIGITS, CODE_TTL, KEY_RE
from .redemption_models import Rating, Redemption, RedemptionCode
from .settlement_shapes import redemption_line

bp = api_blueprint("vouchers_api")
MAX_REASON, MAX_COMMENT = disputes.MAX_REASON, catalogue.MAX_COMMENT  # as on the forms; the services check them too
# A redemption needs the service and its organisation's id and memberships (joined: they answer whether the caller
# may redeem for it without a query of their own), not the category row nor the lists of places and categories.
# Built once: it runs on every redemption.
_SERVICE = (select(VoucherService).where(VoucherService.id == bindparam("service_id"))
            .options(joinedload(VoucherService.org).load_only(Organisation.id),
                     joinedload(VoucherService.org, Organisation.memberships).lazyload(Membership.user),
                     lazyload(VoucherService.category),
                     lazyload(VoucherService.communities), lazyload(VoucherService.org, Organisation.categories),
                     lazyload(VoucherService.org, Organisation.communities)))


PLACE = record(id=identifier(), name=string())
REDEMPTION = component("Redemption", record(
    "A provider's draw-down of a resident's vouchers (核销).",
    id=identifier(), programme_id=identifier(), provider_org_id=identifier(), service_id=identifier(),
    service_name=string(), amount_fen=fen(), status=string(enum=RedemptionStatus),
    period=string(description="The settlement month, `YYYY-MM` (Beijing time)."),
    idempotency_key=string(100), resident=string(description="The resident's name, masked."),
    created_at=timestamp(), dispute_until=timestamp("The resident may dispute it until then.")))
SERVICE_FIELDS = dict(id=identifier(), org_id=identifier(), org_name=string(), name=string(),
                      category=string(description="Service category code."), price_fen=fen(), description=string(),
                      active=boolean(), communities=array(PLACE),
                      booking_phone=string(20, "A public phone to book the service; empty when none is given."),
                      location=string(200, "Where the service is given."), hours=string(100, "When."))
SERVICE = component("VoucherService", record("A provider's service.", **SERVICE_FIELDS))
RATED_SERVICE = component("CatalogueService", record(
    "A service in a programme's catalogue, with its provider's rating.", **SERVICE_FIELDS,
    provider_rating=record(average=nullable(string(description="One decimal, e.g. `4.5`; null when unrated.")),
                           count=integer(minimum=0))))
RATING = component("Rating", record(
    "A resident's rating of a redemption; it makes its provider's average in the catalogue.",
    id=identifier(), redemption_id=identifier(), stars=integer(minimum=1, maximum=5), comment=string(MAX_COMMENT),
    created_at=timestamp(), updated_at=nullable(timestamp("When the resident last changed it; null while it is as "
                                                          "first given."))))
NOT_A_RESIDENT = "A 403 (`not_a_resident`) when the token's user has no resident profile."


def redemption_json(r: Redemption) -> dict:
    return redemption_line(r) | {
        "programme_id": r.programme_id, "provider_org_id": r.provider_org_id, "status": r.status, "period": r.period,
        "idempotency_key": r.idempotency_key, "dispute_until": disputes.dispute_deadline(r).isoformat()}


def service_json(s: VoucherService, rating: catalogue.ProviderRating | None = None) -> dict:
    body = {"id": s.id, "org_id": s.org_id, "org_name": s.org.name, "name": s.name, "category": s.category.code,
            "price_fen": s.price_fen, "description": s.description, "active": s.active,
            "communities": [{"id": c.id, "name": c.full_name} for c in s.communities],
            "booking_phone": s.booking_phone, "location": s.location, "hours": s.hours}
    if rating is not None:
        body["provider_rating"] = {"average": str(rating.average) if rating.average is not None else None,
                                   "count": rating.count}
    return body


def rating_json(rating: Rating) -> dict:
    return {"id": rating.id, "redemption_id": rating.redemption_id, "stars": rating.stars, "comment": rating.comment,
            "created_at": rating.created_at.isoformat(),
            "updated_at": rating.updated_at.isoformat() if rating.updated_at else None}


@bp.route("/vouchers/redemptions", methods=["POST"])
@api_doc("Redeem a resident's code", tag="Vouchers", status=201, response=REDEMPTION, errors=[403, 409],
         description="By a member of the provider organisation, for one of its active services, with the one-time "
                     "code the resident shows. It cannot overdraw: an unknown, used or expired code, a balance too "
                     "small, a service outside the code's programme or a programme suspended (`programme_suspended`) "
                     "is a 409. Retrying with the same "
                     "`idempotency_key` returns the first answer (201 again) instead of redeeming twice.",
         request=body(required=["code", "service_id", "amount_fen", "idempotency_key"],
                      code=string(description=f"The resident's one-time code ({CODE_DIGITS} digits).",
                                  pattern=rf"^[0-9]{{{CODE_DIGITS}}}$"),
                      service_id=identifier("One of your organisation's services."),
                      amount_fen=fen("At most the service's listed price (price_fen).", minimum=1),
                      idempotency_key=string(100, "Unique per provider: printable ASCII, no spaces.",
                                             pattern=KEY_RE.pattern.removesuffix(r"\Z") + "$")))
def create_redemption():
    actor = api_user()
    body = json_object()
    service_id = id_field(body, "service_id")
    service = db.session.scalars(_SERVICE, {"service_id": service_id}).unique().first() if service_id else None
    if service is None:
        raise invalid({"service_id": _("Unknown service.")})
    # The answer is put together before the commit, from what the redemption loaded (nothing read again after).
    answer = committed(lambda: redemption_json(redemption.redeem(
        body.get("code"), service, body.get("amount_fen"), body.get("idempotency_key"), actor=actor).redemption))
    return jsonify(answer), 201


@bp.route("/vouchers/codes", methods=["POST"])
@api_doc("Get a one-time code (residents)", tag="Vouchers", status=201, errors=[403, 409],
         description=f"A code for the resident to show a provider, valid for {int(CODE_TTL.total_seconds()) // 60} "
                     f"minutes. A new code replaces the resident's earlier one still valid (one on the screen at a "
                     f"time: a provider is refused the earlier one, `code_cancelled`); printed codes are not touched. "
                     f"Without a body: the resident's one running programme. A programme suspended is a "
                     f"409 (`programme_suspended`). {NOT_A_RESIDENT}",
         request=body(programme_id=identifier("The programme, when the resident has vouchers of several.")),
         request_optional=True,
         response=record(code=string(description=f"{CODE_DIGITS} digits."), expires_at=timestamp(),
                         programme_id=identifier()))
def create_code():
    actor = api_user()
    resident = resident_or_403(actor)
    body = json_object(optional=True)  # no body: the resident's one running programme; text or broken JSON: refused
    programme_id = id_field(body, "programme_id")
    programme = db.session.get(Programme, programme_id) if programme_id else None
    if programme_id and programme is None:
        raise invalid({"programme_id": _("Unknown programme.")})
    code, row = committed(lambda: redemption.issue_code(resident, actor=actor, programme=programme))
    return jsonify({"code": code, "expires_at": row.expires_at.isoformat(), "programme_id": row.programme_id}), 201


PRINTED_CODE_FIELDS = dict(
    id=identifier(), programme_id=identifier(), programme_name=string(), created_at=timestamp("When printed."),
    expires_at=timestamp(), cancelled_at=nullable(timestamp("When cancelled; null while a provider takes it.")))
PRINTED_CODE = component("PrintedCode", record(
    "A one-time code printed on a sheet of vouchers (a sheet carries several, each used once). Its digits are on the "
    "sheet only: the server keeps none.", **PRINTED_CODE_FIELDS))
PRINTED_SHEET_CANCELLED = component("PrintedSheetCancelled", record(
    "The code named, cancelled, and how many codes were cancelled with it: every printed code of its programme "
    "still valid, all on the one sheet a provider would still take.",
    **PRINTED_CODE_FIELDS, cancelled_count=integer("How many codes were cancelled, this one included.", minimum=1),
    cancelled_ids=array(identifier(), "The ids of the codes cancelled, this one first.")))


def printed_code_json(row: RedemptionCode) -> dict:
    return {"id": row.id, "programme_id": row.programme_id, "programme_name": row.programme.name,
            "created_at": row.created_at.isoformat(), "expires_at": row.expires_at.isoformat(),
            "cancelled_at": row.cancelled_at.isoformat() if row.cancelled_at else None}


@bp.route("/vouchers/printed-codes")
@api_doc("My printed codes still valid (residents)", tag="Vouchers", errors=[403], response=list_of(PRINTED_CODE),
         description=f"The codes on the resident's printed sheets that a provider would still take, newest first: "
                     f"one item per code, several per sheet (printing a new sheet cancels every code of the earlier "
                     f"ones). {NOT_A_RESIDENT}")
def list_printed_codes():
    resident = resident_or_403(api_user())
    return jsonify({"items": [printed_code_json(row) for row in printed_codes.live_printed_codes(resident)]})


@bp.route("/vouchers/printed-codes/<int:code_id>/cancel", methods=["POST"])
@api_doc("Cancel my printed sheet's codes (residents)", tag="Vouchers", errors=[403, 409],
         response=PRINTED_SHEET_CANCELLED,
         description=f"A sheet lost or taken (作废), named by one of its codes: that code and every other printed "
                     f"code of its programme still valid (all on the one sheet a provider would take) are cancelled, "
                     f"and a provider refuses them from now on; print a new sheet to spend the vouchers. A code no "
                     f"longer valid (used, expired or already cancelled) is a 409 (`code_not_live`), and nothing is "
                     f"cancelled; someone else's is a 404. {NOT_A_RESIDENT}")
def cancel_printed_code(code_id: int):
    actor = api_user()
    resident = resident_or_403(actor)
    if printed_codes.printed_code_of(resident, code_id) is None:
        abort(404)
    # The answer is put together before the commit (the cancelled_at the service set, without reading the row again).
    return jsonify(committed(lambda: cancelled_json(printed_codes.cancel_printed_code(resident, code_id, actor=actor))))


def cancelled_json(rows: list[RedemptionCode]) -> dict:
    return printed_code_json(rows[0]) | {"cancelled_count": len(rows), "cancelled_ids": [row.id for row in rows]}


@bp.route("/vouchers/balance")
@api_doc("My voucher balance (residents)", tag="Vouchers", errors=[403],
         description=f"What the resident can spend, per running programme, and their 20 latest redemptions. "
                     f"{NOT_A_RESIDENT}",
         response=record(resident_id=identifier(), total_fen=fen(),
                         programmes=array(record(programme_id=identifier(), name=string(), balance_fen=fen(),
                                                 vouchers=integer(minimum=0), next_expiry=nullable(timestamp()))),
                         recent_redemptions=array(REDEMPTION)))
def get_balance():
    resident = resident_or_403(api_user())
    lines = redemption.balance(resident)
    recent = list(db.session.scalars(select(Redemption).where(Redemption.resident_id == resident.id)
                                     .order_by(Redemption.created_at.desc()).limit(20)))
    return jsonify({
        "resident_id": resident.id, "total_fen": sum(line.balance_fen for line in lines),
        "programmes": [{"programme_id": line.programme_id, "name": line.programme_name,
                        "balance_fen": line.balance_fen, "vouchers": line.vouchers,
                        "next_expiry": line.next_expiry.isoformat() if line.next_expiry else None} for line in lines],
        "recent_redemptions": [redemption_json(r) for r in recent],
    })


@bp.route("/vouchers/services")
@api_doc("Services: my organisations' own, or a programme's catalogue", tag="Vouchers", errors=[404],
         description="Without `programme_id`: the services of the organisations the token's user is a member of "
                     "(all of them, unpaged). With it: the programme's catalogue with providers' ratings, paged (an "
                     "unknown programme is a 404).",
         query={"programme_id": identifier("A programme: its catalogue."),
                "category_id": identifier("Catalogue only: one service category."),
                "community_id": identifier("Catalogue only: services offered in this community."), **PAGING},
         response={"oneOf": [list_of(SERVICE), record(items=array(RATED_SERVICE), page=integer(minimum=1),
                                                      per_page=integer(minimum=1, maximum=100))]})
def list_services():
    """A provider member's own services; with ?programme_id= the programme's catalogue (any signed-in user)."""
    user = api_user()
    page, per_page = page_args()
    if request.args.get("programme_id"):
        programme = db.session.get(Programme, query_int("programme_id"))
        if programme is None:
            abort(404)
        services, ratings = catalogue.catalogue(programme, category_id=query_int("category_id"),
                                                community_id=query_int("community_id"), page=page,
                                                per_page=per_page)
        return jsonify({"items": [service_json(s, ratings[s.org_id]) for s in services], "page": page,
                        "per_page": per_page})
    org_ids = perms.member_org_ids(user)  # (an active member's: as the provider pages and the statements count)
    services = list(db.session.scalars(select(VoucherService).where(VoucherService.org_id.in_(org_ids))
                                       .order_by(VoucherService.org_id, VoucherService.id)))
    return jsonify({"items": [service_json(s) for s in services]})


def _own_redemption(redemption_id: int) -> Redemption:
    resident = resident_or_403(api_user())
    found = db.session.get(Redemption, redemption_id)
    if found is None or found.resident_id != resident.id:
        abort(404)
    return found


@bp.route("/vouchers/redemptions/<int:redemption_id>/dispute", methods=["POST"])
@api_doc("Dispute a redemption (residents)", tag="Vouchers", status=201, errors=[403, 409],
         description=f"The resident says the service was not given as redeemed; an officer decides, and the "
                     f"redemption is held out of settlement meanwhile. Only within the dispute period. "
                     f"{NOT_A_RESIDENT}",
         request=body(required=["reason"], reason=string(MAX_REASON)),
         response=record(id=identifier(), redemption_id=identifier(), status=string(enum=DisputeStatus)))
def dispute_redemption(redemption_id: int):
    actor, found = api_user(), _own_redemption(redemption_id)
    body = json_object()
    reason = text_field(body, "reason", max_length=MAX_REASON)  # refused, never cut, as on the dispute form
    dispute = committed(lambda: disputes.raise_dispute(found, reason, actor=actor))
    return jsonify({"id": dispute.id, "redemption_id": found.id, "status": dispute.status}), 201


RATING_BODY = body(required=["stars"], stars=integer(minimum=1, maximum=5), comment=string(MAX_COMMENT))


@bp.route("/vouchers/redemptions/<int:redemption_id>/rating", methods=["POST"])
@api_doc("Rate a redemption (residents)", tag="Vouchers", status=201, errors=[403, 409], request=RATING_BODY,
         response=RATING,
         description=f"Once per redemption (a second time is a 409, `already_rated`: change it with PUT); the "
                     f"ratings make the providers' averages in the catalogue. {NOT_A_RESIDENT}")
def rate_redemption(redemption_id: int):
    return jsonify(_rated(redemption_id, catalogue.rate)), 201


@bp.route("/vouchers/redemptions/<int:redemption_id>/rating", methods=["PUT"])
@api_doc("Change my rating of a redemption (residents)", tag="Vouchers", errors=[403, 409], request=RATING_BODY,
         response=RATING,
         description=f"Its stars and comment, within {catalogue.RATING_CHANGE_WINDOW.days} days of the redemption "
                     f"(later: a 422, `rating_change_closed`). As on the rating page, the comment sent replaces the "
                     f"one given: left out or null, the rating has none. The provider's average follows at once. A "
                     f"redemption not rated yet, or reversed, is a 409; someone else's is a 404. {NOT_A_RESIDENT}")
def change_rating(redemption_id: int):
    return jsonify(_rated(redemption_id, catalogue.change_rating))


def _rated(redemption_id: int, service) -> dict:
    """The resident's own redemption rated, or its rating changed, by `service` with the body's stars and comment."""
    actor, found = api_user(), _own_redemption(redemption_id)
    body = json_object()
    comment = text_field(body, "comment", max_length=MAX_COMMENT)  # refused, never cut, as on the rating forms
    return rating_json(committed(lambda: service(found, body.get("stars"), comment, actor=actor)))


from . import settlement_api  # noqa: E402, F401  (more routes on bp)
