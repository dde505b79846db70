"""An applicant learns how its own proposal was scored once the call's results are decided: on its proposal's page
and in the API (`result`), its rank, the final score as the results page computes it, each criterion's mean beside
its maximum and the experts' comments under letters (专家 A, B…), never a name; a proposal screened out says why.
Nothing before the decision; another organisation gets 404; the organisation is told once."""

import html
import json
import re
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from accounts.tokens import create_token
from core.db import db, utcnow
from evaluation import aggregate, panels, score_sheets, services
from evaluation.applicant_results import expert_order
from evaluation.enums import SeatType, SheetStatus
from orgs.models import Membership
from projects import awards, calls, proposals
from projects.award_models import AwardDecision
from projects.enums import CallStatus, ProposalStatus
from tests.evaluation.helpers import expert
from tests.factories import logout, make_user, statements_during
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
# member n's share of each criterion's maximum, for proposals 0, 1 and 2 (proposal 3 is screened out)
SHARES = [(80, 60, 40), (90, 70, 50), (70, 65, 60)]
SCREENING = "未按要求提交上一年度年报。"
ZH_NOTICE = ("项目征集“助老”的评审结果已确定：贵机构申报书的结果和专家评分情况可在申报书页面查看，"
             "质疑截止日期为 2026-07-01。")


def comment(proposal_n: int, member_n: int, criterion_n: int) -> str:
    return f"第{proposal_n}份第{member_n}位第{criterion_n}项意见"


def build(app, decide=True):
    """A call with three eligible proposals scored by three experts (each score with its comment) and one screened
    out; decided (the first proposal awarded) unless not `decide`, committed."""
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer, mode="project_application")
        orgs, props = [], []
        for i in range(4):
            manager = make_user()
            org = good_org(manager, officer, name=f"结果告知测试中心{i}")
            proposal = ready_proposal(call, org, manager)
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
            orgs.append(org), props.append(proposal)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        for p in props[:3]:
            proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        proposals.transition_proposal(props[3], ProposalStatus.INELIGIBLE, actor=officer, reason=SCREENING, now=after)
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=after)
        for _ in range(3):
            expert(SeatType.SOCIAL_SERVICE, officer=officer)
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
        criteria = panel.template.criteria
        for m, member in enumerate(panel.members):
            for p, proposal in enumerate(props[:3]):
                services.declare(member, proposal, False, "", actor=member.user)
                sheet = score_sheets.sheet_for(member, proposal)
                score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * SHARES[p][m] // 100, comment(p, m, n))
                                                 for n, c in enumerate(criteria)}, actor=member.user)
                score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        if decide:
            ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in services.results(panel)]
            winner = ranking[0].proposal_id
            awards.decide(call, ranking, {winner: 100_000_00}, "预算有限", 5, actor=officer)
    db.session.commit()
    return officer, call, orgs, props, panel


def manager_of(org):
    return next(m.user for m in org.memberships)


