"""Read-only queries for the voucher pages (constant queries per page; nothing here changes state)."""

from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import and_, case, select
from sqlalchemy.orm import selectinload

from accounts.resident_models import HardshipTag, ResidentProfile
from audit.documents import IssuedDocument
from core.db import db
from core.paging import PER_PAGE, Page, page_arg, paged
from orgs.models import Organisation
from projects.models import Call

from . import permissions
from .catalogue import counted_ratings
from .enums import BatchStatus, ProviderMode, TagsMode, VoucherStatus
from .models import IssuanceBatch, Programme, Voucher, VoucherService
from .redemption_models import Dispute, Rating, Redemption, Settlement


@dataclass(frozen=True)
class PageNumbers:
    """The page numbers of a page's paged lists, each under its own name in the address (?runs_page=2). Each pager's
    links carry `kept`, the others' numbers past the first, so that paging one list keeps the others where they
    were: pager(runs, 'vouchers.programme', 'runs_page', programme_id=..., **numbers.kept)."""

    numbers: dict[str, int]

    def __getitem__(self, name: str) -> int:
        return self.numbers[name]

    @property
    def kept(self) -> dict[str, int]:
        return {name: number for name, number in self.numbers.items() if number > 1}


def page_numbers(*names: str, older: dict[str, str] | None = None) -> PageNumbers:
    """The numbers asked for (core.paging.page_arg: anything malformed is the first page). `older` maps a name to
    the one an older link used for it (redemptions_page: page), read when the name itself is absent. None of the
    names may be "page": a pager's extra arguments cannot carry it (it is the macro's own first argument)."""
    older = older or {}
    return PageNumbers({name: page_arg(name if name in request.args or name not in older else older[name])
                        for name in names})


# The programme page's and the provider page's paged lists. Their forms post to an address carrying the numbers
# past the first (kept), so that a refused form shown again (422) shows the same pages, and a form that goes back
# to the page goes back to them (never to the first page of every list after each decision).
PROGRAMME_LISTS = ("runs_page", "disputes_page", "statements_page")
PROVIDER_LISTS = ("redemptions_page", "statements_page")


def programme_numbers() -> PageNumbers:
    return page_numbers(*PROGRAMME_LISTS)


def provider_numbers() -> PageNumbers:
    """An older link's ?page= is the redemptions' number."""
    return page_numbers(*PROVIDER_LISTS, older={"redemptions_page": "page"})


def back_to_programme(programme_id: int, anchor: str | None = None) -> str:
    """The programme page at the pages its form was posted from (read from the form's address as the page reads
    them: a malformed number is the first page), at the list the form was in (anchor). Built here, never taken from
    what was posted: no way elsewhere."""
    return url_for("vouchers.programme", programme_id=programme_id, _anchor=anchor, **programme_numbers().kept)


def back_to_statement(settlement_id: int) -> str:
    """A statement's page opened from the programme page keeps that page's list numbers in its address (its link
    back, and its forms, carry them): after approving it or recording its payment, its page again at those numbers
    (built as back_to_programme)."""
    return url_for("vouchers.settlement_page", settlement_id=settlement_id, **programme_numbers().kept)


def back_to_provider(org_id: int, anchor: str | None = None) -> str:
    """The provider page at the pages its form was posted from (as back_to_programme), at anchor when given."""
    return url_for("vouchers.provider", org_id=org_id, _anchor=anchor, **provider_numbers().kept)


def provider_orgs(user) -> list[Organisation]:
    """The approved organisations the user is an active member of (their provider pages)."""
    ids = permissions.member_org_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)))


# --- residents -------------------------------------------------------------------------------------

def residents(community_id: int | None, status: str | None, page: int, served: set[int] | None = None,
              name: str = "") -> Page:
    """Residents, newest first; only of the served communities when given (staff see those they look after); name:
    part of the real name."""
    stmt = select(ResidentProfile).order_by(ResidentProfile.id.desc())
    if name:
        stmt = stmt.where(ResidentProfile.real_name.contains(name, autoescape=True))
    if served is not None:
        stmt = stmt.where(ResidentProfile.community_id.in_(sorted(served)))
    if community_id:
        stmt = stmt.where(ResidentProfile.community_id == community_id)
    if status:
        stmt = stmt.where(ResidentProfile.status == status)
    return paged(stmt, page)


