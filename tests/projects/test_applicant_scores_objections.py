"""Results and objections as an applicant sees them on a call's page (QA walk): once the results are published, the
organisation's members open their own proposal's scores criterion by criterion, the experts numbered and never
named, without their comments (another organisation's proposal: 404; before publication: 404); their own objection
is marked as theirs, with the officer's answer and a link to the evidence they sent, which other applicants do not
get."""

import html
import io

from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from evaluation.models import Panel, Score, ScoreSheet
from orgs import services as org_services
from projects import awards
from projects.award_models import Objection
from projects.models import Proposal
from tests.evaluation.helpers import fully_scored
from tests.factories import logout, make_user

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
EVIDENCE = b"%PDF-1.4\n%our needs analysis\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASONS = "需求分析一项的评分与我方材料不符，请复核。"


def proposal_of(call, org) -> Proposal:
    return db.session.scalar(select(Proposal).where(Proposal.call_id == call.id, Proposal.org_id == org.id))


def other_proposal(call, org) -> Proposal:
    return db.session.scalars(select(Proposal).where(Proposal.call_id == call.id, Proposal.org_id != org.id)).first()


def scores_url(call, proposal) -> str:
    return f"/evaluation/calls/{call.id}/results/proposals/{proposal.id}"


def test_an_applicant_sees_its_own_scores_by_criterion_with_the_experts_numbered(client, login_as, in_publicity):
    call, loser, manager = in_publicity
    own = proposal_of(call, loser)
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    score = db.session.scalars(select(Score).join(ScoreSheet, Score.sheet_id == ScoreSheet.id)
                               .where(ScoreSheet.proposal_id == own.id)).first()
    score.comment = "预算测算依据不足。"  # written for the officers
    db.session.commit()
    login_as(manager)
    page = client.get(f"/calls/{call.id}", headers=ZH).text
    row = page.split('id="results"', 1)[1].split("</table>", 1)[0]
    assert f'href="{scores_url(call, own)}" id="own-scores-{own.id}">我方各指标得分</a>' in row
    assert row.count("own-scores-") == 1  # only its own proposal's

    response = client.get(scores_url(call, own), headers=ZH)
    page = html.unescape(response.text)
    assert response.status_code == 200 and f'href="/calls/{call.id}">← {call.title}</a>' in page
    table = page.split('id="criterion-scores"', 1)[1].split("</table>", 1)[0]
    assert all(f">专家 {n}</th>" in table for n in "ABC")  # lettered as its comments on the proposal's page
    assert not any(m.user.display_name in page for m in panel.members)  # names never shown to the applicant
    assert "预算测算依据不足。" not in page and "专家姓名不向申报方公开" in page
    criterion = panel.template.criteria[0]
    half = criterion.max_points * 2 * 70 // 100  # the loser's sheets gave 70% on every criterion
    cells = table.split(f'id="criterion-{criterion.id}"', 1)[1].split("</tr>", 1)[0]
    assert cells.count(f"{half // 2}.{50 if half % 2 else '00'}") == 4  # three experts and the mean
    english = client.get(scores_url(call, own), headers=EN).text
    assert ">Expert A</th>" in english and "The experts are not named to applicants" in english


def test_another_organisations_scores_and_an_experts_visit_are_refused(client, login_as, in_publicity):
    call, loser, manager = in_publicity
    login_as(manager)
    assert client.get(scores_url(call, other_proposal(call, loser))).status_code == 404
    logout(client)
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    login_as(panel.members[0].user)  # an expert, of no organisation: as before
    assert client.get(scores_url(call, proposal_of(call, loser))).status_code == 403


def test_before_the_results_are_published_an_applicant_sees_no_scores(app, client, login_as):
    officer = make_user(Role.OFFICER)
    call, orgs, props, ranking = fully_scored(app, officer)
    db.session.commit()
    member = next(m.user for m in orgs[1].memberships)
    login_as(member)
    assert client.get(scores_url(call, props[1])).status_code == 404  # under review
    assert "own-scores-" not in client.get(f"/calls/{call.id}").text
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000}, "一个名额", 5, actor=officer)
    db.session.commit()
    assert client.get(scores_url(call, props[1])).status_code == 200


def lodge(client, call, org, reasons=REASONS):
    return client.post(f"/calls/{call.id}/objections", data={
        "org_id": org.id, "reasons": reasons, "file": (io.BytesIO(EVIDENCE), "复核材料.pdf")})


def test_the_objecting_organisation_sees_its_objection_its_evidence_and_the_answer(app, client, login_as,
                                                                                   in_publicity):
    call, loser, manager = in_publicity
    login_as(manager)
    assert lodge(client, call, loser).status_code == 302
    objection = db.session.scalar(select(Objection))
    page = html.unescape(client.get(f"/calls/{call.id}", headers=ZH).text)
    item = page.split(f'id="objection-{objection.id}"', 1)[1].split("</li>", 1)[0]
    assert "本机构的质疑" in item and f"提出方：{loser.name}" in item and "待答复" in item
    assert f'href="/proposals/files/{objection.file.key}" class="objection-file inline-target">' \
           "本机构提交的材料：复核材料.pdf" in item
    assert client.get(f"/proposals/files/{objection.file.key}").data == EVIDENCE

    with app.test_request_context():
        awards.answer_objection(objection, False, "经复核，评分与材料相符。", actor=make_user(Role.OFFICER))
    db.session.commit()
    item = html.unescape(client.get(f"/calls/{call.id}", headers=ZH).text).split(
        f'id="objection-{objection.id}"', 1)[1].split("</li>", 1)[0]
    assert "质疑不成立" in item
    assert "<strong>答复：</strong> 经复核，评分与材料相符。" in item

    logout(client)  # another applicant sees the objection as the public does: not theirs, no evidence
    rival = next(m.user for m in other_proposal(call, loser).org.memberships)
    login_as(rival)
    item = html.unescape(client.get(f"/calls/{call.id}", headers=ZH).text).split(
        f'id="objection-{objection.id}"', 1)[1].split("</li>", 1)[0]
    assert REASONS in item and "本机构的质疑" not in item and loser.name not in item and "/proposals/files/" not in item
    assert client.get(f"/proposals/files/{objection.file.key}").status_code == 404


def test_a_member_of_two_applicants_chooses_which_objects(app, client, login_as, in_publicity):
    call, loser, manager = in_publicity
    rival_org = other_proposal(call, loser).org
    rival_manager = next(m.user for m in rival_org.memberships)
    with app.test_request_context():
        invited = org_services.invite_member(rival_org, manager.username, "member", actor=rival_manager)
        org_services.answer_invitation(invited, True, actor=manager)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/calls/{call.id}", headers=ZH).text
    chooser = page.split('id="objection-org"', 1)[1].split("</select>", 1)[0]
    assert f'value="{loser.id}"' in chooser and f'value="{rival_org.id}"' in chooser
    assert lodge(client, call, rival_org, "第二项：公示材料缺少评分明细，请说明。").status_code == 302
    assert db.session.scalar(select(Objection)).org_id == rival_org.id
