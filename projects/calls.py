"""Calls: drafting, the one transition function, the announcement PDF (amendments and questions are
call_clarifications)."""

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from accounts.models import Community, User
from accounts.notifications import notify
from audit import documents
from audit import services as audit
from audit.permissions import allow_download
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.pdf import official_language
from core.signals import review_started
from core.timeutil import LOCAL_TZ, to_local
from core.views import path_for
from orgs.enums import MemberRole, MembershipStatus, OrgKind, OrgStatus
from orgs.models import Membership, Organisation, ServiceCategory, org_categories

from . import eligibility
from .award_models import Objection, ObjectionStatus, Publicity
from .enums import CALL_TRANSITIONS, Aggregation, CallStatus, FundingSource, ProposalStatus, PurchasingMode
from .models import Call, Proposal
from .permissions import can_manage_calls, can_view_call

allow_download("call_announcement", Call, can_view_call)  # published: anyone who can see the call


@dataclass
class ReviewRules:
    """What calls need from the review package, which fills these in when it is loaded (projects never imports
    evaluation: imports point the other way)."""

    template_choices: Callable[[], list[tuple[int, str]]] = lambda: []  # templates an officer may choose
    # At publication: freeze the chosen template (or the default) so the stated rules cannot change afterwards
    fix_template: Callable[[Call, object], None] = lambda call, actor: None
    # (template name, [(section, [(criterion, max points)])]) to print the rules on the call page and PDF
    describe: Callable[[int], tuple[str, list] | None] = lambda template_id: None


review_rules = ReviewRules()


@dataclass
class CallData:
    title: str = ""
    description: str = ""
    mode: str = PurchasingMode.PROJECT_APPLICATION.value
    category_id: int | None = None
    community_ids: list[int] = field(default_factory=list)
    funding_source: str = FundingSource.BUDGET.value
    total_budget_fen: int | None = None
    max_per_proposal_fen: int | None = None
    questions_until: datetime | None = None
    submission_deadline: datetime | None = None
    review_planned_on: date | None = None
    award_planned_on: date | None = None
    min_eligible_proposals: int = 3
    template_id: int | None = None  # None: the platform's default proposal-review template
    blind: bool = False
    aggregation: str = Aggregation.TRIMMED_MEAN.value
    required_attachments: list[str] = field(default_factory=list)
    allowed_kinds: list[str] = field(default_factory=list)
    min_grade: int | None = None
    min_years_registered: int = 0
    min_certified_social_workers: int = 0
    require_annual_report: bool = True
    require_clean_credit: bool = True
    require_passing_evaluation: bool = False
    max_personnel_pct: int = 60
    max_management_pct: int = 10

    def errors(self) -> dict[str, str]:
        e: dict[str, str] = {}
        required = _("Required.")
        if not 4 <= len(self.title.strip()) <= 200:
            e["title"] = _("Give the call a title (4–200 characters).")
        if self.mode not in {m.value for m in PurchasingMode}:
            e["mode"] = _("Choose a purchasing mode.")
        if self.funding_source not in {f.value for f in FundingSource}:
            e["funding_source"] = _("Choose a funding source.")
        if not self.category_id:
            e["category_id"] = required
        if not self.total_budget_fen or self.total_budget_fen <= 0:
            e["total_budget_fen"] = _("Enter an amount above zero.")
        if not self.max_per_proposal_fen or self.max_per_proposal_fen <= 0:
            e["max_per_proposal_fen"] = _("Enter an amount above zero.")
        elif self.total_budget_fen and self.max_per_proposal_fen > self.total_budget_fen:
            e["max_per_proposal_fen"] = _("Cannot exceed the total budget.")
        for name in ("questions_until", "submission_deadline", "review_planned_on", "award_planned_on"):
            if getattr(self, name) is None:
                e[name] = required
        if not e.keys() & {"questions_until", "submission_deadline", "review_planned_on", "award_planned_on"}:
            e |= schedule_order_errors(self)
        if not 1 <= self.min_eligible_proposals <= 50:
            e["min_eligible_proposals"] = _("Between 1 and 50.")
        if self.min_grade is not None and self.min_grade not in range(1, 6):
            e["min_grade"] = _("A grade is 1A to 5A.")
        for name in ("min_years_registered", "min_certified_social_workers"):
            if not 0 <= getattr(self, name) <= 100:
                e[name] = _("Between 0 and 100.")
        for name in ("max_personnel_pct", "max_management_pct"):
            if not 0 <= getattr(self, name) <= 100:
                e[name] = _("A percentage between 0 and 100.")
        if any(len(a.strip()) > 100 for a in self.required_attachments):  # a proposal attachment's column width
            e["required_attachments"] = _("Each attachment name has at most %(n)d characters.", n=100)
        if any(k not in {k.value for k in OrgKind} for k in self.allowed_kinds):
            e["allowed_kinds"] = _("Choose kinds from the list.")
        if self.aggregation not in {a.value for a in Aggregation}:
            e["aggregation"] = _("Choose an aggregation method.")
        return e


