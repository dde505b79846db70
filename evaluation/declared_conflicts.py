"""Conflicts declared in earlier project evaluations: an evaluator who declared a conflict of interest (回避) on an
evaluation of one of an organisation's projects, whatever became of that evaluation (cancelled, their withdrawal,
still under way), is never offered again for an evaluation of that organisation's projects, and a crafted choice of
them is refused with what they declared. (Standing conflicts, declared before any draw: expert_conflicts; fees paid
under the contract: paid_conflicts.)"""

from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.errors import Conflict
from core.i18n import colon, semicolon
from core.timeutil import format_local
from projects.contract_models import Contract

from .project_enums import EvaluationKind
from .project_models import EvaluationAssignment, ProjectEvaluation


class Declared(NamedTuple):
    """One conflict an evaluator declared: on which evaluation (its kind, its project's title), when and what."""

    evaluation_id: int
    kind: str
    project: str
    declared_at: datetime | None
    relationship: str


def declared_with(org_id: int) -> dict[int, list[Declared]]:
    """Every conflict declared on an evaluation of any of the organisation's projects, by evaluator (one query)."""
    rows = db.session.execute(
        select(EvaluationAssignment.user_id, ProjectEvaluation.id, ProjectEvaluation.kind, Contract.title,
               EvaluationAssignment.declared_at, EvaluationAssignment.relationship_note)
        .join(ProjectEvaluation, ProjectEvaluation.id == EvaluationAssignment.evaluation_id)
        .join(Contract, Contract.id == ProjectEvaluation.contract_id)
        .where(Contract.org_id == org_id, EvaluationAssignment.has_conflict.is_(True))
        .order_by(EvaluationAssignment.declared_at, EvaluationAssignment.id))
    grouped: dict[int, list[Declared]] = {}
    for user_id, *rest in rows:
        grouped.setdefault(user_id, []).append(Declared(*rest))
    return grouped


def declared_reason(declared: list[Declared]) -> str:
    """What they declared, each time: 'Mid-term evaluation of “…”, declared 2026-05-01: 曾任该机构理事'."""
    return semicolon().join(
        _("%(kind)s of “%(project)s”, declared %(date)s: %(relationship)s", kind=EvaluationKind(d.kind).label,
          project=d.project, date=format_local(d.declared_at, "%Y-%m-%d"), relationship=d.relationship)
        for d in declared)


def conflicted(declared: dict[int, list[Declared]], assigned: set[int] = frozenset()) -> dict[int, tuple[str, str]]:
    """For the officer: each active evaluator not offered because of a conflict they declared (declared:
    declared_with), with what they declared; those already assigned (assigned) are left out. At most one query."""
    ids = set(declared) - set(assigned)
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.active).order_by(User.id))
    return {u.id: (u.display_name, declared_reason(declared[u.id])) for u in users if u.has_role("evaluator")}


def refuse_declared(declared: dict[int, list[Declared]], user_ids: list[int]) -> None:
    """Nobody who declared a conflict with the organisation in one of its evaluations (declared: declared_with)
    evaluates its projects again."""
    if refused := [db.session.get(User, i) for i in dict.fromkeys(user_ids) if i in declared]:
        who = semicolon().join(f"{u.display_name}{colon()}{declared_reason(declared[u.id])}" for u in refused)
        raise Conflict(_("They declared a conflict of interest with the project's organisation in an earlier "
                         "evaluation, so they cannot evaluate it: %(who)s.", who=who),
                       fields={"evaluator_ids": _("Declared a conflict of interest with this organisation.")})
