"""Award steps of a call: the recommendation within budget, the officer's decision, publicity (公示) counted in
working days, objections (质疑), and the award itself with its notices."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from accounts.notifications import notify
from audit import documents
from audit import services as audit
from audit.permissions import allow_download
from core.calendar import SOURCE_LABELS, add_working_days
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, invalid
from core.permissions import has_role
from core.timeutil import LOCAL_TZ
from core.uploads import StoredFile, store_upload
from core.views import path_for
from orgs import permissions as org_permissions
from orgs.models import Organisation

from .award_models import AwardDecision, Objection, ObjectionStatus, Publicity
from .calls import tell_applicants, transition_call
from .enums import CallStatus, ProposalStatus
from .models import Call, Proposal
from .permissions import STAFF, can_download_award_notice, can_manage_calls, can_view_call
from .review_outcome import tell_results_available

allow_download("results_announcement", Call, can_view_call)  # published: anyone who can see the call
allow_download("award_notice", Proposal, can_download_award_notice)

@dataclass(frozen=True)
class Ranked:
    proposal_id: int
    rank: int
    final_score: str  # as displayed, e.g. "82.33"


def requested(proposal: Proposal) -> int:
    """What was asked for in the frozen submission (never the editable draft)."""
    return proposal.versions[-1].requested_fen


def recommend(call: Call, ranking: list[Ranked]) -> list[int]:
    """Winners in rank order, each taken if its request still fits in the budget."""
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.call_id == call.id))}
    chosen, left = [], call.total_budget_fen
    for row in sorted(ranking, key=lambda r: r.rank):
        amount = requested(proposals[row.proposal_id])
        if amount <= left:
            chosen.append(row.proposal_id)
            left -= amount
    return chosen


def active_publicity(call: Call) -> Publicity | None:
    return db.session.scalar(select(Publicity).where(Publicity.call_id == call.id, Publicity.active))


MAX_REASON = 1000  # the officer's reasons for a decision (as the review page's reason form): refused, never cut


def decide(call: Call, ranking: list[Ranked], amounts: dict[int, int], reason: str, working_days: int, *,
           actor, now: datetime | None = None, recommended: set[int] | None = None) -> Publicity:
    """Record the decision on every ranked proposal and put the results up for publicity. A decision awarding
    other proposals than `recommended` (by default: recommend's on the whole ranking) needs the reasons."""
    now, reason = now or utcnow(), (reason or "").strip()
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    if call.status != CallStatus.UNDER_REVIEW:
        raise Conflict(_("Decisions are taken while the call is under review."))
    if not ranking:
        raise Conflict(_("There are no scored proposals to decide on."))
    ranked_ids = {r.proposal_id for r in ranking}
    proposals = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ranked_ids)))}
    errors = {}
    if set(amounts) - ranked_ids:
        errors["amounts"] = _("Only ranked proposals can be awarded.")
    for proposal_id, amount in amounts.items():
        if proposal_id in proposals and not 0 < amount <= requested(proposals[proposal_id]):
            errors[f"amount_{proposal_id}"] = _("The amount must be above zero and not above the amount requested.")
    if sum(amounts.values()) > call.total_budget_fen:
        errors["amounts"] = _("The awarded amounts add up to more than the call's budget.")
    expected = set(recommend(call, ranking)) if recommended is None else recommended
    if set(amounts) != expected and not reason:
        errors["reason"] = _("The decision departs from the ranking: give the reasons.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = _("A reason has at most %(n)d characters.", n=MAX_REASON)
    if not 1 <= working_days <= 30:
        errors["working_days"] = _("Between 1 and 30 working days.")
    if errors:
        raise invalid(errors)
    db.session.execute(delete(AwardDecision).where(AwardDecision.call_id == call.id))
    for row in ranking:
        db.session.add(AwardDecision(call_id=call.id, proposal_id=row.proposal_id, rank=row.rank,
                                     final_score=row.final_score, awarded=row.proposal_id in amounts,
                                     amount_fen=amounts.get(row.proposal_id, 0), decided_by_id=actor.id,
                                     decided_at=now))  # as the publicity: a contract cannot start before it
    today = now.astimezone(LOCAL_TZ).date()
    ends_on, sources = add_working_days(today, working_days)
    publicity = Publicity(call_id=call.id, working_days=working_days, starts_on=today, ends_on=ends_on,
                          calendar_sources=",".join(sorted(sources)), decision_reason=reason)
    db.session.add(publicity)
    db.session.flush()
    audit.record("call.decided", call, actor=actor,
                 data={"awarded": {str(k): v for k, v in amounts.items()}, "reason": reason,
                       "ranking": [[r.proposal_id, r.rank, r.final_score] for r in ranking],
                       "publicity_ends_on": ends_on})
    transition_call(call, CallStatus.PUBLICITY, actor=actor, now=now)
    decisions = list(db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id)
                                        .order_by(AwardDecision.rank)))
    document = documents.issue_document("projects/results_pdf.html", title=f"结果公示：{call.title}",
                                        doc_type="results_announcement", actor=actor, target=call, call=call,
                                        decisions=decisions, publicity=publicity)
    publicity.announcement_code = document.code
    tell_results_available(call, ends_on)  # each applicant: its own result, on its proposal's page
    return publicity


