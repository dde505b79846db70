"""The review engine: conflict declarations, access to proposals, results (the score sheets are
evaluation.score_sheets; the expert pool and the panel draws are evaluation.panels)."""

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from orgs.models import Organisation
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call, Proposal, ProposalVersion

from . import aggregate, expert_conflicts
from .enums import MemberStatus, SheetStatus
from .models import ConflictDeclaration, Panel, PanelMember, Score, ScoreSheet

MAX_REASON = 1000  # reopening a sheet, replacing a panel member; refused, never cut


def check_reason(reason: str) -> None:
    if len(reason) > MAX_REASON:
        message = _("A reason has at most %(n)d characters.", n=MAX_REASON)
        raise ServiceError(message, fields={"reason": message})


# --- conflicts and access ----------------------------------------------------------------------

def member_of(user, call_id: int) -> PanelMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(PanelMember).join(Panel).where(
        Panel.call_id == call_id, PanelMember.user_id == user.id, PanelMember.status == MemberStatus.ACTIVE))


def reviewable(call_id: int) -> list[Proposal]:
    # The frozen versions come without their content (the whole proposal text): lists and rankings need only the
    # requested amount and dates; a page that shows the text loads it when read.
    return list(db.session.scalars(select(Proposal).where(Proposal.call_id == call_id,
                                                          Proposal.status == ProposalStatus.ELIGIBLE)
                                   .options(selectinload(Proposal.versions).defer(ProposalVersion.content),
                                            joinedload(Proposal.org))
                                   .order_by(Proposal.id)))


def applicants(call_id: int) -> list[tuple[int, str]]:
    """Who applied, in name order and not linked to proposals: in blind review members can still declare."""
    rows = db.session.execute(select(Organisation.id, Organisation.name)
                              .join(Proposal, Proposal.org_id == Organisation.id)
                              .where(Proposal.call_id == call_id, Proposal.status == ProposalStatus.ELIGIBLE)
                              .order_by(Organisation.name))
    return [tuple(r) for r in rows]


def declare_applicant_conflict(member: PanelMember, org_id: int, note: str, *, actor) -> None:
    """Blind review: a conflict declared with an applicant chosen by name; the server finds its proposal."""
    proposal = db.session.scalar(select(Proposal).where(Proposal.call_id == member.panel.call_id,
                                                        Proposal.org_id == org_id,
                                                        Proposal.status == ProposalStatus.ELIGIBLE))
    if proposal is None:
        raise invalid({"org_id": _("Choose an applicant from the list.")})
    declare(member, proposal, True, note, actor=actor)


def declarations(member: PanelMember) -> dict[int, ConflictDeclaration]:
    rows = db.session.scalars(select(ConflictDeclaration).where(ConflictDeclaration.member_id == member.id))
    return {d.proposal_id: d for d in rows}


def declare(member: PanelMember, proposal: Proposal, has_conflict: bool, note: str, *, actor) -> None:
    """Once per proposal, except that a conflict found later replaces a declaration of none while the review is
    open (the member's sheet for it then no longer counts). Declaring a conflict already declared changes nothing
    and answers as the first time did: in blind review a different answer would tell whose proposal it is."""
    if member.user_id != actor.id or member.status != MemberStatus.ACTIVE:
        raise Forbidden(_("You do not have permission to do this."))
    if proposal.call_id != member.panel.call_id or proposal.status != ProposalStatus.ELIGIBLE:
        raise Conflict(_("This proposal is not under review by your panel."))
    note = expert_conflicts.relationship_note(note)
    if has_conflict and not note:
        raise invalid({"relationship": _("Describe the relationship.")})
    require_review_open(member.panel)  # (once scores are in, a first declaration would change nothing honestly)
    existing = declarations(member).get(proposal.id)
    if existing is not None and not has_conflict:
        raise Conflict(_("You have already declared for this proposal."))
    if existing is not None and existing.has_conflict:
        return
    if existing is not None:
        existing.has_conflict, existing.relationship_note, existing.declared_at = True, note, utcnow()
    else:
        db.session.add(ConflictDeclaration(member_id=member.id, proposal_id=proposal.id, has_conflict=has_conflict,
                                           relationship_note=note))
    db.session.flush()
    audit.record("panel.conflict_declared" if has_conflict else "panel.no_conflict_declared",
                 ("proposals", proposal.id), actor=actor,
                 data={"member_id": member.id, **({"replaces": "no_conflict"} if existing is not None else {})})


# A submitted sheet counts unless its member has declared a conflict with its proposal (found after scoring).
COUNTED = ~(select(ConflictDeclaration.id).where(ConflictDeclaration.member_id == ScoreSheet.member_id,
                                                  ConflictDeclaration.proposal_id == ScoreSheet.proposal_id,
                                                  ConflictDeclaration.has_conflict).exists())


