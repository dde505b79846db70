import io
import json
from datetime import timedelta
from itertools import product

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.documents import IssuedDocument
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from core.timeutil import utcnow
from projects import calls, proposals
from projects.call_clarifications import amend_call, answer_question, ask_question
from projects.enums import CALL_TRANSITIONS, CallStatus, ProposalStatus
from tests import prebuilt
from tests.factories import make_user
from tests.projects.conftest import build_open_call
from tests.projects.helpers import call_data, good_org, published_call, ready_proposal


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def test_publishing_issues_the_announcement_and_notifies_matching_orgs(app, officer):
    manager = make_user()
    good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer)
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == call.announcement_code))
    assert document.doc_type == "call_announcement" and document.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.content)).pages)
    assert "采购公告" in text and call.title in text
    note = db.session.scalar(select(Notification).where(Notification.user_id == manager.id,
                                                        Notification.code == "call.published"))
    assert note is not None and call.title in note.text


@pytest.mark.parametrize("field", ["submission_deadline", "questions_until"])
def test_a_schedule_already_past_is_refused_at_publication(officer, field):
    """(A schedule out of order is refused when the draft is saved: test_call_form_refusals.)"""
    data = call_data(deadline=utcnow().replace(microsecond=0) + timedelta(hours=1))
    data.questions_until = utcnow() + timedelta(minutes=30)
    call = calls.create_call(data, actor=officer)
    setattr(call, field, utcnow() - timedelta(minutes=1))
    with pytest.raises(ServiceError) as caught:
        calls.transition_call(call, CallStatus.PUBLISHED, actor=officer)
    assert field in caught.value.fields and call.status == CallStatus.DRAFT


@pytest.mark.parametrize("overrides, field", [
    ({"title": "x"}, "title"), ({"max_per_proposal_fen": 70_000_000}, "max_per_proposal_fen"),
    ({"total_budget_fen": 0}, "total_budget_fen"), ({"mode": "auction"}, "mode"),
    ({"max_personnel_pct": 120}, "max_personnel_pct"), ({"allowed_kinds": ["company"]}, "allowed_kinds"),
])
def test_bad_calls_are_refused(officer, overrides, field):
    with pytest.raises(ServiceError) as caught:
        calls.create_call(call_data(**overrides), actor=officer)
    assert field in caught.value.fields


def put_call_in(app, status: CallStatus):
    """(officer, manager, their organisation, a call in that status). Any but a draft starts as `open_call`'s published
    call (conftest.py), so those cases run on its database and take the one built there once (tests.prebuilt)."""
    if status is CallStatus.DRAFT:
        officer, manager = make_user(Role.OFFICER), make_user()
        org = good_org(manager, officer)
        return officer, manager, org, calls.create_call(call_data(), actor=officer)
    officer, manager, org, call = made = prebuilt.take("open_call") or build_open_call(app)
    if status is CallStatus.PUBLISHED:
        return made
    if status is CallStatus.CANCELLED:
        calls.transition_call(call, CallStatus.CANCELLED, actor=officer, reason="预算调整")
        return made
    proposal = ready_proposal(call, org, manager)
    proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
    calls.close_if_due(call, now=call.submission_deadline)
    if status is CallStatus.CLOSED:
        return made
    if status is CallStatus.FAILED:
        proposals.transition_proposal(proposal, ProposalStatus.INELIGIBLE, actor=officer, reason="不符合",
                                      now=call.submission_deadline)
        assert call.status == CallStatus.FAILED  # the platform fails it once nothing is left to screen
        return made
    proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer, now=call.submission_deadline)
    calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=call.submission_deadline)
    return made


REACHABLE = [CallStatus.DRAFT, CallStatus.PUBLISHED, CallStatus.CLOSED, CallStatus.UNDER_REVIEW, CallStatus.FAILED,
             CallStatus.CANCELLED]


@pytest.mark.parametrize("start, target", [
    pytest.param(start, target, marks=() if start is CallStatus.DRAFT else pytest.mark.prebuilt("open_call"))
    for start, target in product(REACHABLE, CallStatus)])
def test_call_transition_table(app, session, start, target):
    with app.test_request_context():
        officer, _manager, _org, call = put_call_in(app, start)
        last = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))
        allowed_now = target in CALL_TRANSITIONS[start] and target not in (
            CallStatus.PUBLICITY, CallStatus.AWARDED,  # only from the review (next issue)
            CallStatus.CLOSED,  # only at the deadline
            CallStatus.PUBLISHED if start is CallStatus.DRAFT else None)
        moment = call.submission_deadline if start is not CallStatus.DRAFT else None
        if start is CallStatus.CLOSED and target in (CallStatus.FAILED, CallStatus.UNDER_REVIEW):
            allowed_now = False  # its one proposal is not screened yet
        if allowed_now:
            calls.transition_call(call, target, actor=officer, reason="理由", now=moment)
            assert call.status == target
            event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
            assert event.action == f"call.{target.value}" and json.loads(event.data)["from"] == start.value
        elif target in CALL_TRANSITIONS[start] and target in (CallStatus.PUBLISHED, CallStatus.CLOSED):
            pass  # covered by the schedule and deadline tests
        else:
            with pytest.raises((Conflict, ServiceError)):
                calls.transition_call(call, target, actor=officer, reason="理由", now=moment)
            assert call.status == start
            assert db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) == last


