"""Standing conflicts: an expert declares, before any draw, a conflict with an organisation and is then never drawn
for a call that organisation applied to. (Fees paid under a contract: evaluation.paid_conflicts.)"""

from flask_babel import gettext as _
from sqlalchemy import select

from audit import services as audit
from core.db import db
from core.errors import Conflict, Forbidden, invalid
from core.permissions import has_role
from orgs.enums import OrgStatus
from orgs.models import Organisation

from .expert_models import StandingConflict

MAX_RELATIONSHIP = 500  # a declared relationship (conflict of interest): refused when longer, never cut


def relationship_note(note: str | None) -> str:
    """A relationship declared with a conflict, stripped; longer than MAX_RELATIONSHIP is refused."""
    note = (note or "").strip()
    if len(note) > MAX_RELATIONSHIP:
        raise invalid({"relationship": _("At most %(n)d characters.", n=MAX_RELATIONSHIP)})
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
        raise invalid({"relationship": _("Describe the relationship.")})
    if db.session.scalar(select(StandingConflict.id).where(StandingConflict.user_id == user.id,
                                                           StandingConflict.org_id == org.id)):
        raise Conflict(_("You have already declared a conflict with this organisation."),
                       fields={"org_id": _("Already declared: it is in your list above.")})
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
