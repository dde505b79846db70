"""An organisation's projects on its public page: every contract it won whose project page is public (signed: in
force, completed or terminated), with the project's issued evaluations where there are any. The page listed only
evaluated projects, so a project won and under way did not appear at all."""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .models import Organisation
from .standing import EvaluationRecord


@dataclass(frozen=True)
class ProjectRecord:
    contract_id: int
    title: str
    status_label: str
    starts_on: date
    ends_on: date
    evaluations: tuple[EvaluationRecord, ...] = ()  # issued, newest first


# orgs never imports projects (DESIGN.md section 3): the projects package registers a function (org id) -> the
# organisation's public projects, newest first (projects.org_projects), by projects' own rule of what is public.
_public_projects: Callable[[int], list[ProjectRecord]] | None = None


def register_public_projects(fn: Callable[[int], list[ProjectRecord]]) -> None:
    global _public_projects
    _public_projects = fn


def public_projects(org: Organisation, evaluations: tuple[EvaluationRecord, ...]) -> list[ProjectRecord]:
    """The organisation's public projects, newest first; evaluations: its issued evaluations (Standing's)."""
    records = _public_projects(org.id) if _public_projects else []
    return [dataclasses.replace(r, evaluations=tuple(e for e in evaluations if e.contract_id == r.contract_id))
            for r in records]