def schedule_errors(call: Call, now: datetime, *, questions_changing: bool = True) -> dict[str, str]:
    """A call may be published only with a schedule that makes sense from now on. An amendment that leaves the
    questions period alone is not refused because that period has already closed."""
    e = schedule_order_errors(call)
    if call.submission_deadline <= now:
        e["submission_deadline"] = _("The submission deadline must be in the future.")
    if questions_changing and call.questions_until <= now:
        e["questions_until"] = _("Questions must close after publication and no later than the deadline.")
    return e


def schedule_order_errors(schedule) -> dict[str, str]:
    """The schedule's dates out of order, whenever it is saved (a call, or CallData as typed): questions closing
    after the deadline, the review planned before it, the award before the review. A draft saved so was refused only
    when it was published, by a message at the top of its page, the dates no longer beside it."""
    e = {}
    if schedule.questions_until > schedule.submission_deadline:
        e["questions_until"] = _("Questions must close no later than the submission deadline.")
    if schedule.review_planned_on < to_local(schedule.submission_deadline).date():
        e["review_planned_on"] = _("The review cannot be planned before the deadline.")
    if schedule.award_planned_on < schedule.review_planned_on:
        e["award_planned_on"] = _("The award cannot be planned before the review.")
    return e


def _apply(call: Call, data: CallData) -> None:
    errors = data.errors()
    category = db.session.get(ServiceCategory, data.category_id) if data.category_id else None
    if data.category_id and category is None:
        errors["category_id"] = _("Choose a category from the list.")
    communities = list(db.session.scalars(select(Community).where(Community.id.in_(data.community_ids))))
    if len(communities) != len(set(data.community_ids)):
        errors["community_ids"] = _("Choose communities from the list.")
    if data.template_id is not None and data.template_id not in {i for i, _n in review_rules.template_choices()}:
        errors["template_id"] = _("Choose a template from the list.")
    if errors:
        raise invalid(errors)
    values = asdict(data)
    values.pop("community_ids")
    values["title"], values["description"] = data.title.strip(), data.description.strip()
    values["required_attachments"] = [a.strip() for a in data.required_attachments if a.strip()]
    for name, value in values.items():
        setattr(call, name, value)
    call.communities = communities


def create_call(data: CallData, *, actor: User) -> Call:
    call = Call(status=CallStatus.DRAFT.value, created_by_id=actor.id)
    with db.session.no_autoflush:
        _apply(call, data)
    db.session.add(call)
    db.session.flush()
    audit.record("call.created", call, actor=actor, data={"title": call.title, "budget_fen": call.total_budget_fen})
    return call


def update_call(call: Call, data: CallData, *, actor: User) -> None:
    if call.status != CallStatus.DRAFT:
        raise Conflict(_("A published call changes only by amendment."))
    _apply(call, data)
    db.session.flush()
    audit.record("call.updated", call, actor=actor, data={"title": call.title})


