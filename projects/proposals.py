"""Proposals: drafts that save partial data, a submission that re-checks everything and freezes the content,
withdrawal before the deadline, and eligibility screening after it."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.i18n import joined
from core.money import MAX_FEN, format_fen
from core.timeutil import to_local
from core.uploads import store_upload
from core.views import path_for
from orgs.models import Organisation

from . import eligibility
from .calls import close_if_due, fail_if_short, lock_call
from .enums import PROPOSAL_TRANSITIONS, BudgetCategory, CallStatus, ProposalStatus
from .models import BudgetLine, Call, Proposal, ProposalAttachment, ProposalVersion
from .permissions import can_manage_calls, can_submit_proposal, can_write_proposal

TEXT_FIELDS = ("title", "summary", "needs_analysis", "objectives")
MAX_QUANTITY, MAX_TEXT = 1_000_000, 8000
# The most rows each section holds, the same on the form, over the API and here (three activities a month for a
# year; a budget itemised line by line).
ROW_LIMITS = {"work_plan": 36, "outputs": 30, "team": 30, "budget_lines": 60}
MAX_ITEM = 200  # the width of BudgetLine.item
MAX_TARGET = 10**9  # an output's target


@dataclass
class ProposalData:
    title: str = ""
    summary: str = ""
    needs_analysis: str = ""
    objectives: str = ""
    work_plan: list[dict] = field(default_factory=list)  # {"month": "2027-01", "activity": "..."}
    outputs: list[dict] = field(default_factory=list)  # {"indicator": "...", "target": 120, "unit": "人次"}
    team: list[dict] = field(default_factory=list)  # {"name", "role", "qualification"}
    budget_lines: list[dict] = field(default_factory=list)  # {"category", "item", "quantity", "unit_price_fen"}
    co_funding_fen: int = 0


# The text of a proposal's rows and the longest each may be (as on the proposal form, projects.forms, and in the
# API); an output's target is a number, checked apart.
ROW_TEXT = {"work_plan": {"month": 20, "activity": 300},
            "outputs": {"indicator": 200, "unit": 20},
            "team": {"name": 60, "role": 60, "qualification": 100}}


def _clean_rows(rows: list[dict], section: str, errors: dict, numbers: tuple[str, ...] = ()) -> list[dict]:
    """The rows with something in them, their texts stripped. A text that is not text (a number, a list, true) is
    refused, never stored as its Python repr ("7", "['x']"); so is one over its limit, never cut. `numbers` (an
    output's target) may also be whole numbers, as the form sends them."""
    cleaned = []
    for position, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors[section] = _("Row %(row)d: enter text.", row=position)
            continue
        values = {}
        for key, limit in (*ROW_TEXT[section].items(), *((k, None) for k in numbers)):
            value = row.get(key)
            if value is None:
                value = ""
            elif key in numbers and not isinstance(value, str):
                if type(value) is not int:  # true is not 1, 7.5 not 7
                    errors[section] = _("Output targets are whole numbers, 0 or more.")
                value = str(value or "")  # 0 alone does not make a row
            elif not isinstance(value, str):
                errors[section] = _("Row %(row)d: enter text.", row=position)
            elif limit is not None and len(value.strip()) > limit:
                errors[section] = _("Row %(row)d: at most %(n)d characters.", row=position, n=limit)
            values[key] = value.strip() if isinstance(value, str) else ""
        if any(values.values()):
            cleaned.append(values)
    return cleaned


def _validated(data: ProposalData) -> tuple[dict, list[BudgetLine]]:
    """Partial data is fine for a draft; what is there must make sense."""
    errors: dict[str, str] = {}
    for section, limit in ROW_LIMITS.items():  # empty rows are dropped, but not any number of them
        if len(getattr(data, section)) > 2 * limit:
            raise invalid({section: _("At most %(n)d rows in this section.", n=limit)})
    values = {name: (getattr(data, name) or "").strip() for name in TEXT_FIELDS}
    if len(values["title"]) > 200:
        errors["title"] = _("At most 200 characters.")
    values["work_plan"] = _clean_rows(data.work_plan, "work_plan", errors)
    values["team"] = _clean_rows(data.team, "team", errors)
    outputs = []
    for row in _clean_rows(data.outputs, "outputs", errors, numbers=("target",)):
        # The digits as text (the API's other form of a target: ^[0-9]*$); int() alone also took '1_000', '+5' and
        # other scripts' digits. What a person types ('2,880', '２８８０') the form reads (core.forms.WholeNumberField).
        target = row["target"] or "0"
        if not (target.isascii() and target.isdigit()) or len(target.lstrip("0")) > len(str(MAX_TARGET)) \
                or int(target) > MAX_TARGET:  # (the length first: int() refuses over 4300 digits with a 500)
            errors["outputs"] = _("Output targets are whole numbers, 0 or more.")
            continue
        outputs.append({**row, "target": int(target)})
    values["outputs"] = outputs
    if any(len(values[name]) > MAX_TEXT for name in TEXT_FIELDS):
        errors["summary"] = _("Each text is at most %(n)d characters.", n=MAX_TEXT)
    if type(data.co_funding_fen) is not int or not 0 <= data.co_funding_fen <= MAX_FEN:
        errors["co_funding_fen"] = _("Enter an amount, 0 or more.")
    values["co_funding_fen"] = data.co_funding_fen if type(data.co_funding_fen) is int else 0
    lines = []
    for position, row in enumerate(data.budget_lines):
        item = row.get("item") if isinstance(row, dict) else None
        if not isinstance(row, dict) or not isinstance(item, str | None):  # never stored as "7" or "['x']"
            errors["budget_lines"] = _("Row %(row)d: enter text.", row=position + 1)
            continue
        item = (item or "").strip()
        if not item and not row.get("unit_price_fen") and not row.get("quantity"):
            continue
        category, quantity, price = row.get("category"), row.get("quantity"), row.get("unit_price_fen")
        if not isinstance(category, str) or category not in {c.value for c in BudgetCategory} or not item:
            errors["budget_lines"] = _("Each budget line needs a category and an item.")
        elif len(item) > MAX_ITEM:  # refused, never cut: an item cut short may name something else
            errors["budget_lines"] = _("A budget line's item has at most %(n)d characters.", n=MAX_ITEM)
        elif type(quantity) is not int or not 0 < quantity <= MAX_QUANTITY or type(price) is not int \
                or not 0 <= price <= MAX_FEN or quantity * price > MAX_FEN:
            errors["budget_lines"] = _("Quantities are whole numbers above zero; unit prices are amounts in yuan.")
        else:
            lines.append(BudgetLine(position=position, category=category, item=item, quantity=quantity,
                                    unit_price_fen=price))
    filled = {"work_plan": values["work_plan"], "outputs": outputs, "team": values["team"], "budget_lines": lines}
    for section, limit in ROW_LIMITS.items():  # said of the section that has too many rows with something in them
        if len(filled[section]) > limit:
            errors[section] = _("At most %(n)d rows in this section.", n=limit)
    if errors:
        raise invalid(errors)
    return values, lines


def _require_open(call: Call, now: datetime) -> None:
    close_if_due(call, now)
    if call.status != CallStatus.PUBLISHED:
        raise Conflict(_("This call is not open for proposals."))


def _require_eligible(call: Call, org: Organisation, now: datetime) -> None:
    """No draft for a call the organisation cannot apply to by its deadline (the call page's outlook): a rule
    failing today and still failing on the deadline day. A rule met by then (registered long enough, say) does not
    stop the writing; the submission is checked again (submission_problems)."""
    standing = eligibility.outlook(call, org, to_local(now).date(), to_local(call.submission_deadline).date())
    if standing.blocked:
        raise Conflict(_("%(org)s cannot apply to this call: %(why)s", org=org.name,
                         why=" ".join([r.message for r in standing.blocked] + standing.remedies)), code="not_eligible")


def start_proposal(call: Call, org: Organisation, *, actor: User, now: datetime | None = None) -> Proposal:
    now = now or utcnow()
    if not can_write_proposal(actor, org):
        raise Forbidden(_("Only a member of the organisation can write its proposal."))
    _require_open(call, now)
    existing = db.session.scalar(select(Proposal).where(Proposal.call_id == call.id, Proposal.org_id == org.id))
    if existing is not None:
        return existing
    _require_eligible(call, org, now)
    proposal = Proposal(call=call, org=org, status=ProposalStatus.DRAFT.value, created_by_id=actor.id,
                        title=call.title)
    db.session.add(proposal)
    db.session.flush()
    audit.record("proposal.created", proposal, actor=actor, data={"call_id": call.id, "org_id": org.id})
    return proposal


def _require_draft(proposal: Proposal, actor: User, now: datetime) -> None:
    if not can_write_proposal(actor, proposal.org):
        raise Forbidden(_("Only a member of the organisation can write its proposal."))
    if proposal.status != ProposalStatus.DRAFT:
        raise Conflict(_("A submitted proposal is frozen. Withdraw it before the deadline to change it."))
    _require_open(proposal.call, now)


def save_draft(proposal: Proposal, data: ProposalData, *, actor: User, now: datetime | None = None,
               revision: int | None = None) -> None:
    """Replace the draft's content. `revision`: the draft's revision when the form (or the API client) read it; if
    the draft was saved since (another tab, another device), the save is refused (409, code `stale_draft`) and
    nothing changes, rather than silently overwriting that save. None: no check (a client that does not send it)."""
    now = now or utcnow()
    _require_draft(proposal, actor, now)  # (before the row lock: closing a call due takes the call's lock first)
    lock_row(proposal, "status", "revision")  # two saves at once: the second sees the first's revision
    if proposal.status != ProposalStatus.DRAFT:
        raise Conflict(_("A submitted proposal is frozen. Withdraw it before the deadline to change it."))
    if revision is not None and revision != proposal.revision:
        raise Conflict(_("This draft was changed elsewhere (in another tab or on another device) since you opened "
                         "it. Nothing was saved."), code="stale_draft")
    values, lines = _validated(data)
    for name, value in values.items():
        setattr(proposal, name, value)
    proposal.budget_lines = lines
    proposal.revision += 1
    proposal.updated_at = now
    db.session.flush()
    audit.record("proposal.saved", proposal, actor=actor,
                 data={"requested_fen": proposal.requested_fen, "revision": proposal.revision})


def add_attachment(proposal: Proposal, requirement: str, upload, *, actor: User,
                   now: datetime | None = None) -> ProposalAttachment:
    _require_draft(proposal, actor, now or utcnow())
    if requirement not in proposal.call.required_attachments and requirement != "other":
        raise invalid({"requirement": _("Choose from the list.")})
    stored = store_upload(upload, actor=actor)
    attachment = ProposalAttachment(proposal=proposal, requirement=requirement, file=stored)
    db.session.add(attachment)
    db.session.flush()
    audit.record("proposal.attachment_added", proposal, actor=actor,
                 data={"requirement": requirement, "sha256": stored.sha256})
    return attachment


def remove_attachment(attachment: ProposalAttachment, *, actor: User, now: datetime | None = None) -> None:
    proposal = attachment.proposal
    _require_draft(proposal, actor, now or utcnow())
    proposal.attachments.remove(attachment)
    db.session.flush()
    audit.record("proposal.attachment_removed", proposal, actor=actor, data={"requirement": attachment.requirement})


def submission_problems(proposal: Proposal, now: datetime) -> dict[str, list[str]]:
    """Everything that would stop a submission, grouped; empty when it may be submitted."""
    call = proposal.call
    problems: dict[str, list[str]] = {}
    if now >= call.submission_deadline or call.status != CallStatus.PUBLISHED:
        problems["deadline"] = [_("The submission deadline has passed.")]
    failed = eligibility.failures(call, proposal.org, to_local(now).date())
    if failed:
        problems["eligibility"] = [r.message for r in failed]
    missing = [name for name in TEXT_FIELDS if not getattr(proposal, name).strip()]
    content = []
    if missing:
        content.append(_("Fill in the title, summary, needs analysis and objectives."))
    if not proposal.work_plan:
        content.append(_("Add a work plan."))
    if not proposal.outputs:
        content.append(_("Add at least one output with a numeric target."))
    if not proposal.team:
        content.append(_("List the project team."))
    if content:
        problems["content"] = content
    budget = []
    requested = proposal.requested_fen
    if requested <= 0:
        budget.append(_("Add budget lines."))
    if requested > call.max_per_proposal_fen:
        budget.append(_("The budget %(total)s is above the maximum per proposal, %(max)s.",
                        total=format_fen(requested), max=format_fen(call.max_per_proposal_fen)))
    budget += budget_cap_problems(call, proposal.category_total, requested)
    if budget:
        problems["budget"] = budget
    present = {a.requirement for a in proposal.attachments}
    if missing_attachments := [name for name in call.required_attachments if name not in present]:
        names = joined(missing_attachments)
        problems["attachments"] = [_("Upload the required attachments: %(names)s.", names=names)]
    return problems


def budget_cap_problems(call: Call, category_total, total: int) -> list[str]:
    """Where a budget (a proposal's, or its contract's lines as the officer rebalances them) takes more than the call
    allows for personnel or the management fee; category_total(category) gives the fen budgeted under it."""
    found = []
    for category, cap, label in ((BudgetCategory.PERSONNEL, call.max_personnel_pct, _("Personnel")),
                                 (BudgetCategory.MANAGEMENT_FEE, call.max_management_pct, _("Management fee"))):
        # share <= cap%  <=>  100 * part <= cap * total (integers, no rounding)
        part = category_total(category)
        if total > 0 and 100 * part > cap * total:
            found.append(_("%(what)s is %(share)s of the budget; the call allows at most %(cap)d%%.",
                           what=label, share=f"{100 * part / total:.1f}%", cap=cap))
    return found


def canonical_content(proposal: Proposal, version: int) -> str:
    content = {
        "call_id": proposal.call_id, "org_id": proposal.org_id, "version": version,
        **{name: getattr(proposal, name) for name in TEXT_FIELDS},
        "work_plan": proposal.work_plan, "outputs": proposal.outputs, "team": proposal.team,
        "co_funding_fen": proposal.co_funding_fen,
        "budget_lines": [{"category": b.category, "item": b.item, "quantity": b.quantity,
                          "unit_price_fen": b.unit_price_fen} for b in proposal.budget_lines],
        "requested_fen": proposal.requested_fen,
        "attachments": [{"requirement": a.requirement, "name": a.file.original_name, "sha256": a.file.sha256}
                        for a in proposal.attachments],
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def transition_proposal(proposal: Proposal, to: ProposalStatus | str, *, actor: User, reason: str | None = None,
                        now: datetime | None = None) -> None:
    """The one way a proposal's status changes."""
    to, now, reason = ProposalStatus(to), now or utcnow(), (reason or "").strip()
    call = lock_call(proposal.call_id, exclusive=False)
    lock_row(proposal, "status")  # after the call's lock, in the order closing the call takes them
    current = ProposalStatus(proposal.status)
    close_if_due(call, now)
    if to is current:  # sent twice, or from a page left open while it changed: say so plainly
        raise Conflict(_("This proposal is already “%(status)s”.", status=current.label))
    if to not in PROPOSAL_TRANSITIONS[current]:
        raise Conflict(_("A proposal that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    if to in (ProposalStatus.SUBMITTED, ProposalStatus.DRAFT):
        if not can_submit_proposal(actor, proposal):  # (members write the draft; a manager sends or takes it back)
            raise Forbidden(_("Only a manager of the organisation can do this."))
        if now >= call.submission_deadline or call.status != CallStatus.PUBLISHED:
            raise Conflict(_("The submission deadline has passed."))
    else:
        if not can_manage_calls(actor):
            raise Forbidden(_("You do not have permission to do this."))
        if call.status != CallStatus.CLOSED:
            raise Conflict(_("Eligibility is screened after the call closes and before the review."))
        if to is ProposalStatus.INELIGIBLE and not reason:
            raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    data = {"from": current.value, "to": to.value, "reason": reason}
    if to is ProposalStatus.SUBMITTED:
        if problems := submission_problems(proposal, now):
            raise ServiceError(_("The proposal cannot be submitted yet."), fields=problems, code="not_ready")
        version = proposal.current_version + 1
        content = canonical_content(proposal, version)
        frozen = ProposalVersion(proposal=proposal, version=version, content=content,
                                 content_hash=hashlib.sha256(content.encode()).hexdigest(),
                                 requested_fen=proposal.requested_fen, submitted_at=now, submitted_by_id=actor.id)
        db.session.add(frozen)
        proposal.current_version, proposal.submitted_at = version, now
        data.update(version=version, content_hash=frozen.content_hash, requested_fen=frozen.requested_fen)
    elif to is ProposalStatus.DRAFT:
        proposal.versions[-1].withdrawn_at = now
        proposal.submitted_at = None
        data["version"] = proposal.current_version
    else:
        proposal.screening_reason = reason
    proposal.status = to.value
    db.session.flush()
    action = {ProposalStatus.SUBMITTED: "submitted", ProposalStatus.DRAFT: "withdrawn"}.get(to, f"screened_{to.value}")
    audit.record(f"proposal.{action}", proposal, actor=actor, data=data)
    if to in (ProposalStatus.ELIGIBLE, ProposalStatus.INELIGIBLE):
        for m in proposal.org.memberships:
            if m.status == "active":
                notify(m.user_id, f"proposal.{to.value}", link=path_for("proposals.show", proposal_id=proposal.id),
                       call=call.title, reason=reason)
        fail_if_short(call, now)
