"""Redemption 核销 (DESIGN.md section 6): one-time codes, balances, and the redemption that cannot overdraw.

Each voucher is debited by one statement `UPDATE … SET balance_fen = balance_fen - :x WHERE id = :id AND
balance_fen >= :x AND status = 'active' AND expires_at > :now` whose row count is checked (CHECK balance >= 0 is
the backstop); a redemption spans the resident's vouchers earliest-expiring first. The code is consumed by a
guarded UPDATE too, caps by guarded counters, and (provider, idempotency key) is UNIQUE: a retry returns the
first answer. Ledger rows and the audit event are written in the same transaction; the caller commits.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value

from accounts.resident_models import ResidentProfile, ResidentStatus
from audit import services as audit
from core import personal
from core.db import db, upsert_dialect, utcnow
from core.errors import Conflict, Forbidden, ServiceError, amount_too_large, invalid
from core.money import MAX_FEN, format_fen
from core.timeutil import LOCAL_TZ

from . import ledger, limits, permissions, programme_suspension
from .balances import BalanceLine, balance, spendable_where  # noqa: F401 (balance, BalanceLine: for callers)
from .enums import LedgerKind, ProgrammeStatus, RedemptionStatus, VoucherStatus
from .limits import use_cap  # (kept here for its callers: disputes gives value back with it)
from .models import Programme, Voucher, VoucherService
from .programmes import period_of, provider_allowed
from .redemption_models import Redemption, RedemptionCode

CODE_DIGITS = 8
CODE_TTL = timedelta(minutes=5)  # a code on the resident's phone, shown to the provider there and then
# A code printed by community staff for a resident without a phone, carried to a provider over the following days
# (single use like the other; what it can spend is the balance of its programme).
PRINTED_CODE_TTL = timedelta(days=7)
# What a redemption reads of the programme and the resident (the answer shows the resident's name), nothing more.
# (name and suspended_at: a suspended programme's refusal names it and since when, from the same query)
_PROGRAMME_ONLY = (load_only(Programme.id, Programme.status, Programme.provider_mode, Programme.contract_call_id,
                             Programme.resident_cap_fen, Programme.provider_cap_fen, Programme.name,
                             Programme.suspended_at),
                   joinedload(Programme.categories), lazyload(Programme.communities))
_RESIDENT_ONLY = (load_only(ResidentProfile.id, ResidentProfile.real_name, ResidentProfile.status),
                  lazyload(ResidentProfile.user),
                  lazyload(ResidentProfile.community), lazyload(ResidentProfile.tag_rows))
KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}\Z")  # printable ASCII, no spaces


@dataclass(frozen=True)
class RedeemResult:
    redemption: Redemption
    replayed: bool  # True when this was a retry answered with the first result


def _code_hash(code: str) -> str:
    return personal.keyed_hash(code, "voucher-code")


# --- balances and codes ------------------------------------------------------------------------------

_VOUCHERS, _CODES = Voucher.__table__, RedemptionCode.__table__


def issue_code(resident: ResidentProfile, *, actor, programme: Programme | None = None,
               now: datetime | None = None, valid_for: timedelta = CODE_TTL,
               printed: bool = False) -> tuple[str, RedemptionCode]:
    """A fresh one-time code (returned in clear once; only its keyed hash is stored), valid for valid_for; printed:
    for a sheet of printed vouchers (documents.issue_printed_vouchers), not the phone's screen. Without a programme,
    the resident's one running programme with a balance is used."""
    if not permissions.can_issue_code_for(actor, resident):
        raise Forbidden(_("You cannot get a code for this resident."))
    if resident.status != ResidentStatus.VERIFIED:
        raise Conflict(_("The resident is not verified."))
    now = now or utcnow()
    lines = balance(resident, now=now)
    if programme is None:
        if not lines:  # (a suspended programme's vouchers: said so, not "choose a programme")
            from .paused import refuse_if_paused  # (paused imports the pages: not at import time)
            refuse_if_paused(resident, now)
        if len(lines) != 1:
            raise ServiceError(_("Choose the programme whose vouchers you want to use."),
                               fields={"programme_id": _("Choose a programme.")}, code="programme_required")
        programme = db.session.get(Programme, lines[0].programme_id)
    line = next((line for line in lines if line.programme_id == programme.id), None)
    if line is None:
        programme_suspension.require_not_suspended(programme)
        raise Conflict(_("There is no balance to spend in this programme."), code="no_balance")
    if line.allowance_used_up:
        raise limits.used_up_refusal(programme, now)
    for _attempt in range(10):
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        digest = _code_hash(code)
        clash = db.session.scalar(select(RedemptionCode.id).where(
            RedemptionCode.code_hash == digest, RedemptionCode.used_at.is_(None),
            RedemptionCode.cancelled_at.is_(None), RedemptionCode.expires_at > now))
        if clash is None:
            break
    else:  # pragma: no cover - 10 clashes among live codes would take hundreds of millions of them
        raise Conflict(_("Please try again."))
    replaced = [] if printed else _replace_screen_codes(resident.id, now)
    row = RedemptionCode(resident_id=resident.id, programme_id=programme.id, code_hash=digest,
                         created_by_id=actor.id, created_at=now, expires_at=now + valid_for, printed=printed)
    db.session.add(row)
    db.session.flush()
    audit.record("voucher.code_issued", resident, actor=actor,
                 data={"programme_id": programme.id, "code_id": row.id, "expires_at": row.expires_at,
                       "printed": printed, **({"replaced": replaced} if replaced else {})})
    return code, row


