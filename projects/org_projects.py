"""An organisation's public projects for its public page (orgs.track_record; registered through the orgs hook,
since orgs never imports this package)."""

from sqlalchemy import select

from core.db import db
from orgs.track_record import ProjectRecord, register_public_projects

from .contract_models import Contract
from .permissions import is_public_project


def public_projects(org_id: int) -> list[ProjectRecord]:
    contracts = db.session.scalars(select(Contract).where(Contract.org_id == org_id)
                                   .order_by(Contract.starts_on.desc(), Contract.id.desc()))
    return [ProjectRecord(contract_id=c.id, title=c.title, status_label=c.status_label, starts_on=c.starts_on,
                          ends_on=c.ends_on) for c in contracts if is_public_project(c)]


register_public_projects(public_projects)
