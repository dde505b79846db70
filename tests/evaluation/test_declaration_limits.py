"""The relationship declared with a conflict of interest, and the officer's reasons for an award decision, are held to
their limits by the services (only the pages checked them): exactly the limit is kept, one more is refused with the
field named before anything is written."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from evaluation import project_services, services
from evaluation.expert_conflicts import MAX_RELATIONSHIP
from evaluation.models import ConflictDeclaration
from projects import awards
from projects.award_models import AwardDecision
from tests.evaluation.helpers import drawn_panel, fully_scored
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user


def _events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def test_a_review_members_declared_relationship_is_held_to_its_limit(app, session):
    officer = make_user(Role.OFFICER)
    _call, _orgs, proposals, panel = drawn_panel(app, officer)
    member = panel.members[0]
    with app.test_request_context():
        before = _events()
        with pytest.raises(ServiceError) as refused:
            services.declare(member, proposals[0], True, "关" * (MAX_RELATIONSHIP + 1), actor=member.user)
        assert "relationship" in refused.value.fields
        assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 0 and _events() == before
        services.declare(member, proposals[0], True, f"  {'关' * MAX_RELATIONSHIP}  ", actor=member.user)
        assert services.declarations(member)[proposals[0].id].relationship_note == "关" * MAX_RELATIONSHIP


def test_a_project_evaluators_declared_relationship_is_held_to_its_limit(app, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app, n=1, declare=False)
    assignment = evaluation.assignments[0]
    with app.test_request_context():
        with pytest.raises(ServiceError) as refused:
            project_services.declare(assignment, True, "关" * (MAX_RELATIONSHIP + 1), actor=evaluator)
        assert "relationship" in refused.value.fields
        assert assignment.declared_at is None
        project_services.declare(assignment, True, "关" * MAX_RELATIONSHIP, actor=evaluator)
        assert assignment.relationship_note == "关" * MAX_RELATIONSHIP


def test_the_reasons_for_an_award_decision_are_held_to_their_limit(app, session):
    officer = make_user(Role.OFFICER)
    call, _orgs, props, ranking = fully_scored(app, officer)
    with app.test_request_context():
        before = _events()
        with pytest.raises(ServiceError) as refused:
            awards.decide(call, ranking, {props[0].id: 100_000}, "理" * (awards.MAX_REASON + 1), 5, actor=officer)
        assert "reason" in refused.value.fields
        assert db.session.scalar(select(func.count(AwardDecision.id))) == 0 and _events() == before
        awards.decide(call, ranking, {props[0].id: 100_000}, "理" * awards.MAX_REASON, 5, actor=officer)
        assert db.session.scalar(select(func.count(AwardDecision.id))) > 0
