"""The expert pool and the panels drawn from it: who may sit on a call's panel, the reproducible draw (recorded with
its seed and candidates, so that anyone can re-run it) and the further draw that replaces a member. Declaring,
scoring and the results are evaluation.services."""

import random
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.permissions import has_role
from core.signals import review_started
from core.views import path_for
from orgs.models import Organisation
from projects.enums import CallStatus, ProposalStatus, PurchasingMode
from projects.models import Call, Proposal

from . import affiliations, expert_conflicts, templates
from .enums import MemberStatus, SeatType
from .models import ExpertProfile, Panel, PanelMember
from .services import check_reason, require_review_open

MAX_EXPERTISE = 300  # the width of ExpertProfile.expertise


# --- expert pool -------------------------------------------------------------------------------

def save_expert(user: User, seat_type: str, expertise: str, org_ids: list[int], active: bool, *,
                actor) -> ExpertProfile:
    if not user.has_role("evaluator"):
        raise ServiceError(_("Only users with the evaluator role can join the expert pool."))
    if seat_type not in {s.value for s in SeatType}:
        raise invalid({"seat_type": _("Choose a seat type.")})
    if len((expertise or "").strip()) > MAX_EXPERTISE:  # refused, never cut
        raise invalid({"expertise": _("At most %(n)d characters.", n=MAX_EXPERTISE)})
    orgs = list(db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))) if org_ids else []
    profile = db.session.get(ExpertProfile, user.id) or ExpertProfile(user_id=user.id)
    profile.seat_type, profile.expertise, profile.active = seat_type, (expertise or "").strip(), active
    profile.affiliations = orgs
    db.session.add(profile)
    db.session.flush()
    audit.record("expert.saved", ("expert_profiles", user.id), actor=actor,
                 data={"seat_type": seat_type, "active": active, "affiliations": sorted(o.id for o in orgs)})
    return profile


# --- panel draw --------------------------------------------------------------------------------

def _applicant_org_ids(call: Call) -> set[int]:
    return set(db.session.scalars(select(Proposal.org_id).where(Proposal.call_id == call.id,
                                                                Proposal.status != ProposalStatus.DRAFT)))


def _recent_panel_counts(now) -> dict[int, int]:
    since = now - timedelta(days=365)
    rows = db.session.execute(select(PanelMember.user_id, func.count(PanelMember.id))
                              .join(Panel, Panel.id == PanelMember.panel_id)
                              .where(Panel.drawn_at >= since, PanelMember.status == MemberStatus.ACTIVE)
                              .group_by(PanelMember.user_id))
    return dict(rows.all())


def candidates_for(call: Call, max_panels_per_year: int, exclude: set[int] = frozenset()) -> list[dict]:
    """Everyone who may sit: active evaluators not affiliated with an applicant (in the pool, or as its member),
    without a standing conflict with one, and not over their yearly limit."""
    applicants = _applicant_org_ids(call)
    counts = _recent_panel_counts(utcnow())
    exclude = set(exclude) | expert_conflicts.conflicted_users(applicants) \
        | affiliations.member_ids(applicants)  # applicants' staff review neither their own bid nor a rival's
    pool = db.session.scalars(select(ExpertProfile).join(User, User.id == ExpertProfile.user_id)
                              .where(ExpertProfile.active, User.active).order_by(ExpertProfile.user_id))
    return [{"user_id": p.user_id, "seat_type": p.seat_type} for p in pool
            if p.user_id not in exclude and not ({o.id for o in p.affiliations} & applicants)
            and counts.get(p.user_id, 0) < max_panels_per_year and p.user.has_role("evaluator")]


def available_seats(call: Call, max_panels_per_year: int) -> dict[str, int]:
    """How many experts each seat type could be drawn from now (the draw page shows it beside each seat)."""
    counts = dict.fromkeys((s.value for s in SeatType), 0)
    for candidate in candidates_for(call, max_panels_per_year):
        counts[candidate["seat_type"]] = counts.get(candidate["seat_type"], 0) + 1
    return counts


def _shortages(candidates: list[dict], seats: dict[str, int]) -> dict[str, str]:
    """Each seat type the pool cannot fill, with its numbers (all of them at once, not the first only)."""
    have = {seat_type: sum(c["seat_type"] == seat_type for c in candidates) for seat_type in seats}
    return {seat_type: _("%(have)d available, %(need)d needed.", have=have[seat_type], need=need)
            for seat_type, need in sorted(seats.items()) if have[seat_type] < need}


def _pick(candidates: list[dict], seats: dict[str, int], rng: random.Random) -> list[dict]:
    chosen = []
    for seat_type in sorted(seats):
        pool = [c for c in candidates if c["seat_type"] == seat_type]
        if len(pool) < seats[seat_type]:
            raise Conflict(_("Not enough eligible experts for the seat “%(seat)s”: %(have)d available, %(need)d "
                             "needed.", seat=SeatType(seat_type).label, have=len(pool), need=seats[seat_type]))
        chosen += rng.sample(pool, seats[seat_type])
    return chosen


