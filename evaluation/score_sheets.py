"""Score sheets, a panel member's on a proposal and an evaluator's on a project evaluation alike: drafts saved (and
refused when stale), submitted and reopened (split from evaluation.services, which keeps the conflict declarations,
access and results)."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.notifications import notify
from audit import services as audit
from audit.models import AuditEvent
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.i18n import joined
from core.permissions import has_role
from core.views import path_for
from projects.enums import ProposalStatus
from projects.models import Call, Proposal

from .enums import SHEET_TRANSITIONS, MemberStatus, SheetStatus
from .models import Panel, PanelMember, Score, ScoreSheet
from .services import can_see_proposal, check_reason, require_scoring_open

MAX_COMMENT = 1000  # a score's comment, on every kind of sheet; refused, never cut


def existing_sheet(member: PanelMember, proposal: Proposal) -> ScoreSheet | None:
    return db.session.scalar(select(ScoreSheet).where(ScoreSheet.member_id == member.id,
                                                      ScoreSheet.proposal_id == proposal.id))


def sheet_to_show(member: PanelMember, proposal: Proposal) -> ScoreSheet:
    """The member's sheet or, before their first save, an empty draft that is not in the session: showing it (a GET)
    writes nothing; sheet_for creates it when they first save."""
    return existing_sheet(member, proposal) or ScoreSheet(member_id=member.id, proposal_id=proposal.id,
                                                          status=SheetStatus.DRAFT.value)


def sheet_for(member: PanelMember, proposal: Proposal) -> ScoreSheet:
    """The member's sheet, created at their first save. Two first saves at once take turns on the member's row: the
    second finds the first's sheet."""
    sheet = existing_sheet(member, proposal)
    if sheet is None:
        lock_row(member, "status")
        sheet = existing_sheet(member, proposal)
    if sheet is None:
        sheet = ScoreSheet(member_id=member.id, proposal_id=proposal.id, status=SheetStatus.DRAFT.value)
        db.session.add(sheet)
        db.session.flush()
    return sheet


def comment_required(half_points: int, max_points: int) -> bool:
    """Below 40% or above 95% of the criterion's maximum (exact integer comparisons)."""
    return 5 * half_points < 4 * max_points or 100 * half_points > 190 * max_points


def comment_bounds(max_points: int) -> tuple[str, str]:
    """The scores, in points as typed, from which comment_required holds, for the sheet to say beside the comment:
    the highest below 40% of the maximum and the lowest above 95% ('3' and '8' for a criterion of 8 points); an
    evaluator reads 'a comment is required at 3 or less, or at 8' where '40%' had them do the sums."""
    low, high = (4 * max_points + 4) // 5 - 1, 19 * max_points // 10 + 1  # in half points
    return tuple(str(h / 2).removesuffix(".0") for h in (low, high))


@dataclass
class SheetOwner:
    """What the engine needs to know about whoever a sheet belongs to: a panel member scoring a proposal, or an
    evaluator on a project evaluation (see project_sheets.owner_of)."""

    user_id: int
    active: bool  # still sitting / cleared of conflict
    visible: bool  # may see what is scored
    criteria: list
    require_open: Callable[[], None]
    may_reopen: Callable[[object], bool]
    link: str  # where a reopened sheet is scored again
    data: dict = field(default_factory=dict)
    notice: tuple[str, dict] = ("sheet.reopened", {})  # the reopened sheet's notification: its code and values


def sheet_owner(sheet: ScoreSheet) -> SheetOwner:
    if sheet.assignment_id is not None:
        from .project_sheets import owner_of  # the project side imports this module

        return owner_of(sheet)
    member = sheet.member
    proposal = db.session.get(Proposal, sheet.proposal_id)
    return SheetOwner(member.user_id, member.status == MemberStatus.ACTIVE, can_see_proposal(member, proposal),
                      member.panel.template.criteria, lambda: require_scoring_open(member.panel),
                      lambda actor: has_role(actor, "officer"),
                      path_for("evaluation.sheet", member_id=member.id, proposal_id=proposal.id),
                      {"proposal_id": sheet.proposal_id}, reopen_notice(member.panel, proposal))


def proposal_number(proposal: Proposal) -> int:
    """The proposal's number among those under review, as the expert's list numbers them (申报书 N): in blind review
    the only name two proposals with similar titles have."""
    return db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.call_id == proposal.call_id, Proposal.status == ProposalStatus.ELIGIBLE, Proposal.id <= proposal.id))


