"""Who is on an organisation's staff, for the exclusions: an active membership (an invitation not yet accepted is no
tie). The panel draw leaves out applicants' staff, a project evaluation the organisation's and an agency is chosen
with its staff."""

from collections.abc import Iterable

from sqlalchemy import select

from accounts.models import User
from core.db import db
from orgs.enums import MembershipStatus
from orgs.models import Membership


def _active(org_ids: set[int]):
    return (Membership.org_id.in_(org_ids), Membership.status == MembershipStatus.ACTIVE.value)


def member_ids(org_ids: Iterable[int]) -> set[int]:
    """The users with an active membership of any of these organisations (one query; none for no organisation)."""
    org_ids = set(org_ids)
    if not org_ids:
        return set()
    return set(db.session.scalars(select(Membership.user_id).where(*_active(org_ids))))


def members_by_org(org_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each organisation's active members whose account is active, in user order (one query, roles loaded with the
    users)."""
    org_ids = set(org_ids)
    grouped: dict[int, list[User]] = {i: [] for i in org_ids}
    if not org_ids:
        return grouped
    rows = db.session.execute(select(Membership.org_id, User).join(User, User.id == Membership.user_id)
                              .where(*_active(org_ids), User.active).order_by(User.id))
    for org_id, user in rows:
        grouped[org_id].append(user)
    return grouped


def evaluators_by_org(org_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each agency's evaluators: its active members who hold the evaluator role (two queries, whatever the number
    of agencies)."""
    return {org_id: [u for u in users if u.has_role("evaluator")] for org_id, users in members_by_org(org_ids).items()}


def agency_evaluators(org_id: int) -> list[User]:
    return evaluators_by_org({org_id})[org_id]
