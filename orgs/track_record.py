"""An organisation's projects on its public page: every contract it won whose project page is public (signed: in
force, completed or terminated), with the project's issued evaluations where there are any. The page listed only
evaluated projects, so a project won and under way did not appear at all."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.db import db

from .models import Organisation
from .standing import EvaluationRecord


@dataclass(frozen=True)
class ProjectRecord:
    contract_id: int
    title: str
    status_label: str
    starts_on: date
    ends_on: date
    evaluations: tuple[EvaluationRecord, ...]  # issued, newest first


def public_projects(org: Organisation, evaluations: tuple[EvaluationRecord, ...]) -> list[ProjectRecord]:
    """The organisation's public projects, newest first; evaluations: its issued evaluations (Standing's)."""
    # Read only, from above (DESIGN.md section 3: orgs does not import projects at load; projects imports orgs). A
    # project counts as public by projects' own rule, not a copy of it here.
    from projects.contract_models import Contract
    from projects.permissions import is_public_project

    contracts = db.session.scalars(select(Contract).where(Contract.org_id == org.id)
                                   .order_by(Contract.starts_on.desc(), Contract.id.desc()))
    return [ProjectRecord(contract_id=c.id, title=c.title, status_label=c.status_label, starts_on=c.starts_on,
                          ends_on=c.ends_on, evaluations=tuple(e for e in evaluations if e.contract_id == c.id))
            for c in contracts if is_public_project(c)]