def reopen_notice(panel: Panel, proposal: Proposal) -> tuple[str, dict]:
    """The call and the proposal, as the expert's list names it (申报书 N; with its applicant unless blind)."""
    values = {"call": db.session.get(Call, panel.call_id).title, "n": proposal_number(proposal)}
    if panel.blind:
        return "sheet.reopened_blind", values
    return "sheet.reopened_named", values | {"org": proposal.org.name}


def reopen_reason(sheet: ScoreSheet) -> str:
    """Why an officer last sent this draft back ('' if never): shown at the top of the sheet scored again."""
    return reopen_reasons([sheet]).get(sheet.id, "")


def reopen_reasons(sheets) -> dict[int, str]:
    """sheet id -> why an officer last sent it back, for the drafts among `sheets` ever sent back: one query for a
    list of them (the expert's assignments)."""
    drafts = [str(s.id) for s in sheets if s is not None and s.id is not None and s.status == SheetStatus.DRAFT]
    if not drafts:
        return {}
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "score_sheets", AuditEvent.target_id.in_(drafts),
        AuditEvent.action == "sheet.reopened").order_by(AuditEvent.seq))
    return {int(e.target_id): audit.decoded_data(e).get("reason", "") for e in events}  # the last one stays


def comment_rule(max_points: int, *, sentence: bool = False) -> str:
    """When a comment is required, in the criterion's points: the help beside the comment (a phrase), or the reason
    when one is missing (`sentence`). Where the lowest score above 95% is the maximum itself (every criterion of
    10 points or fewer) it says "full marks": "8 or more" on a criterion of 8 read as if more were possible."""
    low, high = comment_bounds(max_points)
    if float(high) >= max_points:
        if sentence:
            return _("A comment is required for a score of %(low)s or less, or for full marks.", low=low)
        return _("required for a score of %(low)s or less, or for full marks", low=low)
    if sentence:
        return _("A comment is required for a score of %(low)s or less, or of %(high)s or more.", low=low, high=high)
    return _("required for a score of %(low)s or less, or of %(high)s or more", low=low, high=high)


def comment_missing(criterion) -> str:
    """The reason beside a comment that a score requires, in the criterion's points as its help says."""
    return comment_rule(criterion.max_points, sentence=True)


def validate_entries(criteria: list, entries: dict[int, tuple[int | None, str]], *,
                     submitting: bool = False) -> dict[int, tuple[int, str]]:
    """Each score within its criterion's range in half points, on a draft as on submitting; a comment where
    comment_required() only when `submitting`: a draft is work in progress (saving one was refused until the
    comment was written, and the scores typed so far were at risk); transition_sheet checks the stored sheet."""
    by_id = {c.id: c for c in criteria}
    errors, values = {}, {}
    for criterion_id, (half, comment) in entries.items():
        criterion = by_id.get(criterion_id)
        if criterion is None:
            errors[f"c{criterion_id}"] = _("Unknown criterion.")
            continue
        if comment is not None and not isinstance(comment, str):  # never stored as "7" or "['x']"
            errors[f"comment{criterion_id}"] = _("Enter text.")
            continue
        if len((comment or "").strip()) > MAX_COMMENT:  # with or without a score: the limit holds for what is sent
            errors[f"comment{criterion_id}"] = _("“%(criterion)s”: a comment has at most %(n)d characters.",
                                                 criterion=criterion.title, n=MAX_COMMENT)
            continue
        if half is None:
            continue
        if not 0 <= half <= 2 * criterion.max_points:
            errors[f"c{criterion_id}"] = _("Between 0 and %(max)d points, in half points.", max=criterion.max_points)
        elif submitting and comment_required(half, criterion.max_points) and not (comment or "").strip():
            errors[f"comment{criterion_id}"] = comment_missing(criterion)  # on the comment that is missing
        else:
            values[criterion_id] = (half, (comment or "").strip())
    if errors:
        raise invalid(errors)
    return values


def sheet_fingerprint(sheet: ScoreSheet) -> str:
    """The sheet's saved entries (criterion, half points, comment) as one short digest, carried by the form (and
    the API) that showed them: a save sent with another digest was made on entries saved over since (another tab,
    another device). No column is needed: the entries are the state; a sheet not yet saved has none."""
    entries = sorted((s.indicator_id, s.half_points, s.comment) for s in sheet.scores) if sheet.id else []
    return hashlib.sha256(json.dumps(entries, ensure_ascii=False).encode()).hexdigest()[:32]


