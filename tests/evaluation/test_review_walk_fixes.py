"""A QA walk of the review by experts and officers: the results page says it is provisional while sheets are missing
(how many of how many) and lists the proposals with no score yet; divergence is explained, and named after the
review; one proposal's scores criterion by criterion; a sheet sent back asks first, names the call and proposal in
the expert's notice and says the officer's reason on the sheet; a missing comment is said on the comment, in points;
the expert's list asks to declare only when there is something to declare; the sheet shows its total, its number
and the next proposal."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from core.db import db
from core.errors import ServiceError
from evaluation import panels, score_sheets, services
from evaluation.enums import SheetStatus
from evaluation.models import Panel
from projects import awards, calls, proposals
from projects.enums import ProposalStatus
from tests.evaluation.helpers import drawn_panel, expert, fully_scored, review_panel
from tests.factories import logout, make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def score(app, member, proposal, share=70, submit=True):
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
        sheet = score_sheets.sheet_for(member, proposal)
        score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * share // 100, "")
                                         for c in member.panel.template.criteria}, actor=member.user)
        if submit:
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    db.session.commit()
    return sheet


def page_of(client, url) -> str:
    return html.unescape(client.get(url, headers=ZH).get_data(as_text=True))


def test_results_during_the_review_are_provisional_and_list_the_proposals_not_scored(app, client, login_as):
    officer, call, _orgs, props, panel = review_panel(app)
    score(app, panel.members[0], props[0])
    login_as(officer)
    page = page_of(client, f"/evaluation/calls/{call.id}/results")
    progress = page.split('id="sheets-progress"', 1)[1].split("</div>", 1)[0]
    assert "暂定" in progress and "已提交评分表 1 份，共 9 份。" in progress
    ranked = page.split(f'id="ranked-{props[0].id}"', 1)[1].split("</tr>", 1)[0]
    assert "暂定" in ranked and "1 / 3" in ranked
    for p in props[1:]:  # not left out of the table
        row = page.split(f'id="unscored-{p.id}"', 1)[1].split("</tr>", 1)[0]
        assert "尚无评分" in row and p.org.name in row and "0 / 3" in row
    assert 'class="table table-stack" id="ranking"' in page  # a card per proposal on a phone
    assert 'id="divergence-legend"' not in page and "偏离" not in page  # nothing diverges: no legend for it
    assert panel.members[0].user.display_name not in ranked  # not named during the review
    logout(client)
    login_as(panel.members[1].user)  # nothing declared yet: the list asks to declare first
    assert "请先声明" in page_of(client, "/evaluation/assignments").split(f'id="panel-call-{call.id}"', 1)[1]


def test_a_complete_review_is_not_provisional_and_names_the_diverging_expert_once_decided(app, client, login_as,
                                                                                         officer):
    call, _orgs, props, ranking = fully_scored(app, officer, shares=(75, 70, 80))
    login_as(officer)
    page = page_of(client, f"/evaluation/calls/{call.id}/results")
    assert "暂定" not in page.split('id="sheets-progress"', 1)[1].split("</div>", 1)[0]
    assert "已提交评分表 9 份，共 9 份。" in page and "尚无评分" not in page
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000}, "一个名额", 5, actor=officer)
    db.session.commit()
    page = page_of(client, f"/evaluation/calls/{call.id}/results")
    names = [m.user.display_name for m in
             db.session.scalar(select(Panel).where(Panel.call_id == call.id)).members]
    ranked = page.split(f'id="ranked-{props[0].id}"', 1)[1].split("</tr>", 1)[0]
    assert all(name in ranked for name in names)  # after the review, which total is whose


def test_one_proposals_scores_by_criterion_named_after_the_review(app, client, login_as, officer):
    call, _orgs, props, ranking = fully_scored(app, officer)
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    criteria = panel.template.criteria
    url = f"/evaluation/calls/{call.id}/results/proposals/{props[1].id}"
    login_as(officer)
    page = page_of(client, url)
    row = page.split(f'id="criterion-{criteria[0].id}"', 1)[1].split("</tr>", 1)[0]
    half = criteria[0].max_points * 2 * 70 // 100
    assert row.count(f"{half // 2}.{50 if half % 2 else '00'}") == 4  # three experts and the mean
    assert "专家 1" in page and panel.members[0].user.display_name not in page
    assert f'href="{url}"' in page_of(client, f"/evaluation/calls/{call.id}/results")  # linked from the results
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000}, "一个名额", 5, actor=officer)
    db.session.commit()
    assert all(m.user.display_name in page_of(client, url) for m in panel.members)
    logout(client)
    login_as(panel.members[0].user)  # an expert never sees the others' scores here
    assert client.get(url).status_code == 403


def test_a_sheet_sent_back_asks_first_tells_the_expert_which_and_shows_the_reason(app, client, login_as):
    officer, call, _orgs, props, panel = review_panel(app)
    member = panel.members[0]
    sheet = score(app, member, props[1])
    login_as(officer)
    page = page_of(client, f"/evaluation/calls/{call.id}/results")
    reopen = page.split('id="sheets"', 1)[1]
    assert re.search(r'<button[^>]*data-confirm="确定将此评分表退回专家重评？[^"]*"[^>]*>退回重评<', reopen)
    reason = "需求分析一项的分数与评语不符，请核对。"
    assert client.post("/evaluation/sheets/reopen", data={"sheet_id": sheet.id, "reason": reason}).status_code == 302
    note = db.session.scalar(select(Notification).where(Notification.user_id == member.user_id,
                                                        Notification.code == "sheet.reopened_named"))
    sheet_url = f"/evaluation/members/{member.id}/proposals/{props[1].id}"
    assert note.link == sheet_url and call.title in note.text and reason in note.text
    logout(client)
    login_as(member.user)
    page = page_of(client, sheet_url)
    assert reason in page.split('id="sent-back"', 1)[1].split("</div>", 1)[0]
    assert page.index('id="sent-back"') < page.index('id="score-sheet"')  # at the top, above the scores


def test_in_blind_review_the_notice_and_the_sheet_say_the_proposals_number_only(app, client, login_as, officer):
    call, orgs, props, panel = drawn_panel(app, officer, blind=True)
    member = panel.members[0]
    sheet = score(app, member, props[2])
    with app.test_request_context():
        score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer, reason="请复核")
    db.session.commit()
    note = db.session.scalar(select(Notification).where(Notification.user_id == member.user_id,
                                                        Notification.code == "sheet.reopened_blind"))
    assert "申报书 3" in note.text and orgs[2].name not in note.text
    login_as(member.user)
    page = page_of(client, note.link)
    assert "申报书 3" in page.split('id="proposal-number"', 1)[1].split("<", 1)[0]


def test_a_missing_comment_is_said_on_the_comment_in_the_criterions_points(app):
    _officer, _call, _orgs, _props, panel = review_panel(app)
    for c in panel.template.criteria:
        low, _high = score_sheets.comment_bounds(c.max_points)
        with pytest.raises(ServiceError) as refused:
            score_sheets.validate_entries([c], {c.id: (0, "")}, submitting=True)
        assert set(refused.value.fields) == {f"comment{c.id}"}
        assert c.max_points <= 10  # the default template's: the upper bound is full marks (test_comment_rule_wording)
        assert refused.value.fields[f"comment{c.id}"] == f"得分在 {low} 分及以下或为满分时，须填写评语。"


def test_the_sheet_shows_its_total_and_after_submitting_the_next_proposal(app, client, login_as):
    _officer, _call, _orgs, props, panel = review_panel(app)
    member = panel.members[0]
    for p in props[:2]:
        with app.test_request_context():
            services.declare(member, p, False, "", actor=member.user)
    db.session.commit()
    login_as(member.user)
    criteria = panel.template.criteria
    url = f"/evaluation/members/{member.id}/proposals/{props[0].id}"
    form = {f"c{c.id}": str(c.max_points // 2) for c in criteria} | {f"comment{c.id}": "评语" for c in criteria}
    assert client.post(url, data=form | {"action": "submit"}).status_code == 302
    page = page_of(client, url)
    total = sum(c.max_points // 2 for c in criteria)
    assert f'<span id="sheet-total-value">{total}</span> / {panel.template.total_points}' in page
    assert 'src="/static/js/sheet_total.js"' in page
    following = page.split('id="next-proposal"', 1)[1].split("</p>", 1)[0]
    assert f'href="/evaluation/members/{member.id}/proposals/{props[1].id}"' in following and "申报书 2" in following
    client.post(f"/evaluation/members/{member.id}/proposals/{props[1].id}", data=form | {"action": "submit"})
    following = page_of(client, f"/evaluation/members/{member.id}/proposals/{props[1].id}").split(
        'id="next-proposal"', 1)[1].split("</p>", 1)[0]
    assert f'href="/evaluation/assignments#assignment-{props[2].id}"' in following  # declared on first
    assert "申报书 3" in following


def test_the_list_asks_to_declare_only_when_there_is_something_to_declare(app, client, login_as, officer):
    with app.test_request_context():  # a panel drawn while the proposals are not yet screened
        call = published_call(officer, mode="project_application")
        manager = make_user()
        proposal = ready_proposal(call, good_org(manager, officer, name="未筛查服务中心"), manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        calls.close_if_due(call, now=call.submission_deadline + timedelta(minutes=1))
        for _ in range(3):
            expert(officer=officer)
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    db.session.commit()
    login_as(panel.members[0].user)
    card = page_of(client, "/evaluation/assignments").split(f'id="panel-call-{call.id}"', 1)[1]
    assert "请先声明" not in card and "暂无待评审的申报书" in card


def test_the_list_does_not_ask_to_declare_once_everything_is_declared(app, client, login_as, officer):
    call, _orgs, props, _ranking = fully_scored(app, officer)
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    login_as(panel.members[0].user)
    card = page_of(client, "/evaluation/assignments").split(f'id="panel-call-{call.id}"', 1)[1]
    assert f'id="assignment-{props[0].id}"' in card and "请先声明" not in card
