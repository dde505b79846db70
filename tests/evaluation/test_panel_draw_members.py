"""The proposal-review panel draw leaves out experts who are members (staff) of an organisation that applied, as
the project evaluation does: only those with no tie to an applicant are candidates."""

from accounts.enums import Role
from core.db import db
from evaluation import services
from evaluation.enums import SeatType
from orgs import services as org_services
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user


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
    candidates = {c["user_id"] for c in services.candidates_for(call, 6)}
    assert staff.id not in candidates  # staff of an applicant
    assert {pending.id, outsider.id} <= candidates  # an invitation not accepted is no tie yet