def eligible_count(call: Call) -> int:
    return db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.call_id == call.id, Proposal.status == ProposalStatus.ELIGIBLE))


def unscreened_count(call: Call) -> int:
    return db.session.scalar(select(func.count(Proposal.id)).where(
        Proposal.call_id == call.id, Proposal.status == ProposalStatus.SUBMITTED))


def cannot_reach_minimum(call: Call) -> bool:
    """Even if every proposal still to be screened were eligible, there would be too few."""
    return eligible_count(call) + unscreened_count(call) < call.min_eligible_proposals


def review_start_refusal(call: Call) -> str | None:
    """Why the review of the call cannot start (or start again) now, None when it can: the transition's own check,
    and what the results page says beside its "Start the review" button instead of offering one to be refused."""
    if unscreened_count(call):
        return _("Screen every proposal for eligibility first.")
    if eligible_count(call) < call.min_eligible_proposals:
        return _("Too few eligible proposals: the call has failed.")
    return None


def transition_call(call: Call, to: CallStatus | str, *, actor: User | None, reason: str | None = None,
                    now: datetime | None = None) -> None:
    """The one way a call's status changes. actor None means the platform itself (the deadline passing)."""
    lock_row(call, "status")  # two officers at once (publish twice, cancel while publishing): the second sees the first
    to, now, reason = CallStatus(to), now or utcnow(), (reason or "").strip()
    current = CallStatus(call.status)
    if to not in CALL_TRANSITIONS[current]:
        raise Conflict(_("A call that is “%(from)s” cannot become “%(to)s”.", **{"from": current.label,
                                                                                "to": to.label}))
    if actor is not None and not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    _check_preconditions(call, current, to, now, reason)
    call.status, call.status_reason = to.value, reason
    if to is CallStatus.PUBLISHED:
        call.published_at = now
    if to is CallStatus.CLOSED:
        call.closed_at = now
    db.session.flush()
    audit.record(f"call.{to.value}", call, actor=actor, data={"from": current.value, "to": to.value,
                                                              "reason": reason})
    if to is CallStatus.PUBLISHED:
        review_rules.fix_template(call, actor)
        issue_announcement(call, actor)
        _tell_matching_organisations(call)
    if to is CallStatus.FAILED:
        tell_applicants(call, "call.failed", reason=reason)
    if to is CallStatus.UNDER_REVIEW:
        review_started.send(None, call=call, again=current is CallStatus.PUBLICITY)


def tell_applicants(call: Call, code: str, **data) -> None:
    org_ids = select(Proposal.org_id).where(Proposal.call_id == call.id, Proposal.status != ProposalStatus.DRAFT)
    for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids))):
        for m in org.memberships:
            if m.status == "active":
                notify(m.user_id, code, link=path_for("calls.show", call_id=call.id), call=call.title, **data)


def _check_preconditions(call: Call, current: CallStatus, to: CallStatus, now: datetime, reason: str) -> None:
    if to is CallStatus.PUBLISHED and (errors := schedule_errors(call, now)):
        raise ServiceError(_("Some dates are out of order: see each one below."), fields=errors)
    if to is CallStatus.CLOSED and now < call.submission_deadline:
        raise Conflict(_("The call closes at its deadline, not before. To stop it, cancel it with a reason."))
    if to is CallStatus.UNDER_REVIEW and (why := review_start_refusal(call)):
        raise Conflict(why)
    if to is CallStatus.FAILED and current is CallStatus.CLOSED and not cannot_reach_minimum(call):
        raise Conflict(_("A call fails only when, after screening, too few proposals are eligible."))
    if to is CallStatus.PUBLICITY and not _has_active_publicity(call):
        raise Conflict(_("Results can be put up for publicity only after the review panel has scored."))
    if to is CallStatus.AWARDED and ((publicity := _active_publicity_record(call)) is None or (
            now.astimezone(LOCAL_TZ).date() <= publicity.ends_on or _pending_objections(call))):
        raise Conflict(_("The publicity period has not ended, or an objection is still pending."))
    if to is CallStatus.UNDER_REVIEW and current is CallStatus.PUBLICITY and not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if to is CallStatus.CANCELLED and not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})


