"""Whom a project evaluation may be commissioned from: evaluation agencies (registered by officers), the pool
experts and agencies' evaluators not affiliated with the contract's organisation, and those left out because the
organisation paid them under the contract or they declared a conflict with it (Choices, read by the commissioning
page, the service and its audit event alike)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from accounts.models import User
from audit import services as audit
from core.db import db
from core.errors import Forbidden
from core.permissions import has_role
from orgs.models import Organisation
from projects.contract_models import Contract
from projects.contract_report_models import FeePayment

from . import affiliations, declared_conflicts, expert_conflicts, paid_conflicts
from .models import ExpertProfile, expert_affiliations
from .project_models import EvaluationAgency


def register_agency(org: Organisation, active: bool, *, actor) -> EvaluationAgency:
    if not has_role(actor, "officer", "admin"):
        raise Forbidden(_("You do not have permission to do this."))
    agency = db.session.get(EvaluationAgency, org.id) or EvaluationAgency(org_id=org.id, registered_by_id=actor.id)
    agency.active = active
    db.session.add(agency)
    db.session.flush()
    audit.record("evaluation.agency_registered", org, actor=actor, data={"active": active})
    return agency


def affiliated_ids(org_id: int) -> set[int]:
    """The users affiliated with the organisation: an affiliation in the expert pool, a standing conflict declared
    with it, or a membership of it (three queries)."""
    in_pool = db.session.scalars(select(expert_affiliations.c.expert_id).where(expert_affiliations.c.org_id == org_id))
    return set(in_pool) | expert_conflicts.conflicted_users({org_id}) | affiliations.member_ids({org_id})


@dataclass
class Choices:
    """Whom an evaluation of one contract may be commissioned from, looked up once (a constant number of queries,
    whatever the number of experts and agencies) and read by the page, the service and its audit event alike."""

    org_id: int  # the contract's organisation
    paid: dict[int, list[FeePayment]]  # paid_conflicts.paid_under: who the organisation paid under the contract
    # declared_conflicts.declared_with: who declared a conflict with the organisation (its evaluations, proposals)
    declared: dict[int, list[declared_conflicts.Declared]]
    tied: set[int]  # users affiliated with the organisation
    pool: list[ExpertProfile]  # active pool evaluators not affiliated with it, paid or not
    active: list[EvaluationAgency]  # active agencies, affiliated or not
    staff: dict[int, list[User]]  # each active agency's evaluators

    @property
    def experts(self) -> list[ExpertProfile]:
        return [p for p in self.pool if p.user_id not in self.paid and p.user_id not in self.declared]

    def agency_staff(self, org_id: int) -> list[User]:
        """The agency's evaluators who may evaluate the project: not those who declared a conflict with the
        organisation before (their own recusal: the agency's other evaluators may still evaluate it)."""
        return [u for u in self.staff.get(org_id, []) if u.id not in self.declared]

    def _unaffiliated(self) -> list[EvaluationAgency]:
        return [a for a in self.active if a.org_id != self.org_id
                and not any(u.id in self.tied for u in self.staff[a.org_id])]

    @property
    def agencies(self) -> list[EvaluationAgency]:
        """Active agencies not affiliated with the organisation, none of whose evaluators it paid under the contract
        (as one affiliated evaluator excludes the agency, so does one paid)."""
        return [a for a in self._unaffiliated() if not any(u.id in self.paid for u in self.staff[a.org_id])]

    @property
    def overridable(self) -> list[ExpertProfile]:
        """The pool experts left out only because the organisation paid them under the contract: an officer may
        still choose one, with a reason (commission's paid_overrides). Not those who also declared a conflict with
        it: that cannot be overridden."""
        return [p for p in self.pool if p.user_id in self.paid and p.user_id not in self.declared]

    def left_out(self, chosen: set[int] = frozenset()) -> dict[str, list[int]]:
        """The candidates left out only because the organisation paid them (or an agency's evaluator) under the
        contract: pool experts by user id (not those chosen all the same, chosen) and agencies by organisation id,
        for the audit trail."""
        offered = {a.org_id for a in self.agencies}
        return {"experts": [p.user_id for p in self.pool if p.user_id in self.paid and p.user_id not in chosen],
                "agencies": [a.org_id for a in self._unaffiliated() if a.org_id not in offered]}

    def declared_left_out(self) -> list[int]:
        """The pool experts and agency evaluators who would be offered but for a conflict they declared with the
        organisation in an earlier evaluation or proposal review, for the audit trail."""
        offered = {p.user_id for p in self.pool if p.user_id not in self.paid}
        offered |= {u.id for a in self.agencies for u in self.staff[a.org_id]}
        return sorted(i for i in offered if i in self.declared)

    def withheld(self, assigned: set[int] = frozenset()) -> paid_conflicts.Withheld:
        return paid_conflicts.withheld(self.paid, self.active, self.staff, assigned)

    def conflicted(self, assigned: set[int] = frozenset()) -> dict[int, tuple[str, str]]:
        """Who is not offered for a conflict declared with the organisation before, and what they declared."""
        return declared_conflicts.conflicted(self.declared, assigned)


def choices(contract: Contract, paid: dict[int, list[FeePayment]] | None = None) -> Choices:
    """Choices for the contract's evaluation; paid, when the caller already looked it up (paid_under)."""
    paid = paid_conflicts.paid_under(contract.id) if paid is None else paid
    tied = affiliated_ids(contract.org_id)
    pool = db.session.scalars(select(ExpertProfile).join(User, User.id == ExpertProfile.user_id)
                              .where(ExpertProfile.active, User.active).order_by(ExpertProfile.user_id)
                              .options(lazyload(ExpertProfile.affiliations)))  # read by affiliated_ids
    active = list(db.session.scalars(select(EvaluationAgency).where(EvaluationAgency.active)
                                     .order_by(EvaluationAgency.org_id)))
    return Choices(contract.org_id, paid, declared_conflicts.declared_with(contract.org_id), tied,
                   [p for p in pool if p.user.has_role("evaluator") and p.user_id not in tied], active,
                   affiliations.evaluators_by_org(a.org_id for a in active))


def eligible_agencies(contract: Contract) -> list[EvaluationAgency]:
    return choices(contract).agencies


def eligible_experts(contract: Contract) -> list[ExpertProfile]:
    return choices(contract).experts