def resident_vouchers(resident: ResidentProfile, limit: int = 60) -> list[Voucher]:
    """Vouchers that can still be spent first (earliest expiring first), then the used-up, expired and revoked
    ones, most recent first."""
    spendable = and_(Voucher.status == VoucherStatus.ACTIVE.value, Voucher.balance_fen > 0)
    return list(db.session.scalars(
        select(Voucher).where(Voucher.resident_id == resident.id).options(selectinload(Voucher.programme))
        .order_by(spendable.desc(), case((spendable, Voucher.expires_at)).asc(), Voucher.expires_at.desc(),
                  Voucher.id.desc()).limit(limit)))


def spendable_vouchers(resident: ResidentProfile, programme_id: int, now) -> list[Voucher]:
    """The resident's vouchers of one programme that can be spent now, earliest expiring first (a printed sheet)."""
    return list(db.session.scalars(
        select(Voucher).where(Voucher.resident_id == resident.id, Voucher.programme_id == programme_id,
                              Voucher.status == VoucherStatus.ACTIVE.value, Voucher.balance_fen > 0,
                              Voucher.expires_at > now)
        .options(selectinload(Voucher.programme)).order_by(Voucher.expires_at, Voucher.id)))


def resident_redemptions(resident: ResidentProfile, page: int) -> tuple[Page, dict, dict]:
    """A page of the resident's redemptions, with their ratings and disputes by redemption id."""
    result = paged(select(Redemption).where(Redemption.resident_id == resident.id)
                   .options(selectinload(Redemption.service), selectinload(Redemption.provider))
                   .order_by(Redemption.created_at.desc(), Redemption.id.desc()), page)
    return (result, *ratings_and_disputes([r.id for r in result.items]))


def ratings_and_disputes(ids: list[int]) -> tuple[dict, dict]:
    """The ratings and disputes of these redemptions, each by its redemption's id."""
    if not ids:
        return {}, {}
    ratings = {r.redemption_id: r for r in db.session.scalars(select(Rating).where(Rating.redemption_id.in_(ids)))}
    disputes = {d.redemption_id: d for d in db.session.scalars(select(Dispute).where(Dispute.redemption_id.in_(ids)))}
    return ratings, disputes


def redemption_of_resident(redemption_id: int, resident: ResidentProfile) -> Redemption | None:
    return db.session.scalar(select(Redemption).where(Redemption.id == redemption_id,
                                                      Redemption.resident_id == resident.id))


# --- providers -------------------------------------------------------------------------------------

def provider_redemptions(org: Organisation, page: int) -> tuple[Page, dict, dict]:
    result = paged(select(Redemption).where(Redemption.provider_org_id == org.id)
                   .options(selectinload(Redemption.service), selectinload(Redemption.resident))
                   .order_by(Redemption.created_at.desc(), Redemption.id.desc()), page)
    return (result, *ratings_and_disputes([r.id for r in result.items]))


def statement_lines(settlement: Settlement) -> list[Redemption]:
    """The redemptions on a statement with their services and residents (three queries)."""
    return list(db.session.scalars(select(Redemption).where(Redemption.settlement_id == settlement.id)
                                   .options(selectinload(Redemption.service), selectinload(Redemption.resident))
                                   .order_by(Redemption.created_at, Redemption.id)))


def provider_settlements(org: Organisation, page: int = 1) -> Page:
    """The provider's statements, newest month first, a page at a time (it showed the latest 24 and no way to the
    older ones: a provider in three programmes lost sight of its statements after eight months)."""
    return paged(select(Settlement).where(Settlement.provider_org_id == org.id)
                 .options(selectinload(Settlement.programme))
                 .order_by(Settlement.period.desc(), Settlement.seq.desc(), Settlement.id.desc()), page)


# --- residents choosing a provider (the catalogue's provider page) ----------------------------------

RECENT_COMMENTS = 5