def _replace_screen_codes(resident_id: int, now: datetime) -> list[int]:
    """One code on the resident's screen at a time: a new one cancels those still live from before, which the
    resident no longer sees (a provider shown one is told it was replaced). A guarded UPDATE, so a code being used
    at this moment is either used or cancelled; printed codes (on paper, printed_codes) are left alone."""
    c = RedemptionCode
    return sorted(db.session.scalars(
        update(c).where(c.resident_id == resident_id, c.printed.is_(False), c.used_at.is_(None),
                        c.cancelled_at.is_(None), c.expires_at > now)
        .values(cancelled_at=now).returning(c.id).execution_options(synchronize_session=False)))


# --- redemption ------------------------------------------------------------------------------------------

def _validate(code, service, amount_fen, idempotency_key) -> None:
    errors = {}
    if not isinstance(code, str) or not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code, re.ASCII):
        errors["code"] = _("The code has %(n)d digits.", n=CODE_DIGITS)
    if service is None:
        errors["service_id"] = _("Choose one of your services.")
    elif not service.active:
        errors["service_id"] = _("This service is no longer offered.")
    # The form's amount is typed in yuan and arrives here as fen (a number at most MAX_FEN, parse_yuan): only 0
    # reaches this from it, so what is said of 0 (and below) names no unit; the rest only the API's amount_fen can be.
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        errors["amount_fen"] = _("Enter the amount as a whole number of fen.")
    elif amount_fen <= 0:
        errors["amount_fen"] = _("Enter an amount above zero.")
    elif amount_fen > MAX_FEN:
        errors["amount_fen"] = amount_too_large()
    elif service is not None and amount_fen > service.price_fen:  # the resident chose it at the price listed
        errors["amount_fen"] = _("At most the service's listed price, %(price)s.", price=format_fen(service.price_fen))
    if not isinstance(idempotency_key, str) or not KEY_RE.match(idempotency_key):
        errors["idempotency_key"] = _("Up to 100 printable characters without spaces.")
    if errors:
        raise invalid(errors)


def _request_hash(code: str, service_id: int, amount_fen: int) -> str:
    return hashlib.sha256(f"{_code_hash(code)}|{service_id}|{amount_fen}".encode()).hexdigest()


def _replay(org_id: int, key: str, request_hash: str) -> RedeemResult | None:
    first = db.session.scalar(select(Redemption).where(Redemption.provider_org_id == org_id,
                                                       Redemption.idempotency_key == key)
                              .execution_options(populate_existing=True))
    if first is None:
        return None
    if first.request_hash != request_hash:
        raise ServiceError(_("This idempotency key was already used for a different redemption."),
                           fields={"idempotency_key": _("Already used for a different request.")},
                           code="idempotency_mismatch")
    return RedeemResult(first, True)


