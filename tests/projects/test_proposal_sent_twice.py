"""A proposal submitted twice (a second tab, a double tap) answers 409 with its page as it is now, saying plainly that
it is already submitted; it answered 422 with 'a proposal that is “submitted” cannot become “submitted”'."""

import html

import pytest
from sqlalchemy import select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from projects import proposals
from projects.enums import ProposalStatus
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def ready(app, session):
    """A proposal ready to submit and its organisation's manager."""
    officer, manager = make_user(Role.OFFICER), make_user()
    with app.test_request_context():
        proposal = ready_proposal(published_call(officer), good_org(manager, officer), manager)
    db.session.commit()
    return proposal, manager


def test_a_second_submission_answers_409_saying_it_is_already_submitted(client, login_as, ready):
    proposal, manager = ready
    login_as(manager)
    assert client.post(f"/proposals/{proposal.id}/status", data={"to": "submitted"}).status_code == 302
    events = len(db.session.scalars(select(AuditEvent.seq)).all())
    response = client.post(f"/proposals/{proposal.id}/status", headers=ZH, data={"to": "submitted"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 409 and "该申报书的状态已是“已提交”。" in page
    assert len(db.session.scalars(select(AuditEvent.seq)).all()) == events


def test_the_service_refuses_the_same_status_again_as_stale(app, ready):
    proposal, manager = ready
    with app.test_request_context():
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        with pytest.raises(Conflict) as refused:
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
    assert refused.value.status == 409 and "已提交" in str(refused.value.message)