def bearer(user):
    _t, plain = create_token(user, "t", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def page(client, proposal, headers=ZH) -> str:
    response = client.get(f"/proposals/{proposal.id}", headers=headers)
    assert response.status_code == 200
    return html.unescape(response.text)


def text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def section(body: str) -> str:
    return body.split('id="review-scores"', 1)[1].split("</section>", 1)[0]


def test_nothing_is_said_before_the_decision(app, client, login_as, session):
    _officer, _call, orgs, props, _panel = build(app, decide=False)
    manager = manager_of(orgs[1])
    login_as(manager)
    body = page(client, props[1])
    assert 'id="review-result"' not in body and 'id="review-scores"' not in body
    assert comment(1, 0, 0) not in body
    item = client.get(f"/api/v1/proposals/{props[1].id}", headers=bearer(manager)).get_json()
    assert item["result"] is None
    assert all(i["result"] is None for i in client.get("/api/v1/proposals", headers=bearer(manager))
               .get_json()["items"])


def test_the_applicant_sees_its_scores_as_the_results_page_computes_them(app, client, login_as, session):
    _officer, call, orgs, props, panel = build(app)
    computed = {r.proposal_id: r for r in services.results(panel)}
    own = props[1]
    decision = db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == own.id))
    mine = computed[own.id]
    assert decision.final_score == aggregate.fmt(mine.final)
    login_as(manager_of(orgs[1]))
    body = page(client, own)
    box = text(body.split('id="review-result"', 1)[1].split("</div>", 1)[0])
    assert f"在 3 份申报书中排名第 {mine.rank}，最终得分 {aggregate.fmt(mine.final)}。" in box
    scores = section(body)
    assert "评审结果" in body and "专家评分情况" in scores
    rows = re.findall(r'<tr><th scope="row"[^>]*>(.*?)</th><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>',
                      scores.split("<tbody>", 1)[1].split("</tbody>", 1)[0])
    assert [(t, m, int(x)) for t, m, x in rows] == [
        (c.title, aggregate.fmt(mine.criterion_means[c.id]), c.max_points) for c in panel.template.criteria]
    final = text(scores.split('id="final-score">', 1)[1].split("</tr>", 1)[0])
    assert final == f"最终得分 {aggregate.fmt(mine.final)} {panel.template.total_points}"
    # three experts, each under a letter, with their own comments on this proposal and no one else's
    labels = re.findall(r'<p class="fw-bold mb-1">(专家 [A-Z])</p>', scores)
    assert labels == ["专家 A", "专家 B", "专家 C"]
    assert all(comment(1, m, n) in scores for m in range(3) for n in range(len(panel.template.criteria)))
    assert not any(comment(p, 0, 0) in body for p in (0, 2))
    # the letters follow the keyed order, not the draw: expert A wrote what the first in that order wrote
    ordered = expert_order(own.id, panel.members)
    blocks = scores.split('class="border rounded p-2 mb-2 expert-remarks"')[1:]
    for block, member in zip(blocks, ordered, strict=True):
        assert comment(1, panel.members.index(member), 0) in block
    assert page(client, own).count("专家 A") == body.count("专家 A")  # the same on every visit


def test_the_experts_are_never_named(app, client, login_as, session):
    _officer, call, orgs, props, panel = build(app)
    manager = manager_of(orgs[2])
    login_as(manager)
    body = page(client, props[2]) + page(client, props[2], EN)
    item = client.get(f"/api/v1/proposals/{props[2].id}", headers=bearer(manager)).get_data(as_text=True)
    for member in panel.members:
        for identity in (member.user.display_name, member.user.username):
            assert identity not in body and identity not in item
        assert f'"user_id": {member.user_id}' not in item and f"expert-{member.id}" not in body
    assert "Expert A" in body and "How the experts scored it" in body


def test_another_organisation_gets_404_and_the_staff_see_it(app, client, login_as, session):
    officer, _call, orgs, props, _panel = build(app)
    rival = manager_of(orgs[0])
    login_as(rival)
    assert client.get(f"/proposals/{props[1].id}").status_code == 404
    assert client.get(f"/api/v1/proposals/{props[1].id}", headers=bearer(rival)).status_code == 404
    for staff in (officer, make_user(Role.AUDITOR)):
        logout(client)
        login_as(staff)
        assert comment(1, 0, 0) in page(client, props[1])


def test_a_proposal_screened_out_says_why(app, client, login_as, session):
    _officer, _call, orgs, props, _panel = build(app)
    manager = manager_of(orgs[3])
    login_as(manager)
    body = page(client, props[3])
    box = text(body.split('id="review-result"', 1)[1].split("</div>", 1)[0])
    assert "未通过资格审查" in box and SCREENING in box
    assert 'id="review-scores"' not in body and body.count(SCREENING) == 1
    result = client.get(f"/api/v1/proposals/{props[3].id}", headers=bearer(manager)).get_json()["result"]
    assert result["state"] == "screened_out" and result["screening_reason"] == SCREENING
    assert result["rank"] is None and result["criteria"] == [] and result["experts"] == []