def source_labels(publicity: Publicity) -> list[str]:
    return [str(SOURCE_LABELS[s]) for s in publicity.calendar_sources.split(",") if s]


def lodge_objection(call: Call, org: Organisation, reasons: str, upload, *, actor,
                    now: datetime | None = None) -> Objection:
    now, reasons = now or utcnow(), (reasons or "").strip()
    publicity = active_publicity(call)
    if call.status != CallStatus.PUBLICITY or publicity is None or now.astimezone(LOCAL_TZ).date() > publicity.ends_on:
        raise Conflict(_("Objections are accepted only during the publicity period."))
    applied = db.session.scalar(select(Proposal.id).where(Proposal.call_id == call.id, Proposal.org_id == org.id,
                                                          Proposal.status != ProposalStatus.DRAFT))
    if not applied or not org_permissions.is_member(actor, org):
        raise Forbidden(_("Only organisations that applied to this call can object."))
    if len(reasons) < 10:
        raise invalid({"reasons": _("State your reasons (at least 10 characters).")})
    stored = store_upload(upload, actor=actor) if upload is not None and getattr(upload, "filename", "") else None
    objection = Objection(call_id=call.id, org_id=org.id, lodged_by_id=actor.id, reasons=reasons, file=stored)
    db.session.add(objection)
    db.session.flush()
    audit.record("call.objection_lodged", call, actor=actor, data={"objection_id": objection.id, "org_id": org.id})
    return objection


def objection_with_file(key: str) -> Objection | None:
    """The objection whose evidence is the stored file `key` (served by the proposals' files route)."""
    return db.session.scalar(select(Objection).join(Objection.file).where(StoredFile.key == key[:32]))


def can_open_objection_file(user, objection: Objection) -> bool:
    """An objection's evidence: the objecting organisation's members, and staff (the officers who decide it)."""
    return org_permissions.is_member(user, objection.org) or has_role(user, *STAFF)


def answer_objection(objection: Objection, upheld: bool, answer: str, *, actor) -> None:
    answer = (answer or "").strip()
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    if objection.status != ObjectionStatus.PENDING:
        raise Conflict(_("This objection has already been answered."))
    if not answer:
        raise invalid({"answer": _("Required.")})
    objection.status = (ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED).value
    objection.answer, objection.answered_at = answer, utcnow()
    db.session.flush()
    call = db.session.get(Call, objection.call_id)
    audit.record("call.objection_answered", call, actor=actor,
                 data={"objection_id": objection.id, "upheld": upheld, "answer": answer})
    for m in db.session.get(Organisation, objection.org_id).memberships:
        if m.status == "active":
            notify(m.user_id, "call.objection_answered", link=path_for("calls.show", call_id=call.id),
                   call=call.title, answer=answer)
    if upheld:
        db.session.execute(update(Publicity).where(Publicity.call_id == call.id).values(active=False))
        transition_call(call, CallStatus.UNDER_REVIEW, actor=actor, reason=_("Objection upheld: %(a)s", a=answer))


def pending_objections(call: Call) -> int:
    return len(list(db.session.scalars(select(Objection.id).where(Objection.call_id == call.id,
                                                                  Objection.status == ObjectionStatus.PENDING))))


def finish_if_due(call: Call, now: datetime | None = None) -> bool:
    """After the last publicity day, with nothing pending, the call is awarded and the notices issued."""
    now = now or utcnow()
    publicity = active_publicity(call)
    if call.status != CallStatus.PUBLICITY or publicity is None:
        return False
    if now.astimezone(LOCAL_TZ).date() <= publicity.ends_on or pending_objections(call):
        return False
    transition_call(call, CallStatus.AWARDED, actor=None, now=now)
    for decision in db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id,
                                                                   AwardDecision.awarded)):
        notice = documents.issue_document("projects/award_notice_pdf.html", title=f"中标（成交）通知书：{call.title}",
                                          doc_type="award_notice", actor=None, target=decision.proposal,
                                          call=call, decision=decision, org=decision.proposal.org,
                                          issued_on=now.astimezone(LOCAL_TZ).date())
        decision.notice_code = notice.code
    db.session.flush()
    tell_applicants(call, "call.awarded")
    return True
