"""What the pages say of suspended programmes (暂停, programme_suspension): the resident's vouchers in them, which
they cannot spend for now and which keep their expiry, and the programmes a provider can redeem none of for now.
Each is one query, asked from the page's template (like provider_rating_of)."""

from dataclasses import dataclass
from datetime import datetime

from flask_login import current_user
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import lazyload

from accounts.resident_models import ResidentProfile
from accounts.residents import resident_of
from core.db import db, utcnow
from orgs.models import Organisation
from projects.contract_models import Contract, ContractStatus

from . import programme_suspension
from .balances import aware, spendable_where
from .enums import ProgrammeStatus, ProviderMode
from .models import Programme, Voucher, VoucherService, programme_categories
from .programmes import period_of
from .views import bp


@dataclass(frozen=True)
class PausedLine:
    programme_id: int
    programme_name: str
    balance_fen: int
    vouchers: int
    next_expiry: datetime | None
    since: datetime | None


def paused_balance(resident: ResidentProfile, *, now: datetime | None = None) -> list[PausedLine]:
    """The resident's vouchers in suspended programmes that they could spend were the programme running: per
    programme, the balance, how many, the next expiry and since when it is suspended (one query)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Programme.id, Programme.name, func.sum(Voucher.balance_fen), func.count(Voucher.id),
               func.min(Voucher.expires_at), Programme.suspended_at)
        .select_from(Voucher).join(Programme, Programme.id == Voucher.programme_id)
        .where(*spendable_where(resident.id, now, period_of(now)), Programme.status == ProgrammeStatus.SUSPENDED.value)
        .group_by(Programme.id, Programme.name, Programme.suspended_at).order_by(Programme.id))
    return [PausedLine(pid, name, int(total), count, aware(expiry), aware(since))
            for pid, name, total, count, expiry, since in rows]


def refuse_if_paused(resident: ResidentProfile, now: datetime) -> None:
    """A resident with nothing to spend asked for a code without naming a programme: if their vouchers are in a
    suspended programme, say so (409 programme_suspended) rather than ask them to choose a programme."""
    lines = paused_balance(resident, now=now)
    if lines:
        raise programme_suspension.refusal(db.session.get(Programme, lines[0].programme_id))


@bp.app_template_global()
def paused_vouchers_of(resident: ResidentProfile | None = None) -> list[PausedLine]:
    """For the resident's pages: their vouchers in suspended programmes (default: the logged-in resident's)."""
    resident = resident or resident_of(current_user)
    return paused_balance(resident) if resident is not None else []


@bp.app_template_global()
def paused_programmes_for(org: Organisation) -> list[Programme]:
    """For the provider's page: the suspended programmes the provider takes part in (it offers a service in one of
    their categories and, for a contracted programme, holds a contract in force under its call), one query."""
    offers = exists().where(VoucherService.org_id == org.id, VoucherService.active,
                            programme_categories.c.programme_id == Programme.id,
                            VoucherService.category_id == programme_categories.c.category_id)
    contracted = exists().where(Contract.org_id == org.id, Contract.call_id == Programme.contract_call_id,
                                Contract.status == ContractStatus.ACTIVE.value)
    return list(db.session.scalars(
        select(Programme).where(Programme.status == ProgrammeStatus.SUSPENDED.value, offers,
                                or_(Programme.provider_mode == ProviderMode.OPEN.value, contracted))
        .options(lazyload(Programme.categories), lazyload(Programme.communities)).order_by(Programme.id)))