def can_see_proposal(member: PanelMember | None, proposal: Proposal) -> bool:
    """Only after declaring no conflict on this very proposal."""
    if member is None or member.status != MemberStatus.ACTIVE:
        return False
    declaration = declarations(member).get(proposal.id)
    return declaration is not None and not declaration.has_conflict


def require_review_open(panel: Panel) -> None:
    """The panel changes (members replaced, conflicts declared) from the call's close until the decision."""
    if db.session.get(Call, panel.call_id).status not in (CallStatus.CLOSED, CallStatus.UNDER_REVIEW):
        raise Conflict(_("The review of this call is over; scores can no longer change."))


def scoring_open(call: Call) -> bool:
    """Whether the panel's experts may score (save, submit, have a sheet reopened): only under review."""
    return call.status == CallStatus.UNDER_REVIEW


def require_scoring_open(panel: Panel) -> None:
    """Score sheets are saved, submitted and reopened only under review, once the officer has started it: while the
    call is merely closed (已截止) screening goes on (a proposal scored could still be found ineligible, the call fail
    for want of eligible ones), and sheets submitted then were binding scores before the review had begun (the
    results page then told the officer to start it). Refused with code `review_not_started`; never after the
    decision."""
    if db.session.get(Call, panel.call_id).status == CallStatus.CLOSED:
        raise Conflict(_("The review of this call has not started yet: scores can be entered once the officer has "
                         "started it."), code="review_not_started")
    require_review_open(panel)


# --- results -----------------------------------------------------------------------------------

def results(panel: Panel, proposals: list[Proposal] | None = None) -> list[aggregate.ProposalResult]:
    """Ranked results from the submitted sheets of sitting members (proposals: reviewable(), when already loaded).
    The database adds the half points up (per member's sheet, and per criterion): a full review is thousands of
    scores, and Python needs only the sums."""
    proposals = reviewable(panel.call_id) if proposals is None else proposals
    member_half, criterion_half = counted_sums([p.id for p in proposals], [m.id for m in panel.sitting])
    order = {p.id: i for i, p in enumerate(sorted(proposals, key=lambda p: p.submitted_at or utcnow()))}
    computed = [aggregate.result_from_sums(p.id, member_half[p.id], criterion_half[p.id], panel.aggregation,
                                           panel.outlier_points, p.versions[-1].requested_fen if p.versions else 0,
                                           order[p.id])
                for p in proposals if p.id in member_half]
    return aggregate.rank(computed)


def counted_sums(proposal_ids: list[int], sitting: list[int]) -> tuple[dict[int, dict[int, int]],
                                                                          dict[int, dict[int, int]]]:
    """The half points the counted sheets (submitted, by sitting members, no conflict declared since) give each
    proposal: proposal id -> {member id: half points}, and proposal id -> {criterion id: half points}. Two queries
    whatever the number of proposals, of one call or of several (a member sits on one call's panel)."""
    counted = (select(ScoreSheet.proposal_id).join(Score, Score.sheet_id == ScoreSheet.id)
               .where(ScoreSheet.proposal_id.in_(proposal_ids),
                      ScoreSheet.status == SheetStatus.SUBMITTED, ScoreSheet.member_id.in_(sitting), COUNTED))
    member_half: dict[int, dict[int, int]] = {}
    for proposal_id, member_id, half in db.session.execute(
            counted.add_columns(ScoreSheet.member_id, func.sum(Score.half_points))
            .group_by(ScoreSheet.proposal_id, ScoreSheet.member_id)):
        member_half.setdefault(proposal_id, {})[member_id] = int(half)
    criterion_half: dict[int, dict[int, int]] = {}
    for proposal_id, indicator_id, half in db.session.execute(
            counted.add_columns(Score.indicator_id, func.sum(Score.half_points))
            .group_by(ScoreSheet.proposal_id, Score.indicator_id)):
        criterion_half.setdefault(proposal_id, {})[indicator_id] = int(half)
    return member_half, criterion_half


def missing_work(panel: Panel, proposals: list[Proposal] | None = None) -> list[str]:
    """What sitting members still owe before a decision: declarations and submitted sheets."""
    proposals = reviewable(panel.call_id) if proposals is None else proposals
    missing = []
    for member in panel.sitting:
        declared = declarations(member)
        submitted = set(db.session.scalars(select(ScoreSheet.proposal_id).where(
            ScoreSheet.member_id == member.id, ScoreSheet.status == SheetStatus.SUBMITTED)))
        for proposal in proposals:
            d = declared.get(proposal.id)
            if d is None or (not d.has_conflict and proposal.id not in submitted):
                missing.append(member.user.display_name)
                break
    return missing