def provider_services(programme: Programme, org: Organisation) -> list[VoucherService]:
    """The provider's services a voucher of the programme pays for (active, in its categories), as the catalogue
    lists them: by category, then as added (their communities loaded with them)."""
    return list(db.session.scalars(
        select(VoucherService).where(VoucherService.org_id == org.id, VoucherService.active,
                                     VoucherService.category_id.in_(sorted(programme.category_ids)))
        .options(selectinload(VoucherService.communities)).order_by(VoucherService.category_id, VoucherService.id)))


def recent_comments(org: Organisation, limit: int = RECENT_COMMENTS) -> list:
    """The latest ratings of the provider that say something (a comment), newest first, each with its service's
    name: rows of (Rating, service name). Nothing of who wrote them. Only the ratings that count for the provider
    (catalogue.counted_ratings: a reversed redemption's is left out)."""
    return list(db.session.execute(
        counted_ratings(Rating, VoucherService.name).join(VoucherService, VoucherService.id == Rating.service_id)
        .where(Rating.provider_org_id == org.id, Rating.comment != "")
        .order_by(Rating.created_at.desc(), Rating.id.desc()).limit(limit)))


# --- officers --------------------------------------------------------------------------------------

def programmes(page: int) -> Page:
    return paged(select(Programme).order_by(Programme.id.desc()), page)


@dataclass(frozen=True)
class ProgrammeRules:
    """What the programme page states of the rules beyond the programme's own columns: its labels, and the call
    whose contracted organisations may provide (a contracted programme's; None for an open one)."""

    tags: list[str]
    tags_mode: str
    provider_mode: str
    call: Call | None


def programme_rules(programme: Programme) -> ProgrammeRules:
    """At most one query (a contracted programme's call)."""
    return ProgrammeRules(
        tags=[str(HardshipTag(t).label) for t in programme.required_tags or []],
        tags_mode=str(TagsMode(programme.tags_mode).label),
        provider_mode=str(ProviderMode(programme.provider_mode).label),
        call=db.session.get(Call, programme.contract_call_id) if programme.contract_call_id else None)


def batches(programme: Programme, page: int = 1, per_page: int = 10) -> Page:
    """The programme's issuance runs, newest first, a page at a time."""
    return paged(select(IssuanceBatch).where(IssuanceBatch.programme_id == programme.id)
                 .order_by(IssuanceBatch.id.desc()), page, per_page)


def programme_settlements(programme: Programme, page: int = 1) -> Page:
    """The programme's statements (one per provider each month), newest month first, a page at a time."""
    return paged(select(Settlement).where(Settlement.programme_id == programme.id)
                 .order_by(Settlement.period.desc(), Settlement.provider_org_id, Settlement.seq), page)


def running_batch(programme: Programme) -> IssuanceBatch | None:
    return db.session.scalar(select(IssuanceBatch).where(IssuanceBatch.programme_id == programme.id,
                                                         IssuanceBatch.status == BatchStatus.RUNNING.value))


def disputes_of(programme: Programme, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """Open disputes first, then the most recent decisions, a page at a time."""
    from .enums import DisputeStatus

    is_open = Dispute.status == DisputeStatus.OPEN.value
    return paged(
        select(Dispute).join(Redemption, Redemption.id == Dispute.redemption_id)
        .where(Redemption.programme_id == programme.id)
        .options(selectinload(Dispute.redemption).selectinload(Redemption.provider),
                 selectinload(Dispute.redemption).selectinload(Redemption.service),
                 selectinload(Dispute.redemption).selectinload(Redemption.resident))
        .order_by(is_open.desc(), Dispute.created_at.desc(), Dispute.id.desc()), page, per_page)


def orgs_by_id(ids) -> dict[int, Organisation]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}


def residents_by_id(ids) -> dict[int, ResidentProfile]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(ResidentProfile).where(ResidentProfile.id.in_(ids)))}


def latest_document(target, doc_type: str) -> IssuedDocument | None:
    """The most recent official PDF of this type issued for the object."""
    return db.session.scalar(select(IssuedDocument).where(
        IssuedDocument.target_type == target.__tablename__, IssuedDocument.target_id == str(target.id),
        IssuedDocument.doc_type == doc_type).order_by(IssuedDocument.id.desc()))
