import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from core.timeutil import local_today
from orgs import services as org_services
from orgs import standing
from orgs.enums import OrgStatus
from orgs.models import AnnualReport
from projects import proposals
from projects.enums import CallStatus, ProposalStatus
from tests.factories import make_user
from tests.orgs.helpers import Upload
from tests.projects.helpers import budget, full_data, good_org, published_call, ready_proposal


@pytest.fixture
def setup(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer, min_grade=3, min_years_registered=2, min_certified_social_workers=2)
    return officer, manager, org, call


def submit(proposal, manager, now=None):
    proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager, now=now)


def test_submission_one_second_before_and_after_the_deadline(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    late = call.submission_deadline + timedelta(seconds=1)
    with pytest.raises(Conflict):
        submit(proposal, manager, now=late)
    # Closed at the deadline, and with no proposal submitted it failed (流标) at once.
    assert proposal.status == ProposalStatus.DRAFT and call.status == CallStatus.FAILED


def test_submission_one_second_before_the_deadline_is_accepted(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    submit(proposal, manager, now=call.submission_deadline - timedelta(seconds=1))
    assert proposal.status == ProposalStatus.SUBMITTED and proposal.current_version == 1


def test_exactly_at_the_deadline_is_too_late(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    with pytest.raises(Conflict):
        submit(proposal, manager, now=call.submission_deadline)


RULE_BREAKERS = {
    "registered": lambda org, officer: org_services.transition_org(org, OrgStatus.SUSPENDED, actor=officer,
                                                                   reason="整改"),
    "grade": lambda org, officer: standing.record_grade(org, 2, local_today(), actor=officer),  # the newer grade
    "years": lambda org, officer: setattr(org, "registered_on", local_today() - timedelta(days=365)),  # 1 of 2
    "social_workers": lambda org, officer: setattr(org, "certified_social_workers", 1),
    # (the draft was begun while last year's report stood accepted; no service undoes that, so the row goes)
    "annual_report": lambda org, officer: db.session.execute(delete(AnnualReport).where(AnnualReport.org_id == org.id)),
    "credit": lambda org, officer: standing.add_credit_entry(org, "abnormal", "未年检", "东民社1号",
                                                             org.registered_on, None, actor=officer),
    "kind": lambda org, officer: setattr(org, "kind", "foundation"),
}


@pytest.mark.parametrize("rule", sorted(RULE_BREAKERS))
def test_each_eligibility_rule_failing_on_its_own(app, session, rule):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer, min_grade=3, min_years_registered=2, min_certified_social_workers=2,
                              allowed_kinds=["agency", "association"])
        proposal = ready_proposal(call, org, manager)
        RULE_BREAKERS[rule](org, officer)
        problems = proposals.submission_problems(proposal, call.submission_deadline - timedelta(hours=1))
    assert set(problems) == {"eligibility"}, problems
    assert len(problems["eligibility"]) == 1
    with pytest.raises(ServiceError) as caught:
        submit(proposal, manager)
    assert caught.value.code == "not_ready" and proposal.status == ProposalStatus.DRAFT


@pytest.mark.parametrize("total, ok", [(20_000_000, True), (19_999_999, True), (20_000_001, False)])
def test_budget_cap_at_under_and_over(setup, total, ok):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager, total_fen=total)
    problems = proposals.submission_problems(proposal, call.submission_deadline - timedelta(seconds=5))
    assert ("budget" not in problems) is ok


@pytest.mark.parametrize("personnel, management, field_ok", [
    (60, 10, True),  # exactly at both caps
    (61, 5, False),  # personnel just over
    (50, 11, False),  # management just over
])
def test_share_caps(setup, personnel, management, field_ok):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager, budget_lines=budget(10_000_000, personnel, management))
    problems = proposals.submission_problems(proposal, call.submission_deadline - timedelta(seconds=5))
    assert ("budget" not in problems) is field_ok


def test_missing_attachment_and_content_are_reported(setup):
    officer, manager, org, call = setup
    proposal = proposals.start_proposal(call, org, actor=manager)
    proposals.save_draft(proposal, proposals.ProposalData(title="只有标题"), actor=manager)  # partial is fine
    problems = proposals.submission_problems(proposal, call.submission_deadline - timedelta(seconds=5))
    assert {"content", "budget", "attachments"} <= set(problems)