# The statements every redemption runs are built once, with bind parameters: building one (and its cache key)
# cost several times more than running it. Those that load no objects are Core statements on the tables, which
# skip the ORM's bulk-statement machinery.
_LIVE_CODE = (select(_CODES.c.id, Programme, ResidentProfile)
              .select_from(_CODES).join(Programme, Programme.id == _CODES.c.programme_id)
              .join(ResidentProfile, ResidentProfile.id == _CODES.c.resident_id)
              .where(_CODES.c.code_hash == bindparam("code_hash"), _CODES.c.used_at.is_(None),
                     _CODES.c.cancelled_at.is_(None), _CODES.c.expires_at > bindparam("now"))
              .options(*_PROGRAMME_ONLY, *_RESIDENT_ONLY)
              .order_by(_CODES.c.id.desc()).limit(1))
_CONSUME = (update(_CODES).where(_CODES.c.id == bindparam("code_id"), _CODES.c.used_at.is_(None),
                                 _CODES.c.cancelled_at.is_(None), _CODES.c.expires_at > bindparam("now"))
            .values(used_at=bindparam("now")))
_SPENDABLE = (select(_VOUCHERS.c.id, _VOUCHERS.c.balance_fen)
              .where(*spendable_where(bindparam("resident_id"), bindparam("now"), bindparam("month")),
                     _VOUCHERS.c.programme_id == bindparam("programme_id"))
              .order_by(_VOUCHERS.c.expires_at, _VOUCHERS.c.id))
_LIVE_VOUCHER = (_VOUCHERS.c.id == bindparam("voucher_id"), _VOUCHERS.c.status == VoucherStatus.ACTIVE.value,
                 _VOUCHERS.c.expires_at > bindparam("now"))
_TAKE = (update(_VOUCHERS).where(*_LIVE_VOUCHER, _VOUCHERS.c.balance_fen >= bindparam("take"))
         .values(balance_fen=_VOUCHERS.c.balance_fen - bindparam("take")))
_LEFT = select(_VOUCHERS.c.balance_fen).where(*_LIVE_VOUCHER)


@cache
def _insert_redemption_statement(dialect):
    return (dialect.insert(Redemption).on_conflict_do_nothing(index_elements=["provider_org_id", "idempotency_key"])
            .returning(Redemption))


def _live_code(code: str, now: datetime) -> tuple[int, Programme, ResidentProfile] | None:
    """The live code's id with its programme (categories joined in) and resident, in one query; None if none."""
    found = db.session.execute(_LIVE_CODE, {"code_hash": _code_hash(code), "now": now}).unique().first()
    return tuple(found) if found is not None else None


def _dead_code(code: str) -> Conflict:
    """Why a code that is not live cannot be used (unknown, used, cancelled or expired): asked only once it was
    refused, so the redemption that goes through runs no statement more for it."""
    latest = db.session.execute(select(RedemptionCode.used_at, RedemptionCode.cancelled_at, RedemptionCode.printed)
                                .where(RedemptionCode.code_hash == _code_hash(code))
                                .order_by(RedemptionCode.id.desc()).limit(1)).first()
    # (each said beside the code too: the provider's page marks the field to type again)
    if latest is None:
        return _code_refused(_("This code is not known. Check the digits with the resident."), "code_unknown")
    if latest.used_at is not None and latest.printed:  # a resident without a phone cannot "get a new one" themselves
        return _code_refused(_("This printed code has already been used: each code on a printed sheet works once. "
                               "The resident can get a new sheet at their community office."), "code_used")
    if latest.used_at is not None:
        return _code_refused(_("This code has already been used. Ask the resident for a new one."), "code_used")
    if latest.cancelled_at is not None and not latest.printed:  # the resident got a newer code (on their screen)
        return _code_refused(_("This code was replaced by a newer one. Ask the resident for the code on their "
                               "screen now."), "code_cancelled")
    if latest.cancelled_at is not None:  # a sheet printed again, or cancelled by the resident or staff (printed_codes)
        return _code_refused(_("This code was cancelled: a newer sheet was printed, or the resident or their "
                               "community cancelled it. Ask the resident for their newest sheet or a new code."),
                             "code_cancelled")
    if latest.printed:
        return _code_refused(_("This printed code has expired. The resident can get a new sheet at their community "
                               "office."), "code_expired")
    return _code_refused(_("This code has expired. Ask the resident for a new one."), "code_expired")