def _active_publicity_record(call: Call) -> Publicity | None:
    return db.session.scalar(select(Publicity).where(Publicity.call_id == call.id, Publicity.active))


def _has_active_publicity(call: Call) -> bool:
    return _active_publicity_record(call) is not None


def _pending_objections(call: Call) -> bool:
    return db.session.scalar(select(func.count(Objection.id)).where(
        Objection.call_id == call.id, Objection.status == ObjectionStatus.PENDING)) > 0


def issue_announcement(call: Call, actor: User) -> None:
    """The announcement PDF (采购公告), issued again with each amendment so the verified copy is current."""
    title = f"采购公告：{call.title}" + (f"（第{call.version}版）" if call.version > 1 else "")
    with official_language():  # (the review rules' description is put together here, before the rendering)
        document = documents.issue_document("projects/announcement_pdf.html", title=title,
                                            doc_type="call_announcement", actor=actor, target=call, call=call,
                                            rules=review_rules.describe(call.template_id) if call.template_id else None,
                                            eligibility=eligibility.stated_rules(call))
    call.announcement_code = document.code


def _tell_matching_organisations(call: Call) -> None:
    managers = db.session.scalars(
        select(Membership.user_id).join(Organisation, Organisation.id == Membership.org_id)
        .join(org_categories, org_categories.c.org_id == Organisation.id)
        .where(org_categories.c.category_id == call.category_id, Organisation.status == OrgStatus.APPROVED,
               Membership.role == MemberRole.MANAGER, Membership.status == MembershipStatus.ACTIVE))
    for user_id in set(managers):
        notify(user_id, "call.published", link=path_for("calls.show", call_id=call.id), call=call.title)


def change_due(call: Call, now: datetime | None = None) -> bool:
    """Whether the deadline or the end of publicity has passed without the call having moved on yet."""
    now = now or utcnow()
    if call.status == CallStatus.PUBLISHED:
        return now >= call.submission_deadline
    if call.status == CallStatus.PUBLICITY:
        publicity = _active_publicity_record(call)
        return publicity is not None and now.astimezone(LOCAL_TZ).date() > publicity.ends_on
    return False


def lock_call(call_id: int, *, exclusive: bool) -> Call:
    """Re-read the call under a row lock (PostgreSQL): submissions hold it shared, closing holds it exclusively,
    so a submission that passed its deadline check is counted by the close that follows it. SQLite already
    serialises writers (BEGIN IMMEDIATE)."""
    stmt = select(Call).where(Call.id == call_id).execution_options(populate_existing=True)
    return db.session.scalar(stmt.with_for_update(read=not exclusive, of=Call))


def close_if_due(call: Call, now: datetime | None = None) -> bool:
    """The server decides when a call closes, whatever a page showed: called wherever a call is used."""
    now = now or utcnow()
    if call.status == CallStatus.PUBLISHED and now >= call.submission_deadline:
        call = lock_call(call.id, exclusive=True)
    if call.status == CallStatus.PUBLISHED and now >= call.submission_deadline:
        transition_call(call, CallStatus.CLOSED, actor=None, now=now)
        if cannot_reach_minimum(call):  # too few proposals even came in: 流标 at once
            transition_call(call, CallStatus.FAILED, actor=None, now=now,
                            reason=_("Fewer proposals were submitted than the minimum."))
        return True
    return False


def fail_if_short(call: Call, now: datetime | None = None) -> bool:
    """Once nothing is left to screen, a call with fewer eligible proposals than its minimum fails (流标): the
    platform decides, as it does at the deadline."""
    if call.status != CallStatus.CLOSED or unscreened_count(call) or not cannot_reach_minimum(call):
        return False
    transition_call(call, CallStatus.FAILED, actor=None, now=now,
                    reason=_("After screening, fewer proposals are eligible than the minimum."))
    return True
