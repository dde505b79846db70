"""Why a resident has no voucher balance, in plain words for them (their vouchers page and their code page said only
"You have no voucher balance right now", and an elderly resident was left guessing).

Only what the app knows about this resident and about the running programmes' published rules: no programme is
running; a programme's rule they do not meet (its age, its communities, its hardship tags: the rule of
programmes.eligibility_failures, the one issuance applies); they qualify but have not been issued vouchers yet; their
vouchers are used up, have expired or were withdrawn; a programme they held vouchers of has ended. Nothing about
anyone else. A resident not yet verified, or suspended, is told that on the page instead (no reasons here).
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from accounts.resident_models import HardshipTag, ResidentProfile, ResidentStatus
from core.db import db, utcnow
from core.i18n import joined
from core.timeutil import LOCAL_TZ

from .enums import ProgrammeStatus, TagsMode, VoucherStatus
from .models import Programme, Voucher
from .programmes import OTHER_COMMUNITY, TOO_YOUNG, WITHOUT_TAGS, active_programmes, eligibility_failures


def _held(resident: ResidentProfile, now: datetime) -> dict[int, tuple]:
    """{programme id: (spendable, (name, status, used up, expired, revoked))}: the resident's vouchers per programme,
    those that cannot be spent counted by why (one query). A voucher past its expiry that the nightly run has not
    closed yet is expired."""
    active = Voucher.status == VoucherStatus.ACTIVE.value
    spendable = and_(active, Voucher.balance_fen > 0, Voucher.expires_at > now)
    used_up = and_(active, Voucher.balance_fen == 0)
    expired = or_(Voucher.status == VoucherStatus.EXPIRED.value,
                  and_(active, Voucher.balance_fen > 0, Voucher.expires_at <= now))
    revoked = Voucher.status == VoucherStatus.REVOKED.value
    rows = db.session.execute(
        select(Programme.id, func.count(case((spendable, 1))), Programme.name, Programme.status,
               func.count(case((used_up, 1))),
               func.count(case((expired, 1))), func.count(case((revoked, 1))))
        .join(Voucher, Voucher.programme_id == Programme.id).where(Voucher.resident_id == resident.id)
        .group_by(Programme.id, Programme.name, Programme.status).order_by(Programme.id))
    return {row[0]: (row[1], tuple(row[2:])) for row in rows}


def _about_vouchers(name: str, status: str, used_up: int, expired: int, revoked: int) -> str:
    if status != ProgrammeStatus.ACTIVE:
        return _("“%(programme)s” has ended; its vouchers can no longer be used.", programme=name)
    if used_up and expired:
        return _("Your vouchers of “%(programme)s” have been used up or have expired.", programme=name)
    if used_up:
        return _("You have used up your vouchers of “%(programme)s”.", programme=name)
    if expired:
        return _("Your vouchers of “%(programme)s” have expired.", programme=name)
    return _("Your vouchers of “%(programme)s” were withdrawn. Your community office can tell you why.",
             programme=name)


def _about_rules(programme: Programme, failures: list[str]) -> list[str]:
    name = programme.name
    if not failures:
        return [_("You qualify for “%(programme)s”, but its vouchers have not been issued to you yet.",
                  programme=name)]
    said = []
    if OTHER_COMMUNITY in failures:
        said.append(_("“%(programme)s” is not offered in your community.", programme=name))
    if TOO_YOUNG in failures:
        said.append(_("“%(programme)s” is for residents aged %(n)d and over.", programme=name, n=programme.min_age))
    if WITHOUT_TAGS in failures:
        tags = joined(HardshipTag(t).label for t in sorted(programme.required_tags or []))
        if programme.tags_mode == TagsMode.ALL and len(programme.required_tags) > 1:
            said.append(_("“%(programme)s” is for residents to whom all of these apply: %(tags)s. If they apply to "
                          "you, your community office can record it.", programme=name, tags=tags))
        else:
            said.append(_("“%(programme)s” is for residents to whom one of these applies: %(tags)s. If one applies "
                          "to you, your community office can record it.", programme=name, tags=tags))
    return said


def reasons(resident: ResidentProfile, *, now: datetime | None = None) -> list[str]:
    """Why the resident has nothing to spend, one sentence each, translated (call it when their balance is empty)."""
    if resident.status != ResidentStatus.VERIFIED:
        return []
    now = now or utcnow()
    running = active_programmes()
    held = _held(resident, now)
    said = []
    for programme in running:
        if programme.id in held:
            spendable, line = held[programme.id]
            if not spendable:  # (else there is value left to spend: nothing to explain)
                said.append(_about_vouchers(*line))
        else:
            said.extend(_about_rules(programme, eligibility_failures(programme, resident,
                                                                     now.astimezone(LOCAL_TZ).date())))
    running_ids = {p.id for p in running}
    said.extend(_about_vouchers(*line) for pid, (_n, line) in held.items() if pid not in running_ids)  # (ended)
    if not running:
        said.insert(0, _("No voucher programme is running at the moment."))
    return said