def _code_refused(message: str, code: str) -> Conflict:
    return Conflict(message, fields={"code": message}, code=code)


def _consume(code_id: int, now: datetime) -> bool:
    result = db.session.execute(_CONSUME, {"code_id": code_id, "now": now})
    ledger.forget_loaded(RedemptionCode, code_id, "used_at")
    return result.rowcount == 1


def _debit(resident_id: int, programme_id: int, amount_fen: int, now: datetime) -> list[tuple[int, int]]:
    """Take amount_fen from the resident's vouchers, earliest-expiring first: [(voucher_id, taken)]."""
    rows = db.session.execute(_SPENDABLE, {"resident_id": resident_id, "programme_id": programme_id, "now": now,
                                           "month": period_of(now)}).all()
    if (held := sum(b for _v, b in rows)) < amount_fen:
        raise _insufficient(held)
    remaining, parts = amount_fen, []
    for voucher_id, seen in rows:
        while remaining and seen > 0:
            take = min(seen, remaining)
            done = db.session.execute(_TAKE, {"voucher_id": voucher_id, "take": take, "now": now}).rowcount
            if done == 1:
                ledger.forget_loaded(Voucher, voucher_id, "balance_fen")
                parts.append((voucher_id, take))
                remaining -= take
                break
            # Someone else spent from it meanwhile: look again at what is left (a fresh read).
            seen = db.session.scalar(_LEFT, {"voucher_id": voucher_id, "now": now}) or 0
        if not remaining:
            break
    if remaining:  # (spent from meanwhile: what is left is what this took and what the others left)
        raise _insufficient(amount_fen - remaining + sum(
            b for _v, b in db.session.execute(_SPENDABLE, {"resident_id": resident_id, "programme_id": programme_id,
                                                          "now": now, "month": period_of(now)})))
    return parts


def _insufficient(left_fen: int) -> Conflict:
    """The balance left, so that the provider can redeem that much and charge the rest another way."""
    return Conflict(_("The resident's balance is not enough for this amount: %(left)s is left. Redeem at most that "
                      "much and charge the rest another way.", left=format_fen(left_fen)),
                    code="insufficient_balance",
                    fields={"amount_fen": _("At most %(left)s (the balance left).", left=format_fen(left_fen))})