def test_the_api_result_object(app, client, session):
    _officer, _call, orgs, props, panel = build(app)
    computed = {r.proposal_id: r for r in services.results(panel)}
    winner = next(p for p in props if p.id in computed and computed[p.id].rank == 1)
    manager = manager_of(winner.org)
    result = client.get(f"/api/v1/proposals/{winner.id}", headers=bearer(manager)).get_json()["result"]
    mine = computed[winner.id]
    assert result["state"] == "ranked" and result["final"] is False and result["publicity_ends_on"]
    assert (result["rank"], result["ranked"], result["final_score"]) == (1, 3, aggregate.fmt(mine.final))
    assert result["awarded"] is True and result["amount_fen"] == 100_000_00
    assert result["criteria"] == [{"title": c.title, "mean": aggregate.fmt(mine.criterion_means[c.id]),
                                   "max_points": c.max_points} for c in panel.template.criteria]
    assert [e["expert"] for e in result["experts"]] == ["A", "B", "C"]
    n = props.index(winner)
    assert {c["comment"] for e in result["experts"] for c in e["comments"]} == {
        comment(n, m, k) for m in range(3) for k in range(len(panel.template.criteria))}
    listed = client.get("/api/v1/proposals", headers=bearer(manager)).get_json()["items"]
    assert [i["result"] for i in listed] == [result]
    loser = next(p for p in props if p.id in computed and computed[p.id].rank == 3)
    other = client.get(f"/api/v1/proposals/{loser.id}", headers=bearer(manager_of(loser.org))).get_json()["result"]
    assert (other["rank"], other["awarded"], other["amount_fen"]) == (3, False, 0)


def test_queries_do_not_grow_with_the_proposals_listed(app, client, session):
    _officer, _call, orgs, props, _panel = build(app)
    manager = manager_of(orgs[0])
    headers = bearer(manager)

    def run() -> tuple[list[str], int]:
        db.session.expire_all()
        statements, response = statements_during(lambda: client.get("/api/v1/proposals", headers=headers))
        assert response.status_code == 200
        reads = [s for s in statements if not s.startswith("UPDATE api_tokens")]  # (the token's first use)
        return reads, len(response.get_json()["items"])

    one = run()
    for org in orgs[1:]:
        db.session.add(Membership(org_id=org.id, user_id=manager.id, role="member", status="active"))
    db.session.commit()
    four = run()
    assert (one[1], four[1]) == (1, 4) and len(one[0]) == len(four[0])


def test_the_organisation_is_told_once(app, client, session):
    officer, call, orgs, props, _panel = build(app)
    notes = list(db.session.scalars(select(Notification).where(Notification.code.in_(
        ["call.result_available", "call.publicity"]))))
    members = {m.user_id: org for org in orgs for m in org.memberships if m.status == "active"}
    assert sorted(n.user_id for n in notes) == sorted(members)  # each member once, the bare notice not as well
    for note in notes:
        assert note.code == "call.result_available"
        own = next(p for p in props if p.org_id == members[note.user_id].id)
        assert note.link == f"/proposals/{own.id}#review-result"
        assert call.title in note.text
    with app.test_request_context():
        assert awards.finish_if_due(call, now=utcnow() + timedelta(days=30))  # awarded: its own notice, not this
    db.session.commit()
    assert db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.code == "call.result_available")) == len(notes)


def test_the_letters_do_not_follow_the_draw(app, session):
    _officer, _call, _orgs, _props, panel = build(app, decide=False)
    with app.app_context():
        orders = {tuple(m.id for m in expert_order(pid, panel.members)) for pid in range(1, 31)}
    assert len(orders) > 1  # the order depends on the proposal (with three experts, 6 orders are possible)


def test_the_results_decided_notice_reads_in_both_languages(app):
    def read(locale: str) -> str:
        with app.test_request_context(), force_locale(locale):
            return Notification(code="call.result_available",
                                data=json.dumps({"call": "助老", "ends_on": "2026-07-01"}, ensure_ascii=False)).text

    assert read("en") == ("The results of “助老” are decided: your proposal's result and how the experts scored it "
                          "are on its page; objections may be lodged until 2026-07-01.")
    assert read("zh_Hans_CN") == ZH_NOTICE


def test_the_expert_is_told_on_the_sheet_that_the_applicant_reads_the_comments(app, client, login_as, session):
    _officer, _call, _orgs, props, panel = build(app, decide=False)
    member = panel.members[0]
    login_as(member.user)
    body = client.get(f"/evaluation/members/{member.id}/proposals/{props[0].id}", headers=ZH).get_data(as_text=True)
    notice = body[body.index('id="comments-shown"'):]
    assert "申报单位可以看到您的评分和评语" in notice and "不要署名" in notice
    assert notice.index("</p>") < notice.index('id="score-sheet"')  # read before the sheet
