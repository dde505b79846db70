"""A refused screening decision (ineligible without a reason; a proposal screened meanwhile in another tab) shows
the screening list again with the reason typed kept and why beside it, on that proposal's card: 422, or 409 when
stale. It was a flash after a redirect saying 'please give a reason' without saying for which proposal, the text
typed lost."""

import html

from core.db import db
from projects.enums import ProposalStatus
from projects.models import Proposal
from tests.projects.test_screening_journey import ZH, closed_call  # noqa: F401 (the fixture)


def post(client, proposal, to, reason=""):
    response = client.post(f"/proposals/{proposal.id}/status", headers=ZH,
                           data={"to": to, "reason": reason, "back": "screening"})
    return response, html.unescape(response.get_data(as_text=True))


def card(page: str, proposal) -> str:
    return page.split(f'id="screen-{proposal.id}"', 1)[1].split('<div class="card mb-3"', 1)[0]


def test_ineligible_without_a_reason_is_refused_beside_that_proposal(client, login_as, closed_call):  # noqa: F811
    officer, _call, (first, second) = closed_call
    login_as(officer)
    response, page = post(client, second, "ineligible", "  ")
    assert response.status_code == 422
    mine = card(page, second)
    assert f'id="reason-{second.id}-error">请填写原因。</div>' in mine and 'aria-invalid="true"' in mine
    assert "请填写原因" not in card(page, first)
    db.session.expire_all()
    assert db.session.get(Proposal, second.id).status == ProposalStatus.SUBMITTED


def test_a_proposal_screened_in_another_tab_answers_409_keeping_the_reason(client, login_as, closed_call):  # noqa: F811
    officer, _call, (first, _second) = closed_call
    login_as(officer)
    assert post(client, first, "eligible")[0].status_code == 302
    response, page = post(client, first, "eligible", "材料齐全")
    assert response.status_code == 409
    assert f'id="reason-{first.id}-error">' in card(page, first) and ">材料齐全</textarea>" in card(page, first)