def redeem(code: str, service: VoucherService | None, amount_fen: int, idempotency_key: str, *, actor,
           now: datetime | None = None) -> RedeemResult:
    """A provider member redeems amount_fen for one of the provider's services with the resident's one-time code.

    Errors: ServiceError 422 (malformed; key reused for different content), Forbidden 403 (not a member; provider
    not allowed in the code's programme), Conflict 409 (unknown, used or expired code; insufficient balance; cap
    reached; programme not running). A retry with the same key returns the first redemption (replayed=True).

    Reads and checks come first; then the rows other requests may want, each as late as possible: the code, the
    resident's vouchers, the redemption (its UNIQUE key answers a retry), the cap counters, and last the audit
    chain's lock, held only until the caller commits."""
    _validate(code, service, amount_fen, idempotency_key)
    org = service.org
    if not permissions.can_redeem_for(actor, org):
        raise Forbidden(_("Only members of the provider can redeem for it."))
    request_hash = _request_hash(code, service.id, amount_fen)
    now = now or utcnow()
    live = _live_code(code, now)
    if live is None:
        if (replayed := _replay(org.id, idempotency_key, request_hash)) is not None:
            return replayed  # a retry: its code was used by the first request
        raise _dead_code(code)
    code_id, programme, resident = live
    _check_programme(programme, org, service, now)
    if resident.status != ResidentStatus.VERIFIED:  # suspended since the code was issued
        raise Conflict(_("The resident is not verified."), code="resident_not_verified")
    if not _consume(code_id, now):
        if (replayed := _replay(org.id, idempotency_key, request_hash)) is not None:
            return replayed  # the same request, sent twice at once: the first one won
        raise _dead_code(code)  # used, or cancelled, since it was looked up
    parts = _debit(resident.id, programme.id, amount_fen, now)
    redemption = _insert_redemption(dict(
        programme_id=programme.id, provider_org_id=org.id, resident_id=resident.id, service_id=service.id,
        code_id=code_id, amount_fen=amount_fen, period=period_of(now), status=RedemptionStatus.COMPLETED.value,
        idempotency_key=idempotency_key, request_hash=request_hash, redeemed_by_id=actor.id, created_at=now))
    for name, value in (("resident", resident), ("service", service), ("programme", programme)):
        set_committed_value(redemption, name, value)  # already loaded: the answer reads no row again
    ledger.add_entries([{"programme_id": programme.id, "voucher_id": vid, "resident_id": resident.id,
                         "provider_org_id": org.id, "kind": LedgerKind.REDEEM.value, "amount_fen": -take,
                         "redemption_id": redemption.id, "actor_id": actor.id, "created_at": now}
                        for vid, take in parts])
    _use_caps(programme, redemption)
    audit.record("voucher.redeemed", redemption, actor=actor,
                 data={"programme_id": programme.id, "provider_org_id": org.id, "resident_id": resident.id,
                       "service_id": service.id, "amount_fen": amount_fen, "vouchers": [list(p) for p in parts]})
    return RedeemResult(redemption, False)


def _check_programme(programme: Programme, org, service: VoucherService, now: datetime) -> None:
    programme_suspension.require_not_suspended(programme)
    if programme.status != ProgrammeStatus.ACTIVE:
        raise Conflict(_("This programme is not running."), code="programme_not_running")
    if not provider_allowed(programme, org, now.astimezone(LOCAL_TZ).date()):
        raise Forbidden(_("This provider is not allowed in the programme."), code="provider_not_allowed")
    if service.category_id not in programme.category_ids:
        raise ServiceError(_("This service is not covered by the programme."),
                           fields={"service_id": _("Not covered by the programme.")}, code="service_not_covered")


def _insert_redemption(values: dict) -> Redemption:
    """INSERT … ON CONFLICT DO NOTHING on (provider, idempotency key). A key already taken (by a request that
    committed, or that was in flight and is now waited for) is a different request under the same key: 422, and
    the caller rolls this request back."""
    redemption = db.session.scalars(_insert_redemption_statement(upsert_dialect()), values).first()
    if redemption is None:
        _replay(values["provider_org_id"], values["idempotency_key"], values["request_hash"])  # raises on mismatch
        # (the same request: cannot happen)
        raise _code_refused(_("This code has already been used. Ask the resident for a new one."), "code_used")
    return redemption


def _use_caps(programme: Programme, redemption: Redemption) -> None:
    """The per-period caps, after everything else: their counters are rows every redemption of a provider (or a
    resident) updates, so they are held for as short a time as possible."""
    args = (programme.id, redemption.period)
    if not use_cap(*args, "resident", redemption.resident_id, redemption.amount_fen, programme.resident_cap_fen):
        left = limits.left_this_period(*args, "resident", redemption.resident_id, programme.resident_cap_fen)
        raise limits.resident_cap_refusal(left, redemption.created_at)
    if not use_cap(*args, "provider", redemption.provider_org_id, redemption.amount_fen, programme.provider_cap_fen):
        left = limits.left_this_period(*args, "provider", redemption.provider_org_id, programme.provider_cap_fen)
        raise Conflict(_("This would pass the provider's monthly limit: at most %(left)s can still be redeemed "
                         "this month.", left=format_fen(left)), code="provider_cap",
                       fields={"amount_fen": _("At most %(left)s this month.", left=format_fen(left))})