def draw_panel(call: Call, seats: dict[str, int], *, actor, max_panels_per_year: int = 6, outlier_points: int = 15,
               seed: str | None = None) -> Panel:
    """The template, blind mode and aggregation are the call's, stated when it was published. The seed is the
    server's own (the parameter is for reproducing a draw in tests and benchmarks)."""
    if not has_role(actor, "officer"):
        raise Forbidden(_("You do not have permission to do this."))
    if call.status not in (CallStatus.CLOSED, CallStatus.UNDER_REVIEW):
        raise Conflict(_("The panel is drawn once the call has closed."))
    if db.session.scalar(select(Panel.id).where(Panel.call_id == call.id)):
        raise Conflict(_("This call already has a panel. Replace members instead."))
    seats = {k: int(v) for k, v in seats.items() if int(v) > 0}
    size = sum(seats.values())
    errors = {}
    if any(k not in {s.value for s in SeatType} for k in seats):
        errors["seats"] = _("Unknown seat type.")
    elif size % 2 == 0:
        errors["seats"] = _("A panel must have an odd number of members.")
    elif call.mode == PurchasingMode.PUBLIC_TENDER and size < 5:
        errors["seats"] = _("A public tender needs at least 5 panel members.")
    if errors:
        raise invalid(errors)
    template = templates.call_template(call, actor=actor)
    if template.total_points != templates.TOTAL:
        raise ServiceError(_("The template's maxima must add up to 100."))
    seed = seed or secrets.token_hex(16)
    candidates = candidates_for(call, max_panels_per_year)
    if short := _shortages(candidates, seats):  # each seat's own numbers, beside it on the draw page
        messages = [_("Not enough eligible experts for the seat “%(seat)s”: %(have)d available, %(need)d needed.",
                      seat=SeatType(seat_type).label, need=seats[seat_type],
                      have=sum(c["seat_type"] == seat_type for c in candidates)) for seat_type in short]
        raise Conflict(" ".join(messages), fields=short)
    chosen = _pick(candidates, seats, random.Random(seed))
    panel = Panel(call_id=call.id, template=template, size=size, seats=seats,
                  seed=seed, candidates=candidates, blind=call.blind, aggregation=call.aggregation,
                  max_panels_per_year=max_panels_per_year, outlier_points=outlier_points, drawn_by_id=actor.id)
    panel.members = [PanelMember(user_id=c["user_id"], seat_type=c["seat_type"], draw_order=i)
                     for i, c in enumerate(chosen, start=1)]
    db.session.add(panel)
    db.session.flush()
    audit.record("panel.drawn", ("calls", call.id), actor=actor,
                 data={"panel_id": panel.id, "seed": seed, "seats": seats, "candidates": candidates,
                       "members": [c["user_id"] for c in chosen]})
    for member in panel.members:
        notify(member.user_id, "panel.assigned", link=path_for("evaluation.assignments"), call=call.title)
    return panel


def redraw(panel: Panel) -> list[int]:
    """Re-run the recorded draw: anyone can check the members came from the seed and the candidate list."""
    return [c["user_id"] for c in _pick(panel.candidates, panel.seats, random.Random(panel.seed))]


def replace_member(member: PanelMember, status: str, reason: str, *, actor) -> PanelMember:
    """A recused or absent member is replaced by a further draw from the same seat type."""
    if not has_role(actor, "officer"):
        raise Forbidden(_("You do not have permission to do this."))
    new_status = MemberStatus(status)
    reason = (reason or "").strip()
    if new_status is MemberStatus.ACTIVE or member.status != MemberStatus.ACTIVE:
        raise Conflict(_("Only a sitting member can be replaced."))
    if not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    check_reason(reason)
    panel = member.panel
    require_review_open(panel)  # after the decision a replacement would silently change the ranking shown
    call = db.session.get(Call, panel.call_id)
    taken = {m.user_id for m in panel.members}
    pool = candidates_for(call, panel.max_panels_per_year, exclude=taken)
    rng = random.Random(f"{panel.seed}:{len(panel.members)}")
    replacement = _pick(pool, {member.seat_type: 1}, rng)[0]
    member.status, member.status_reason = new_status.value, reason
    new_member = PanelMember(panel=panel, user_id=replacement["user_id"], seat_type=member.seat_type,
                             draw_order=len(panel.members) + 1)
    db.session.add(new_member)
    db.session.flush()
    audit.record("panel.member_replaced", ("calls", call.id), actor=actor,
                 data={"panel_id": panel.id, "out": member.user_id, "status": new_status.value, "reason": reason,
                       "in": new_member.user_id, "candidates": pool})
    notify(new_member.user_id, "panel.assigned", link=path_for("evaluation.assignments"), call=call.title)
    return new_member


@review_started.connect
def tell_the_panel(_sender, *, call: Call, again: bool = False) -> None:
    """The call's review has started (or started again after its publicity): its sitting experts may score now (they
    could not before: evaluation.score_sheets refuses a sheet until then), and are told so."""
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    for member in panel.members if panel is not None else []:
        if member.status == MemberStatus.ACTIVE:
            notify(member.user_id, "panel.review_restarted" if again else "panel.review_started",
                   link=path_for("evaluation.assignments"), call=call.title)
