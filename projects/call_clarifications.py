"""A published call's clarifications: amendments (a new version of the call, its announcement issued again, the
organisations that have started a proposal told) and the questions applicants ask and officers answer (答疑)."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.views import path_for
from orgs.enums import MembershipStatus
from orgs.models import Membership, Organisation

from .calls import issue_announcement, schedule_errors
from .enums import CallStatus
from .models import Call, CallAmendment, CallQuestion, Proposal
from .permissions import can_manage_calls

AMENDABLE = ("description", "questions_until", "submission_deadline", "review_planned_on", "award_planned_on",
             "required_attachments")


def amend_call(call: Call, changes: dict, reason: str, *, actor: User, now: datetime | None = None) -> CallAmendment:
    now, reason = now or utcnow(), (reason or "").strip()
    if call.status != CallStatus.PUBLISHED:
        raise Conflict(_("Only an open call can be amended."))
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    if not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise ServiceError(_("These fields cannot be amended: %(f)s.", f=", ".join(sorted(unknown))))
    # Times are typed to the minute: a time in the same minute as the one held is left as it is (a call made through
    # the API or by the demo may hold seconds, which the form cannot show: its deadline sent back unchanged read as
    # moved earlier, and refused an amendment of the description).
    changes = {name: value for name, value in changes.items() if not _same_minute(value, getattr(call, name))}
    new_deadline = changes.get("submission_deadline")
    if new_deadline is not None and new_deadline < call.submission_deadline:
        raise ServiceError(_("An amendment cannot move the deadline earlier."),
                           fields={"submission_deadline": _("An amendment cannot move the deadline earlier.")})
    before = {k: getattr(call, k) for k in changes}
    for name, value in changes.items():
        setattr(call, name, value)
    if errors := schedule_errors(call, now, questions_changing="questions_until" in changes):
        raise ServiceError(_("Some dates are out of order: see each one below."), fields=errors)
    diff = audit.diff(before, {k: getattr(call, k) for k in changes})
    if not diff:
        raise Conflict(_("Nothing to change."))
    call.version += 1
    amendment = CallAmendment(call=call, version=call.version, reason=reason, created_by_id=actor.id,
                              changes={k: [_jsonable(v[0]), _jsonable(v[1])] for k, v in diff.items()})
    db.session.add(amendment)
    db.session.flush()
    audit.record("call.amended", call, actor=actor, data={"version": call.version, "reason": reason}, changes=diff)
    issue_announcement(call, actor)
    started = db.session.scalars(select(Membership.user_id).join(Proposal, Proposal.org_id == Membership.org_id)
                                 .where(Proposal.call_id == call.id, Membership.status == MembershipStatus.ACTIVE))
    for user_id in set(started):
        notify(user_id, "call.amended", link=path_for("calls.show", call_id=call.id), call=call.title, reason=reason)
    return amendment


def _same_minute(typed, held) -> bool:
    return (isinstance(typed, datetime) and isinstance(held, datetime)
            and typed.replace(second=0, microsecond=0) == held.replace(second=0, microsecond=0))


def _jsonable(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def ask_question(call: Call, org: Organisation, text: str, *, actor: User, now: datetime | None = None) -> CallQuestion:
    now, text = now or utcnow(), (text or "").strip()
    if call.status != CallStatus.PUBLISHED or now >= call.questions_until:
        raise Conflict(_("The period for questions has ended."))
    if not 5 <= len(text) <= 2000:
        raise invalid({"question": _("Write your question (5–2000 characters).")})
    question = CallQuestion(call_id=call.id, org_id=org.id, asked_by_id=actor.id, question=text)
    db.session.add(question)
    db.session.flush()
    audit.record("call.question_asked", call, actor=actor, data={"question_id": question.id, "org_id": org.id})
    return question


def answer_question(question: CallQuestion, text: str, *, actor: User) -> None:
    text = (text or "").strip()
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    if not text:
        raise invalid({"answer": _("Required.")})
    before = question.answer  # (an answer corrected: the trail keeps the one published before)
    question.answer, question.answered_at = text, utcnow()
    db.session.flush()
    audit.record("call.question_answered", db.session.get(Call, question.call_id), actor=actor,
                 data={"question_id": question.id}, changes=audit.diff({"answer": before}, {"answer": text}))
