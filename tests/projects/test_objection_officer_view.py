"""An objection (质疑) as the officers deciding it see it on the call's page: which organisation lodged it, a link to
its evidence (served by the proposals' files route, for the objector's members and staff only) and to the scores of
its proposal criterion by criterion; the public page names nobody. The officer's call page links the results."""

import html
import io

import pytest
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from projects.award_models import Objection
from projects.models import Proposal
from tests.factories import logout, make_user

ZH = {"Accept-Language": "zh-CN"}
EVIDENCE = b"%PDF-1.4\n%scores of our needs analysis\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 2_000
REASONS = "需求分析一项的评分与我方材料不符，请复核。"


@pytest.fixture
def objected(client, login_as, in_publicity):
    """An objection lodged with its evidence by an organisation not awarded: (call, org, manager, objection)."""
    call, loser, manager = in_publicity
    login_as(manager)
    response = client.post(f"/calls/{call.id}/objections", data={
        "org_id": loser.id, "reasons": REASONS, "file": (io.BytesIO(EVIDENCE), "需求分析评分复核.pdf")})
    assert response.status_code == 302
    logout(client)
    return call, loser, manager, db.session.scalar(select(Objection))


def objection_item(page: str, objection) -> str:
    return page.split(f'id="objection-{objection.id}"', 1)[1].split("</li>", 1)[0]


def test_the_officer_sees_who_objected_their_evidence_and_their_scores(client, login_as, objected):
    call, loser, _manager, objection = objected
    login_as(make_user(Role.OFFICER))
    page = html.unescape(client.get(f"/calls/{call.id}", headers=ZH).get_data(as_text=True))
    item = objection_item(page, objection)
    assert f"提出方：</strong>{loser.name}" in item and REASONS in item
    file_link = f'href="/proposals/files/{objection.file.key}"'
    assert file_link in item and "需求分析评分复核.pdf" in item
    proposal = db.session.scalar(select(Proposal).where(Proposal.call_id == call.id, Proposal.org_id == loser.id))
    assert f'href="/evaluation/calls/{call.id}/results/proposals/{proposal.id}"' in item
    # the results, among the officer's buttons at the top of the page
    assert f'href="/evaluation/calls/{call.id}/results" id="call-results">评分与排名<' in page
    response = client.get(f"/proposals/files/{objection.file.key}")
    assert response.status_code == 200 and response.data == EVIDENCE


def test_the_public_page_names_nobody_and_the_evidence_is_the_objectors_only(client, login_as, objected):
    call, loser, manager, objection = objected
    page = html.unescape(client.get(f"/calls/{call.id}", headers=ZH).get_data(as_text=True))
    item = objection_item(page, objection)
    assert REASONS in item and loser.name not in item and "/proposals/files/" not in item
    assert 'id="call-results"' not in page
    assert client.get(f"/proposals/files/{objection.file.key}").status_code == 302  # to the login page
    login_as(make_user())  # someone else, with no organisation in it
    assert client.get(f"/proposals/files/{objection.file.key}").status_code == 404
    logout(client)
    login_as(manager)  # the objector's own members may open it again
    assert client.get(f"/proposals/files/{objection.file.key}").data == EVIDENCE