def require_fresh(sheet: ScoreSheet, sent: str | None) -> None:
    """Refuse (409, code `stale_sheet`) a save whose form was loaded before the sheet's entries last changed: it
    would silently wipe the other save. `sent` None: no check (an API client that does not send it)."""
    if sent is None:
        return
    lock_row(sheet, "status")  # two saves at once: the second reads the entries the first committed
    if sheet.id is not None:
        db.session.refresh(sheet, attribute_names=["scores"])
    if sent != sheet_fingerprint(sheet):
        message = _("These scores were changed elsewhere (in another tab or on another device) since you opened "
                    "the sheet. Nothing was saved.")
        raise Conflict(message, fields={"fingerprint": message}, code="stale_sheet")


def save_scores(sheet: ScoreSheet, entries: dict[int, tuple[int | None, str]], *, actor,
                fingerprint: str | None = None, submitting: bool = False) -> None:
    """entries: criterion id -> (half points or None for not yet scored, comment). Drafts may be partial, and may
    leave out a comment that submitting requires (`submitting`: checked now). `fingerprint`: the saved entries as
    the form showed them (require_fresh)."""
    owner = sheet_owner(sheet)
    if owner.user_id != actor.id or not owner.visible:
        raise Forbidden(_("You do not have permission to do this."))
    if sheet.id is not None:  # a save racing a submit: the status as committed, under the row's lock
        lock_row(sheet, "status")
    if sheet.status != SheetStatus.DRAFT:
        raise Conflict(_("This score sheet is submitted and locked."))
    owner.require_open()
    require_fresh(sheet, fingerprint)
    values = validate_entries(owner.criteria, entries, submitting=submitting)
    existing = {s.indicator_id: s for s in sheet.scores}
    for criterion_id, (half, comment) in values.items():
        if criterion_id in existing:
            existing[criterion_id].half_points, existing[criterion_id].comment = half, comment
        else:
            sheet.scores.append(Score(indicator_id=criterion_id, half_points=half, comment=comment))
    # An emptied field takes its score away: the sheet cannot be submitted until it is scored again.
    cleared = [k for k, (half, _comment) in entries.items() if half is None and k in existing]
    for criterion_id in cleared:
        sheet.scores.remove(existing[criterion_id])
    db.session.flush()
    audit.record("sheet.saved", ("score_sheets", sheet.id), actor=actor,
                 data={**owner.data, "scores": {str(k): v[0] for k, v in values.items()}
                       | {str(k): None for k in cleared}})


def transition_sheet(sheet: ScoreSheet, to: SheetStatus | str, *, actor, reason: str = "") -> None:
    """Submit (the evaluator; all criteria scored) or reopen (an officer, with a reason; the evaluator is told)."""
    lock_row(sheet, "status")
    to, current, reason = SheetStatus(to), SheetStatus(sheet.status), (reason or "").strip()
    if to not in SHEET_TRANSITIONS[current]:
        raise Conflict(_("This score sheet is already “%(status)s”.", status=current.label))
    owner = sheet_owner(sheet)
    if not owner.active:
        raise Forbidden(_("You do not have permission to do this."))
    owner.require_open()
    if to is SheetStatus.SUBMITTED:
        if owner.user_id != actor.id:
            raise Forbidden(_("You do not have permission to do this."))
        scored = {s.indicator_id: s for s in sheet.scores}
        # saved as drafts, and not yet said: a score left empty, a comment its score requires (beside each)
        uncommented = [c for c in owner.criteria if c.id in scored and not scored[c.id].comment
                       and comment_required(scored[c.id].half_points, c.max_points)]
        comments = {f"comment{c.id}": comment_missing(c) for c in uncommented}
        if missing := [c for c in owner.criteria if c.id not in scored]:
            # named above the form and marked beside each score left empty (a phone shows a few criteria at once)
            raise ServiceError(_("Score every criterion before submitting: %(names)s.",
                                 names=joined([c.title for c in missing])),
                               fields={f"c{c.id}": _("Not scored yet.") for c in missing} | comments)
        if uncommented:
            raise ServiceError(_("Write the comments these scores require before submitting: %(names)s.",
                                 names=joined([c.title for c in uncommented])), fields=comments)
        sheet.submitted_at = utcnow()
    else:
        if not owner.may_reopen(actor):
            raise Forbidden(_("You do not have permission to do this."))
        if not reason:
            raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
        check_reason(reason)
        sheet.submitted_at = None
    sheet.status = to.value
    db.session.flush()
    audit.record("sheet.submitted" if to is SheetStatus.SUBMITTED else "sheet.reopened", ("score_sheets", sheet.id),
                 actor=actor, data={**owner.data, "total_half_points": sheet.total_half_points, "reason": reason})
    if to is SheetStatus.DRAFT:
        code, values = owner.notice
        notify(owner.user_id, code, link=owner.link, reason=reason, **values)
