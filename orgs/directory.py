"""The public directory: search by Chinese name or pinyin initials, filter, paginate — constant queries per page."""

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from core.db import db
from core.paging import count_of
from core.timeutil import local_today

from .enums import PUBLIC_STATUSES, OrgStatus
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


PUBLIC = sorted(s.value for s in PUBLIC_STATUSES)
HIDDEN = sorted(s.value for s in OrgStatus if s not in PUBLIC_STATUSES)


def directory_query(flt: DirectoryFilter, *, for_page: bool = False):
    """for_page: the same rows, written so SQLite walks ix_organisations_directory in display order (status is
    NOT NULL and CHECKed, so NOT IN hidden == IN public); counts keep IN, which the status index answers."""
    stmt = select(Organisation)
    if not flt.include_all_statuses:
        stmt = stmt.where(Organisation.status.not_in(HIDDEN) if for_page else Organisation.status.in_(PUBLIC))
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
        stmt = stmt.where(Organisation.id.in_(select(org_categories.c.org_id)
                                              .where(org_categories.c.category_id == flt.category_id)))
    if flt.community_id:
        stmt = stmt.where(Organisation.id.in_(select(org_communities.c.org_id)
                                              .where(org_communities.c.community_id == flt.community_id)))
    if flt.grade:
        today = local_today()
        newer = aliased(GradeRecord)
        # The organisation's current grade is its newest valid one (a re-grading may lower it), as in standing().
        superseded = select(newer.id).where(
            newer.org_id == GradeRecord.org_id, newer.awarded_on <= today, newer.valid_until >= today,
            or_(newer.awarded_on > GradeRecord.awarded_on,
                and_(newer.awarded_on == GradeRecord.awarded_on, newer.id > GradeRecord.id))).exists()
        stmt = stmt.where(Organisation.id.in_(select(GradeRecord.org_id).where(
            GradeRecord.grade == flt.grade, GradeRecord.awarded_on <= today, GradeRecord.valid_until >= today,
            ~superseded)))
    return stmt


def search(flt: DirectoryFilter, page: int = 1, per_page: int = 20):
    """(organisations on the page, total, {org_id: current grade})."""
    total = count_of(directory_query(flt))
    order = (Organisation.name_initials, Organisation.id)
    page_ids = (directory_query(flt, for_page=True).with_only_columns(Organisation.id).order_by(*order)
                .offset((page - 1) * per_page).limit(per_page))
    items = list(db.session.scalars(select(Organisation).where(Organisation.id.in_(page_ids)).order_by(*order)))
    return items, total, current_grades([o.id for o in items])


def current_grades(org_ids: list[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    today = local_today()
    rows = db.session.execute(select(GradeRecord.org_id, GradeRecord.grade).where(
        GradeRecord.org_id.in_(org_ids), GradeRecord.awarded_on <= today, GradeRecord.valid_until >= today)
        .order_by(GradeRecord.awarded_on, GradeRecord.id))
    return dict(rows.all())  # the newest valid grade wins, as in standing(): a re-grading may lower it
