"""Settlement statements in the voucher API (token only): routes on vouchers.api's blueprint. Who sees what is the
pages' rule (vouchers.permissions): officers, administrators and auditors every statement, a provider
organisation's active members their organisation's; approving and recording a payment call the statement page's
service (settlement.transition_settlement), with its two-person rule."""

import re

from flask import abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.api import api_user, committed, json_object, page_args, query_int, text_field
from core.db import db
from core.errors import Forbidden, ServiceError, invalid
from core.openapi import PAGING, api_doc, body, identifier, page_of, string
from core.paging import count_of

from . import pages_support, settlement
from . import permissions as perms
from .api import bp
from .enums import SettlementStatus
from .programmes import parse_period
from .redemption_models import Settlement
from .settlement_shapes import PERIOD, STATEMENT, SUMMARY, statement_json, summary_json

TAG = "Vouchers"
WHO = ("Officers, administrators and auditors see every statement; a provider organisation's active members see "
       "their organisation's.")
PERIOD_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}")
# The service names the reference as the page's form does; the request calls it `reference`.
API_FIELDS = {"payment_reference": "reference"}


def visible_org_ids(user) -> list[int] | None:
    """None for those who see every statement (those who see the programme's page, with its statements); otherwise
    the organisations the user is an active member of. Anyone else (a resident, an evaluator) is refused (403)."""
    if perms.can_view_programme(user):
        return None
    ids = perms.member_org_ids(user)
    if not ids:
        raise Forbidden(_("Settlement statements are for officers, auditors and the providers' members."))
    return ids


def load_statement(settlement_id: int) -> Settlement:
    """The statement, for whoever may see its page (vouchers.settlement_views.load_settlement); anyone else: 404."""
    user = api_user()
    found = db.session.get(Settlement, settlement_id)
    if found is None or not perms.can_view_provider_redemptions(user, found.provider):
        abort(404)
    return found


def _filters() -> list:
    filters = []
    if (programme_id := query_int("programme_id", minimum=1)) is not None:
        filters.append(Settlement.programme_id == programme_id)
    if (provider := query_int("provider", minimum=1)) is not None:
        filters.append(Settlement.provider_org_id == provider)
    if status := request.args.get("status"):
        if status not in SettlementStatus._value2member_map_:
            raise invalid({"status": _("Unknown status: choose one of %(values)s.",
                                       values=", ".join(s.value for s in SettlementStatus))})
        filters.append(Settlement.status == status)
    if period := request.args.get("period"):
        if not PERIOD_TEXT.fullmatch(period):  # parse_period alone takes '2026-1' and full-width digits
            raise invalid({"period": _("Write the month as year-month, for example 2026-12.")})
        filters.append(Settlement.period == parse_period(period))
    return filters


@bp.route("/vouchers/settlements")
@api_doc("List settlement statements", tag=TAG, response=page_of(SUMMARY), errors=[403],
         description=f"{WHO} Anyone else is refused (403). Newest month first. A filter naming a programme or "
                     f"provider that does not exist lists nothing.",
         query={"programme_id": identifier("Only this programme's."),
                "provider": identifier("Only this provider organisation's."),
                "status": string(enum=SettlementStatus), "period": PERIOD, **PAGING})
def list_settlements():
    org_ids = visible_org_ids(api_user())
    page, per_page = page_args()
    mine = [Settlement.provider_org_id.in_(org_ids)] if org_ids is not None else []
    stmt = (select(Settlement).where(*mine, *_filters())
            .order_by(Settlement.period.desc(), Settlement.provider_org_id, Settlement.seq, Settlement.id))
    rows = db.session.scalars(stmt.options(selectinload(Settlement.programme))
                              .offset((page - 1) * per_page).limit(per_page))
    return jsonify({"items": [summary_json(s) for s in rows], "page": page, "per_page": per_page,
                    "total": count_of(stmt)})


def _statement(found: Settlement) -> dict:
    return statement_json(found, pages_support.statement_lines(found))


@bp.route("/vouchers/settlements/<int:settlement_id>")
@api_doc("A settlement statement", tag=TAG, response=STATEMENT,
         description=f"With who took each step, its corrections, its latest issued PDF's verification code and its "
                     f"redemptions (residents' names masked). {WHO} A statement someone may not see is a 404.")
def get_settlement(settlement_id: int):
    return jsonify(_statement(load_statement(settlement_id)))


def load_to_settle(settlement_id: int) -> Settlement:
    """The statement (404 as load_statement), for an officer who settles (others who see it: 403), before its body
    is read."""
    found = load_statement(settlement_id)
    if not perms.can_settle(api_user(), found):
        raise Forbidden(_("Only officers settle with providers."))
    return found


def _transition(found: Settlement, to: SettlementStatus, reference: str = "") -> dict:
    actor = api_user()
    try:
        committed(lambda: settlement.transition_settlement(found, to, actor=actor, payment_reference=reference))
    except ServiceError as exc:
        exc.fields = {API_FIELDS.get(name, name): reason for name, reason in exc.fields.items()}
        raise
    return _statement(found)


@bp.route("/vouchers/settlements/<int:settlement_id>/approve", methods=["POST"])
@api_doc("Approve a settlement statement (officers)", tag=TAG, response=STATEMENT, errors=[403, 409],
         description="As the statement's page does: a prepared (`draft`) statement becomes `approved`, and the "
                     "provider's members are told. Others who see the statement (auditors, the provider's members) "
                     "are refused (403); a statement not prepared (already approved, paid or withdrawn) is a 409. "
                     "Nothing is changed by a refusal.")
def approve_settlement(settlement_id: int):
    return jsonify(_transition(load_to_settle(settlement_id), SettlementStatus.APPROVED))


@bp.route("/vouchers/settlements/<int:settlement_id>/pay", methods=["POST"])
@api_doc("Record a settlement statement's payment (officers)", tag=TAG, response=STATEMENT, errors=[403, 409],
         description="As the statement's page does: an `approved` statement becomes `paid` with its payment "
                     "reference, the time of the request as its payment time, and its settlement row in the "
                     "programme's ledger. Above the two-person threshold the officer who approved it may not record "
                     "its payment (403: another officer does). A statement not approved is a 409; a missing or too "
                     "long reference a 422.",
         request=body(required=["reference"],
                      reference=string(settlement.PAYMENT_REFERENCE_MAX, "The payment's reference (付款凭证号).",
                                       min_length=1),
                      paid_on=string(description="Not taken: the payment is recorded as made when the request is "
                                                 "(as on the page). A request carrying it is refused (422).")))
def pay_settlement(settlement_id: int):
    found = load_to_settle(settlement_id)
    data = json_object()
    reference = text_field(data, "reference", max_length=settlement.PAYMENT_REFERENCE_MAX)
    if data.get("paid_on") is not None:
        raise invalid({"paid_on": _("The payment is recorded as made when it is recorded: leave the date out.")})
    return jsonify(_transition(found, SettlementStatus.PAID, reference))