def test_bad_draft_data_is_refused_and_changes_nothing(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    before = proposal.requested_fen
    for bad in (full_data(budget_lines=[{"category": "personnel", "item": "x", "quantity": -1,
                                         "unit_price_fen": 100}]),
                full_data(outputs=[{"indicator": "探访", "target": "很多", "unit": "人次"}]),
                full_data(co_funding_fen=-5)):
        with pytest.raises(ServiceError):
            proposals.save_draft(proposal, bad, actor=manager)
    db.session.expire_all()
    assert proposal.requested_fen == before


def test_submitted_proposal_is_frozen_with_its_hash(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    submit(proposal, manager)
    version = proposal.versions[-1]
    assert hashlib.sha256(version.content.encode()).hexdigest() == version.content_hash
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "proposal.submitted"))
    assert version.content_hash in event.data
    with pytest.raises(Conflict):
        proposals.save_draft(proposal, full_data(title="改动"), actor=manager)
    with pytest.raises(Conflict):
        proposals.add_attachment(proposal, "申报书盖章扫描件", Upload(), actor=manager)
    with pytest.raises(Conflict):
        proposals.remove_attachment(proposal.attachments[0], actor=manager)
    with pytest.raises(ServiceError):
        proposals.save_draft(proposal, full_data(title="改动"), actor=officer)
    assert proposal.title == "上门探访项目"


def test_withdraw_and_resubmit_as_a_new_version(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    submit(proposal, manager)
    proposals.transition_proposal(proposal, ProposalStatus.DRAFT, actor=manager)
    assert proposal.versions[0].withdrawn_at is not None
    proposals.save_draft(proposal, full_data(title="修改后的项目"), actor=manager)
    submit(proposal, manager)
    assert proposal.current_version == 2 and proposal.versions[1].content_hash != proposal.versions[0].content_hash
    with pytest.raises(Conflict):
        proposals.transition_proposal(proposal, ProposalStatus.DRAFT, actor=manager,
                                      now=call.submission_deadline)


def test_screening_after_close_with_reasons(setup):
    officer, manager, org, call = setup
    proposal = ready_proposal(call, org, manager)
    submit(proposal, manager)
    with pytest.raises(Conflict):  # the call is still open
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer)
    after = call.submission_deadline + timedelta(minutes=1)
    with pytest.raises(ServiceError):
        proposals.transition_proposal(proposal, ProposalStatus.INELIGIBLE, actor=officer, reason="", now=after)
    with pytest.raises(ServiceError):
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=manager, now=after)
    proposals.transition_proposal(proposal, ProposalStatus.INELIGIBLE, actor=officer, reason="缺少盖章", now=after)
    # nothing left to screen and nothing eligible: the platform fails the call itself
    assert proposal.status == ProposalStatus.INELIGIBLE and call.status == CallStatus.FAILED


def test_members_write_proposals_and_only_managers_submit_or_withdraw_them(setup):
    """A plain member starts and writes the draft; a manager submits and withdraws it; an outsider does neither."""
    officer, manager, org, call = setup
    member = make_user()
    membership = org_services.invite_member(org, member.username, "member", actor=manager)
    org_services.answer_invitation(membership, True, actor=member)
    with pytest.raises(ServiceError):
        proposals.start_proposal(call, org, actor=make_user())
    proposal = proposals.start_proposal(call, org, actor=member)
    proposals.save_draft(proposal, full_data(), actor=member)
    for name in call.required_attachments:
        proposals.add_attachment(proposal, name, Upload(), actor=member)
    assert proposal.title == "上门探访项目" and proposal.created_by_id == member.id
    with pytest.raises(ServiceError) as refused:
        submit(proposal, member)
    assert refused.value.code == "forbidden" and proposal.status == ProposalStatus.DRAFT
    with pytest.raises(ServiceError):
        proposals.save_draft(proposal, full_data(title="外人"), actor=make_user())
    submit(proposal, manager)
    with pytest.raises(ServiceError) as refused:
        proposals.transition_proposal(proposal, ProposalStatus.DRAFT, actor=member)
    assert refused.value.code == "forbidden" and proposal.status == ProposalStatus.SUBMITTED


def test_no_draft_for_a_call_the_organisation_cannot_apply_to(app, session):
    """As the call page withholds "Write a proposal": a rule failing today and on the deadline day refuses the draft
    (409 not_eligible, saying why), and no proposal row is made."""
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer, grade=2)
    with app.test_request_context():
        call = published_call(officer, min_grade=3)
        with pytest.raises(Conflict) as caught:
            proposals.start_proposal(call, org, actor=manager)
    assert caught.value.code == "not_eligible" and org.name in caught.value.message
    assert db.session.scalar(select(proposals.Proposal).where(proposals.Proposal.org_id == org.id)) is None
