"""Conflicts declared before with an organisation: an evaluator who declared a conflict of interest (回避) on an
evaluation of one of the organisation's projects (whatever became of that evaluation: cancelled, their withdrawal,
still under way), or, sitting on a call's review panel, on one of its proposals (blind or not, whatever became of the
panel seat), is never offered again for an evaluation of that organisation's projects, and a crafted choice of them is
refused with what they declared. declared_with is the one rule; the offer (candidates.Choices) and the refusal
(refuse_declared) both read it. (Standing conflicts, declared before any draw: expert_conflicts; fees paid under the
contract: paid_conflicts.)"""

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
from projects.models import Call, Proposal

from .models import ConflictDeclaration, PanelMember
from .project_enums import EvaluationKind
from .project_models import EvaluationAssignment, ProjectEvaluation

REVIEW = "review"  # Declared.kind of a conflict declared in a call's proposal review


class Declared(NamedTuple):
    """One conflict an evaluator declared: where (an evaluation of the organisation's project: its kind and the
    project's title; or the review of its proposal: REVIEW and the call's title), when and what."""

    source_id: int  # the evaluation's id, or the proposal's
    kind: str  # EvaluationKind, or REVIEW
    title: str
    declared_at: datetime | None
    relationship: str


def declared_with(org_id: int) -> dict[int, list[Declared]]:
    """Every conflict declared with the organisation, by user: on an evaluation of any of its projects, and on any
    of its proposals by a review panel member (two queries). Oldest first."""
    evaluations = db.session.execute(
        select(EvaluationAssignment.user_id, ProjectEvaluation.id, ProjectEvaluation.kind, Contract.title,
               EvaluationAssignment.declared_at, EvaluationAssignment.relationship_note)
        .join(ProjectEvaluation, ProjectEvaluation.id == EvaluationAssignment.evaluation_id)
        .join(Contract, Contract.id == ProjectEvaluation.contract_id)
        .where(Contract.org_id == org_id, EvaluationAssignment.has_conflict.is_(True)))
    reviews = db.session.execute(
        select(PanelMember.user_id, Proposal.id, Call.title, ConflictDeclaration.declared_at,
               ConflictDeclaration.relationship_note)
        .join(PanelMember, PanelMember.id == ConflictDeclaration.member_id)
        .join(Proposal, Proposal.id == ConflictDeclaration.proposal_id)
        .join(Call, Call.id == Proposal.call_id)
        .where(Proposal.org_id == org_id, ConflictDeclaration.has_conflict.is_(True)))
    found = [(user_id, Declared(*rest)) for user_id, *rest in evaluations]
    found += [(user_id, Declared(proposal, REVIEW, call, at, note)) for user_id, proposal, call, at, note in reviews]
    # declared_at is always set with a conflict (an evaluation's declaration, a panel member's)
    found.sort(key=lambda row: (row[1].declared_at, row[1].kind, row[1].source_id))
    grouped: dict[int, list[Declared]] = {}
    for user_id, declared in found:
        grouped.setdefault(user_id, []).append(declared)
    return grouped


def _one_reason(d: Declared) -> str:
    date = format_local(d.declared_at, "%Y-%m-%d")
    if d.kind == REVIEW:
        return _("review of its proposal to “%(call)s”, declared %(date)s: %(relationship)s", call=d.title, date=date,
                 relationship=d.relationship)
    return _("%(kind)s of “%(project)s”, declared %(date)s: %(relationship)s", kind=EvaluationKind(d.kind).label,
             project=d.title, date=date, relationship=d.relationship)


def declared_reason(declared: list[Declared]) -> str:
    """What they declared, each time: 'Mid-term evaluation of “…”, declared 2026-05-01: 曾任该机构理事' or 'review of
    its proposal to “…”, declared 2026-03-02: …'."""
    return semicolon().join(_one_reason(d) for d in declared)


def conflicted(declared: dict[int, list[Declared]], assigned: set[int] = frozenset()) -> dict[int, tuple[str, str]]:
    """For the officer: each active evaluator not offered because of a conflict they declared (declared:
    declared_with), with what they declared; those already assigned (assigned) are left out. At most one query."""
    ids = set(declared) - set(assigned)
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids), User.active).order_by(User.id))
    return {u.id: (u.display_name, declared_reason(declared[u.id])) for u in users if u.has_role("evaluator")}


def refuse_declared(declared: dict[int, list[Declared]], user_ids: list[int]) -> None:
    """Nobody who declared a conflict with the organisation, in one of its evaluations or in the review of one of
    its proposals (declared: declared_with), evaluates its projects."""
    if refused := [db.session.get(User, i) for i in dict.fromkeys(user_ids) if i in declared]:
        who = semicolon().join(f"{u.display_name}{colon()}{declared_reason(declared[u.id])}" for u in refused)
        raise Conflict(_("They declared a conflict of interest with the project's organisation in an earlier "
                         "evaluation or proposal review, so they cannot evaluate it: %(who)s.", who=who),
                       fields={"evaluator_ids": _("Declared a conflict of interest with this organisation.")})
