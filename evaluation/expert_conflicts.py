"""Standing conflicts: an expert declares, before any draw, a conflict with an organisation and is then never drawn
for a call that organisation applied to. Fees paid under a contract: whoever a progress report says the
organisation paid is never an evaluator of that project."""

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from audit import services as audit
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.i18n import semicolon
from core.money import format_fen
from core.permissions import has_role
from orgs.enums import OrgStatus
from orgs.models import Organisation
from projects.contract_report_models import FeeKind, FeePayment, ReceiptStatus

from .expert_models import StandingConflict

MAX_RELATIONSHIP = 500  # a declared relationship (conflict of interest): refused when longer, never cut


def relationship_note(note: str | None) -> str:
    """A relationship declared with a conflict, stripped; longer than MAX_RELATIONSHIP is refused."""
    note = (note or "").strip()
    if len(note) > MAX_RELATIONSHIP:
        raise ServiceError(_("Please correct the marked fields."),
                           fields={"relationship": _("At most %(n)d characters.", n=MAX_RELATIONSHIP)})
    return note


def of(user) -> list[StandingConflict]:
    return list(db.session.scalars(select(StandingConflict).where(StandingConflict.user_id == user.id)
                                   .order_by(StandingConflict.id)))


def organisations() -> list[tuple[int, str]]:
    """What an expert may declare a conflict with: registered organisations, by name."""
    rows = db.session.execute(select(Organisation.id, Organisation.name)
                              .where(Organisation.status == OrgStatus.APPROVED).order_by(Organisation.name))
    return [tuple(r) for r in rows]


def declare(user, org: Organisation, relationship: str, *, actor) -> StandingConflict:
    relationship = (relationship or "").strip()
    if actor.id != user.id or not has_role(user, "evaluator"):
        raise Forbidden(_("You do not have permission to do this."))
    if not 2 <= len(relationship) <= MAX_RELATIONSHIP:
        raise ServiceError(_("Please correct the marked fields."),
                           fields={"relationship": _("Describe the relationship.")})
    if db.session.scalar(select(StandingConflict.id).where(StandingConflict.user_id == user.id,
                                                           StandingConflict.org_id == org.id)):
        raise Conflict(_("You have already declared a conflict with this organisation."))
    conflict = StandingConflict(user_id=user.id, org_id=org.id, relationship_note=relationship)
    db.session.add(conflict)
    db.session.flush()
    audit.record("expert.conflict_declared", ("expert_profiles", user.id), actor=actor,
                 data={"org_id": org.id, "relationship": relationship})
    return conflict


def conflicted_users(org_ids: set[int]) -> set[int]:
    """Experts with a standing conflict with any of these organisations."""
    if not org_ids:
        return set()
    return set(db.session.scalars(select(StandingConflict.user_id).where(StandingConflict.org_id.in_(org_ids))))


def by_user() -> dict[int, list[StandingConflict]]:
    """Every expert's standing conflicts, for the officers' view of the pool (one query)."""
    grouped: dict[int, list[StandingConflict]] = {}
    for conflict in db.session.scalars(select(StandingConflict).order_by(StandingConflict.id)):
        grouped.setdefault(conflict.user_id, []).append(conflict)
    return grouped


def fees_under(contract_id: int) -> dict[int, list[FeePayment]]:
    """Every fee or allowance the contract's progress reports record as paid to a platform user, by user (linked
    by the report, or by the phone number given for someone who was not a user then). Every record counts, whatever
    its receipt and its report became: a denied receipt is still the organisation's word that it paid them, and a
    recipient who contradicts it is party to a dispute with it; a returned report still said they were paid.
    Two queries."""
    fees = list(db.session.scalars(select(FeePayment).where(FeePayment.contract_id == contract_id)
                                   .order_by(FeePayment.paid_on, FeePayment.id)))
    phones = {f.recipient_phone for f in fees if f.recipient_user_id is None and f.recipient_phone}
    by_phone = dict(db.session.execute(select(User.phone, User.id).where(User.phone.in_(phones))).all()) \
        if phones else {}
    grouped: dict[int, list[FeePayment]] = {}
    for fee in fees:
        user_id = fee.recipient_user_id or by_phone.get(fee.recipient_phone)
        if user_id is not None:
            grouped.setdefault(user_id, []).append(fee)
    return grouped


def fee_reason(fee: FeePayment) -> str:
    """Why its recipient cannot evaluate the project: 'Expert fee of ¥1,500.00 paid under this contract on …'."""
    return _("%(kind)s of %(amount)s paid under this contract on %(date)s (%(receipt)s)",
             kind=FeeKind(fee.kind).label, amount=format_fen(fee.amount_fen), date=fee.paid_on.isoformat(),
             receipt=ReceiptStatus(fee.status).label)


def paid_under(contract_id: int) -> dict[int, str]:
    """The users paid under the contract, each with the reason they cannot evaluate it (every payment, listed)."""
    return {user_id: semicolon().join(fee_reason(f) for f in fees) for user_id, fees in fees_under(contract_id).items()}
