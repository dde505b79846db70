"""The proposal-review panel draw leaves out experts who are members (staff) of an organisation that applied, as
the project evaluation does: only those with no tie to an applicant are candidates."""

from accounts.enums import Role
from core.db import db
from evaluation import affiliations, candidates, panels
from evaluation.enums import SeatType
from orgs import services as org_services
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.evaluation.project_helpers import agency_with_evaluators
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract


def test_a_member_of_an_applicant_is_never_a_candidate(app, session):
    officer = make_user(Role.OFFICER)
    call, orgs, _props = closed_call_with_proposals(app, officer, n=2)
    staff, pending, outsider = (expert(SeatType.SOCIAL_SERVICE, officer=officer) for _ in range(3))
    manager = orgs[0].memberships[0].user
    with app.test_request_context():
        joined = org_services.invite_member(orgs[0], staff.username, "member", actor=manager)
        org_services.answer_invitation(joined, True, actor=staff)
        org_services.invite_member(orgs[1], pending.username, "member", actor=orgs[1].memberships[0].user)
    db.session.flush()
    candidates = {c["user_id"] for c in panels.candidates_for(call, 6)}
    assert staff.id not in candidates  # staff of an applicant
    assert {pending.id, outsider.id} <= candidates  # an invitation not accepted is no tie yet


def test_a_project_evaluation_reads_staff_the_same_way(app, session):
    """One notion of staff (evaluation.affiliations): an active member of the project's organisation is not
    offered, nor an agency with one among its evaluators; an invitation not accepted is no tie either way."""
    officer, manager, contract = active_contract(app)
    staff, pending = (expert(SeatType.SOCIAL_SERVICE, officer=officer) for _ in range(2))
    agency, agency_staff = agency_with_evaluators(officer)
    invited_agency, invited_staff = agency_with_evaluators(officer)
    with app.test_request_context():
        joined = org_services.invite_member(contract.org, staff.username, "member", actor=manager)
        org_services.answer_invitation(joined, True, actor=staff)
        org_services.invite_member(contract.org, pending.username, "member", actor=manager)
        joined = org_services.invite_member(contract.org, agency_staff[0].username, "member", actor=manager)
        org_services.answer_invitation(joined, True, actor=agency_staff[0])
        org_services.invite_member(contract.org, invited_staff[0].username, "member", actor=manager)
    db.session.flush()
    offered = {p.user_id for p in candidates.eligible_experts(contract)}
    assert staff.id not in offered and pending.id in offered
    agencies = {a.org_id for a in candidates.eligible_agencies(contract)}
    assert agency.id not in agencies and invited_agency.id in agencies
    # an agency's evaluators are its active members only
    outsider = make_user(Role.EVALUATOR)
    with app.test_request_context():
        org_services.invite_member(agency, outsider.username, "member", actor=agency.memberships[0].user)
    assert affiliations.agency_evaluators(agency.id) == agency_staff
