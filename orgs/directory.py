"""The public directory: search by Chinese name or pinyin initials, filter, paginate — constant queries per page."""

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select

from core.db import db
from core.timeutil import local_today

from .enums import PUBLIC_STATUSES
from .models import GradeRecord, Organisation, org_categories, org_communities
from .validation import name_initials


@dataclass(frozen=True)
class DirectoryFilter:
    q: str = ""
    kind: str = ""
    category_id: int | None = None
    grade: int | None = None
    community_id: int | None = None
    include_all_statuses: bool = False  # officers' export may include applications


def _current_grade_clause(today):
    return and_(GradeRecord.org_id == Organisation.id, GradeRecord.awarded_on <= today,
                GradeRecord.valid_until >= today)


def directory_query(flt: DirectoryFilter):
    stmt = select(Organisation)
    if not flt.include_all_statuses:
        stmt = stmt.where(Organisation.status.in_([s.value for s in PUBLIC_STATUSES]))
    q = flt.q.strip()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions = [Organisation.name.like(f"%{escaped}%", escape="\\")]
        if q.isascii() and q.replace(" ", "").isalnum():
            initials = name_initials(q)
            conditions.append(Organisation.name_initials.like(f"%{initials}%"))
            conditions.append(Organisation.uscc == q.upper())
            conditions.append(Organisation.filing_number == q.upper())
        stmt = stmt.where(or_(*conditions))
    if flt.kind:
        stmt = stmt.where(Organisation.kind == flt.kind)
    if flt.category_id:
        stmt = stmt.where(exists().where(org_categories.c.org_id == Organisation.id,
                                         org_categories.c.category_id == flt.category_id))
    if flt.community_id:
        stmt = stmt.where(exists().where(org_communities.c.org_id == Organisation.id,
                                         org_communities.c.community_id == flt.community_id))
    if flt.grade:
        today = local_today()
        stmt = stmt.where(exists().where(_current_grade_clause(today), GradeRecord.grade == flt.grade))
    return stmt


def search(flt: DirectoryFilter, page: int = 1, per_page: int = 20):
    """(organisations on the page, total, {org_id: current grade})."""
    stmt = directory_query(flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.order_by(Organisation.name_initials, Organisation.id)
                                    .offset((page - 1) * per_page).limit(per_page)))
    return items, total, current_grades([o.id for o in items])


def current_grades(org_ids: list[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    today = local_today()
    rows = db.session.execute(select(GradeRecord.org_id, func.max(GradeRecord.grade)).where(
        GradeRecord.org_id.in_(org_ids), GradeRecord.awarded_on <= today, GradeRecord.valid_until >= today)
        .group_by(GradeRecord.org_id))
    return dict(rows.all())
