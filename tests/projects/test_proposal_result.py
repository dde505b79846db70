"""An organisation sees its proposal's review result on the proposal's own page once the results are published: its
rank among those ranked, the final score, whether it is proposed for award (during publicity, until when) or awarded
and for how much, or not awarded; a link to all the results, and to the contract once one is drawn up (until then,
that the street office is drawing it up). Before publication the page says nothing of it."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from orgs.models import Membership
from projects import awards, calls, contracts, proposals
from projects.award_models import AwardDecision
from projects.enums import CallStatus, ProposalStatus
from tests.factories import logout, make_user
from tests.projects.contract_helpers import awarded_decision, plan
from tests.projects.helpers import good_org, published_call, ready_proposal

EN = {"Accept-Language": "en"}


def result_box(client, proposal_id: int) -> str | None:
    """The result box's HTML, or None when the page has none."""
    page = client.get(f"/proposals/{proposal_id}", headers=EN)
    assert page.status_code == 200
    found = re.search(r'<div [^>]*id="review-result".*?</div>', page.text, re.S)
    return html.unescape(found.group(0)) if found else None


def text(box: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", box).split())


def outcome(box: str) -> str:
    return text(re.search(r'<strong id="outcome">.*?</strong>', box, re.S).group(0))


def manager_of(proposal_id: int):
    from projects.models import Proposal

    org_id = db.session.get(Proposal, proposal_id).org_id
    return db.session.scalar(select(Membership).where(Membership.org_id == org_id)).user


@pytest.fixture
def awarded(app, session):
    officer, decision, winner = awarded_decision(app)
    loser = db.session.scalar(select(AwardDecision).where(AwardDecision.call_id == decision.call_id,
                                                          AwardDecision.id != decision.id))
    db.session.commit()
    return officer, decision, winner, loser


def test_the_winner_sees_the_award_then_the_contract(client, login_as, app, awarded):
    officer, decision, winner, _loser = awarded
    login_as(winner)
    box = result_box(client, decision.proposal_id)
    assert "Ranked 1 of 2, final score 80.00." in text(box)
    assert outcome(box) == "Awarded ¥120,000.00"
    assert f'href="/calls/{decision.call_id}#results"' in box
    assert "The street office is drawing up the contract" in text(box) and 'id="open-contract"' not in box
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
    db.session.commit()
    box = result_box(client, decision.proposal_id)
    assert f'id="open-contract" href="/contracts/{contract.id}"' in box
    assert "drawing up" not in text(box)


def test_the_other_organisation_sees_it_was_not_awarded(client, login_as, awarded):
    _officer, _decision, _winner, loser = awarded
    login_as(manager_of(loser.proposal_id))
    box = result_box(client, loser.proposal_id)
    assert "Ranked 2 of 2, final score 70.00." in text(box)
    assert outcome(box) == "Not awarded"
    assert 'id="open-contract"' not in box and "drawing up" not in text(box)


def test_during_publicity_it_is_proposed_until_a_day_and_before_it_nothing(client, login_as, app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    with app.test_request_context():
        call = published_call(officer)
        org = good_org(manager, officer, name="公示测试服务中心")
        proposal = ready_proposal(call, org, manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=after)
    db.session.commit()
    login_as(manager)
    assert result_box(client, proposal.id) is None  # under review: nothing published yet
    with app.test_request_context():
        publicity = awards.decide(call, [awards.Ranked(proposal.id, 1, "82.50")], {proposal.id: 9_000_000}, "一个名额",
                                  5, actor=officer)
    db.session.commit()
    box = result_box(client, proposal.id)
    assert outcome(box) == "Proposed for award ¥90,000.00"
    assert f"In publicity until {publicity.ends_on.isoformat()}." in text(box)
    assert "drawing up" not in text(box)
    logout(client)
    outsider = make_user()
    login_as(outsider)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404  # as before: other organisations see nothing


def test_our_proposals_list_says_awarded_or_not_instead_of_eligible(client, login_as, awarded):
    """The list of an organisation's proposals still called an awarded proposal 'Eligible' (its screening status)."""
    _officer, decision, winner, loser = awarded
    login_as(winner)
    row = re.search(rf'href="/proposals/{decision.proposal_id}".*?</a>', client.get("/proposals/mine", headers=EN).text,
                    re.S).group(0)
    assert re.search(r'<span class="badge text-bg-success">Awarded</span>', row) and "Eligible" not in row
    logout(client)
    login_as(manager_of(loser.proposal_id))
    row = re.search(rf'href="/proposals/{loser.proposal_id}".*?</a>', client.get("/proposals/mine", headers=EN).text,
                    re.S).group(0)
    assert "Not awarded" in row and "Eligible" not in row


def status_badge(client, proposal_id: int) -> str:
    page = client.get(f"/proposals/{proposal_id}", headers=EN).text
    return re.search(r'id="proposal-status">([^<]*)<', page).group(1)


def test_the_status_beside_the_title_is_the_outcome_once_published(client, login_as, awarded):
    """It said 'Eligible' above a result box saying 'Awarded' (the list of our proposals said 'Awarded')."""
    _officer, decision, winner, loser = awarded
    login_as(winner)
    assert status_badge(client, decision.proposal_id) == "Awarded"
    logout(client)
    login_as(manager_of(loser.proposal_id))
    assert status_badge(client, loser.proposal_id) == "Not awarded"