def test_call_closes_itself_at_the_deadline(app, open_call):
    officer, manager, org, call = open_call
    with app.test_request_context():
        proposals.transition_proposal(ready_proposal(call, org, manager), ProposalStatus.SUBMITTED, actor=manager)
    assert not calls.close_if_due(call, now=call.submission_deadline - timedelta(seconds=1))
    with pytest.raises(Conflict):
        calls.transition_call(call, CallStatus.CLOSED, actor=officer, now=call.submission_deadline - timedelta(1))
    assert calls.close_if_due(call, now=call.submission_deadline)
    assert call.status == CallStatus.CLOSED
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert event.action == "call.closed" and event.actor_id is None


def test_amendments_are_versioned_and_cannot_bring_the_deadline_forward(app, open_call):
    officer, manager, org, call = open_call
    with app.test_request_context():
        ready_proposal(call, org, manager)
        old = call.submission_deadline
        with pytest.raises(ServiceError):
            amend_call(call, {"submission_deadline": old - timedelta(hours=1)}, "提前", actor=officer)
        with pytest.raises(ServiceError):
            amend_call(call, {"submission_deadline": old + timedelta(days=3)}, "  ", actor=officer)
        with pytest.raises(ServiceError):
            amend_call(call, {"total_budget_fen": 1}, "改预算", actor=officer)
        amendment = amend_call(call, {"submission_deadline": old + timedelta(days=3)}, "延长申报期",
                               actor=officer)
    assert call.version == 2 and amendment.version == 2 and call.submission_deadline == old + timedelta(days=3)
    assert "submission_deadline" in amendment.changes
    note = db.session.scalar(select(Notification).where(Notification.user_id == manager.id,
                                                        Notification.code == "call.amended"))
    assert "延长申报期" in note.text


def test_questions_until_the_questions_deadline_and_published_anonymously(app, client, officer, login_as):
    manager = make_user()
    org = good_org(manager, officer, name="提问的社会工作服务中心")
    with app.test_request_context():
        call = published_call(officer)
    question = ask_question(call, org, "人员费是否包含社保？", actor=manager)
    with pytest.raises(Conflict):
        ask_question(call, org, "截止后的问题？", actor=manager, now=call.questions_until)
    answer_question(question, "包含。", actor=officer)
    db.session.commit()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "人员费是否包含社保？" in page and "包含。" in page
    assert "提问的社会工作服务中心" not in page and manager.display_name not in page


def test_a_call_with_too_few_proposals_fails_when_it_closes(app, officer):
    with app.test_request_context():
        call = published_call(officer, min_eligible_proposals=2)
    assert calls.close_if_due(call, now=call.submission_deadline)
    assert call.status == CallStatus.FAILED
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(2)))
    assert actions == ["call.failed", "call.closed"]


def test_amendment_reissues_the_announcement(app, officer):
    with app.test_request_context():
        call = published_call(officer)
        first = call.announcement_code
        amend_call(call, {"description": "更新后的说明"}, "补充说明", actor=officer)
    assert call.announcement_code != first
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == call.announcement_code))
    assert "第2版" in document.title


def test_deadline_extended_after_the_questions_period_closed(app, officer):
    with app.test_request_context():
        call = published_call(officer)
        old, questions = call.submission_deadline, call.questions_until
        later = questions + timedelta(hours=1)  # questions closed, submissions still open
        amendment = amend_call(call, {"submission_deadline": old + timedelta(days=3)}, "延长申报期",
                               actor=officer, now=later)
        assert amendment.version == 2 and call.submission_deadline == old + timedelta(days=3)
        with pytest.raises(ServiceError) as refused:  # reopening questions into the past is still refused
            amend_call(call, {"questions_until": later - timedelta(minutes=1)}, "改答疑期", actor=officer,
                       now=later)
    assert "questions_until" in refused.value.fields
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call.amended"))
    assert json.loads(event.data)["version"] == 2


def test_call_fails_by_itself_when_screening_leaves_too_few_eligible(app, officer):
    managers = [make_user(), make_user()]
    with app.test_request_context():
        call = published_call(officer, min_eligible_proposals=2)
        props = [ready_proposal(call, good_org(m, officer, name=f"筛选测试服务中心{i}"), m)
                 for i, m in enumerate(managers)]
        for p, m in zip(props, managers, strict=True):
            proposals.transition_proposal(p, ProposalStatus.SUBMITTED, actor=m)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        proposals.transition_proposal(props[0], ProposalStatus.ELIGIBLE, actor=officer, now=after)
        assert call.status == CallStatus.CLOSED  # one still to screen: the minimum can still be reached
        proposals.transition_proposal(props[1], ProposalStatus.INELIGIBLE, actor=officer, reason="缺少盖章",
                                      now=after)
    assert call.status == CallStatus.FAILED and call.status_reason
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call.failed"))
    assert event.actor_id is None and json.loads(event.data)["from"] == "closed"  # the platform, not an officer
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.code == "call.failed")))
    assert told == {m.id for m in managers}


def test_call_with_enough_eligible_proposals_does_not_fail_after_screening(app, open_call):
    officer, manager, org, call = open_call
    with app.test_request_context():
        proposal = ready_proposal(call, org, manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer, now=after)
    assert call.status == CallStatus.CLOSED
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "call.failed")) is None
