"""A QA walk of independent evaluators: the final evaluation is 终期评估; a call whose review is over is listed
under 已结束 and offers no conflict declaration (it would be refused); a sheet sent back says 已退回 and why; blind
redaction reads （申报单位）, not ■■; the relationship is said to be required when declaring a conflict; an
assigned evaluator who has not declared is sent to declare from the workspace (others still get 404)."""

import re

import pytest

from accounts.enums import Role
from core.db import db
from evaluation import aggregate, panels, score_sheets, services, templates
from evaluation.enums import SeatType, SheetStatus
from projects import awards
from projects.enums import CallStatus
from tests.evaluation.helpers import closed_call_with_proposals, drawn_panel, expert
from tests.evaluation.project_helpers import commissioned
from tests.factories import logout, make_user

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _card(page: str, call_id: int) -> str:
    return page.split(f'id="panel-call-{call_id}"', 1)[1].split('<div class="card mb-3', 1)[0]


def _blind_call_in_publicity(app, officer):
    """A blind call, every sheet submitted, the decision taken: its results are in publicity."""
    call, orgs, props = closed_call_with_proposals(app, officer, n=2, blind=True)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
        for member in panel.members:
            for proposal in props:
                services.declare(member, proposal, False, "", actor=member.user)
                sheet = score_sheets.sheet_for(member, proposal)
                score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * 70 // 100, "")
                                                 for c in panel.template.criteria}, actor=member.user)
                score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in services.results(panel)]
        awards.decide(call, ranking, {ranking[0].proposal_id: 10_000_000}, "一个名额", 5, actor=officer)
    db.session.commit()
    assert call.status == CallStatus.PUBLICITY
    return call, panel


def test_the_final_evaluation_is_called_zhongqi_in_the_seeded_template_and_the_report(app):
    assert templates.DEFAULTS["project"][2] == "政府购买服务项目中期、终期评估的默认指标体系。"
    with app.test_request_context():
        source = app.jinja_env.loader.get_source(app.jinja_env, "evaluation/evaluation_report_pdf.html")[0]
    assert "'终期评估' if evaluation.kind == 'final'" in source and "末期" not in source


def test_a_finished_blind_call_is_listed_apart_and_offers_no_declaration(app, client, officer, login_as):
    done, panel = _blind_call_in_publicity(app, officer)
    member = panel.members[0]
    # the same expert on a call still under review
    new, _orgs, _props = closed_call_with_proposals(app, officer, n=2, blind=True)
    with app.test_request_context():
        current = panels.draw_panel(new, {"social_service": 3}, actor=officer)
    db.session.commit()
    assert member.user_id in {m.user_id for m in current.members}
    login_as(member.user)
    page = client.get("/evaluation/assignments", headers=ZH).get_data(as_text=True)
    heading = page.index('id="finished-reviews"')
    assert page.index(f'id="panel-call-{new.id}"') < heading < page.index(f'id="panel-call-{done.id}"')
    assert "已结束" in page[heading:heading + 80]
    finished = _card(page, done.id)
    assert "declare-applicant" not in finished and "<form" not in finished
    assert "利益冲突申报和评分均已关闭" in finished and "结果公示" in finished
    open_card = _card(page, new.id)
    assert f"计划评审日期：{new.review_planned_on}" in open_card and "计划评审日期" not in finished
    assert f'id="declare-applicant-{current.members[[m.user_id for m in current.members].index(member.user_id)].id}"' \
        in open_card and "已关闭" not in open_card


def test_a_sheet_sent_back_says_so_with_the_reason(app, client, officer, login_as):
    call, _orgs, props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    with app.test_request_context():
        services.declare(member, props[0], False, "", actor=member.user)
        sheet = score_sheets.sheet_for(member, props[0])
        score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * 70 // 100, "") for c in panel.template.criteria},
                                 actor=member.user)
        score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    db.session.commit()
    login_as(officer)
    reason = "需求分析一项的分数与评语不符，请核对。"
    assert client.post("/evaluation/sheets/reopen", data={"sheet_id": sheet.id, "reason": reason}).status_code == 302
    logout(client)
    login_as(member.user)
    page = client.get("/evaluation/assignments", headers=ZH).get_data(as_text=True)
    row = page.split(f'id="assignment-{props[0].id}"', 1)[1].split("</li>", 1)[0]
    assert "已退回" in row and reason in row and "草稿" not in row


def test_blind_redaction_says_the_applicant_placeholder(app, client, officer, login_as):
    call, orgs, props, panel = drawn_panel(app, officer, blind=True)
    member = panel.members[0]
    props[0].summary = f"{orgs[0].name}：扎根社区十年。"
    with app.test_request_context():
        services.declare(member, props[0], False, "", actor=member.user)
    db.session.commit()
    login_as(member.user)
    page = client.get(f"/evaluation/members/{member.id}/proposals/{props[0].id}", headers=ZH).get_data(as_text=True)
    assert "（申报单位）：扎根社区十年。" in page and "■" not in page and orgs[0].name not in page


def test_the_relationship_is_said_to_be_required_when_declaring_a_conflict(app, client, officer, login_as):
    _call, _orgs, props, panel = drawn_panel(app, officer)
    login_as(panel.members[0].user)
    page = client.get("/evaluation/assignments", headers=ZH).get_data(as_text=True)
    row = page.split(f'id="assignment-{props[0].id}"', 1)[1].split("</li>", 1)[0]
    field = re.search(r'<input[^>]*name="relationship"[^>]*>', row).group(0)
    assert 'placeholder="关系说明（申报有利益冲突时必填）"' in field and "如有" not in row


def test_an_undeclared_evaluator_is_sent_to_declare_and_others_get_404(app, client, login_as):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app, declare=False)
    db.session.commit()
    login_as(evaluator)
    response = client.get(f"/evaluations/{evaluation.id}/workspace", headers=ZH)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/evaluations/{evaluation.id}#declare-form")
    page = client.get(response.headers["Location"], headers=ZH).get_data(as_text=True)
    assert "请先申报是否存在利益冲突，再进入评估工作台。" in page and 'id="declare-form"' in page
    logout(client)
    login_as(make_user(Role.EVALUATOR))
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 404



def test_no_first_declaration_once_the_review_is_over(app, officer):
    """The page offers no form once the review is over; a crafted first declaration is refused too, recording
    nothing (a replacement was refused already)."""
    from core.errors import Conflict
    from projects import calls

    call, _orgs, props = closed_call_with_proposals(app, officer, n=2)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
        calls.transition_call(call, CallStatus.CANCELLED, actor=officer, reason="预算取消")
        member = panel.members[0]
        with pytest.raises(Conflict):
            services.declare(member, props[0], True, "后来想起的关系", actor=member.user)
        with pytest.raises(Conflict):
            services.declare(member, props[1], False, "", actor=member.user)
    assert services.declarations(member) == {}
