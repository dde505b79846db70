"""Money guards before a programme starts or issues: vouchers no provider may redeem are money residents cannot spend
anywhere (a programme started with no eligible provider issued them all the same), and a budget that cannot pay for
one resident's month issues nothing.

Whether a provider may redeem is programmes.provider_conditions, the rule redemption applies: this asks only whether
any organisation meets it today (one query)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, select

from core.db import db
from core.errors import Conflict
from core.money import format_fen

from . import ledger
from .models import Programme
from .programmes import is_contracted, provider_conditions, provider_params


def has_allowed_provider(programme: Programme, on: date | None = None) -> bool:
    """Does at least one organisation meet the programme's provider rule on this day (default today)?"""
    query = select(exists().where(*provider_conditions(is_contracted(programme))))
    return bool(db.session.scalar(query, provider_params(programme, on)))


def _what_a_provider_needs(programme: Programme) -> str:
    if is_contracted(programme):
        return _("A provider must hold a contract in force under the programme's call, be in good standing and offer "
                 "an active service in one of the programme's service categories.")
    return _("A provider must be in good standing and offer an active service in one of the programme's service "
             "categories.")


def require_provider_to_start(programme: Programme) -> None:
    """Refuse to start a programme whose vouchers no provider could redeem today."""
    if not has_allowed_provider(programme):
        raise Conflict(" ".join([
            _("The programme cannot start: no provider may redeem its vouchers yet, so residents could not spend "
              "them anywhere."), _what_a_provider_needs(programme),
            _("Add such a provider's service, or choose other service categories, then start the programme.")]),
            code="no_provider")


def require_provider_to_issue(programme: Programme) -> None:
    """Refuse to issue while no provider may redeem the programme's vouchers (one was suspended or listed since)."""
    if not has_allowed_provider(programme):
        raise Conflict(" ".join([
            _("No vouchers were issued: no provider may redeem this programme's vouchers at the moment, so residents "
              "could not spend them anywhere."), _what_a_provider_needs(programme),
            _("Issue again once a provider can redeem them.")]), code="no_provider")


def require_budget_for_one(programme: Programme) -> None:
    """Refuse to start issuing when what is left of the budget cannot pay for one resident's month (the batch ran,
    issued nothing and stopped as "budget used up")."""
    left, needed = ledger.unallocated_fen(programme.id), programme.per_resident_fen
    if left < needed:
        message = _("No vouchers were issued: the programme's remaining budget (%(left)s) cannot pay for one "
                    "resident's vouchers for a month (%(needed)s). Raise the budget first.",
                    left=format_fen(left), needed=format_fen(needed))
        raise Conflict(message, code="budget_exhausted")
