from fractions import Fraction

import pytest
from sqlalchemy import select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from evaluation import panels, score_sheets, services, templates
from evaluation.enums import SeatType, SheetStatus, TemplatePurpose
from tests.evaluation.helpers import closed_call_with_proposals, default_template, expert
from tests.factories import make_user

S, F = SeatType.SOCIAL_SERVICE, SeatType.FINANCE


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def test_default_template_adds_up_to_100(officer):
    template = default_template(officer)
    assert template.total_points == 100 and len(template.sections) == 6
    with pytest.raises(ServiceError):
        templates.build("坏模板", [("一", [("甲", 60, ""), ("乙", 30, "")])], actor=officer,
                        purpose=TemplatePurpose.PROPOSAL_REVIEW)
    parsed = templates.parse_outline(templates.outline_of(template))
    assert parsed == templates.as_sections(template)


def test_draw_excludes_affiliated_experts_and_is_reproducible(app, officer):
    call, orgs, _props = closed_call_with_proposals(app, officer)
    tied = expert(S, affiliations=[orgs[0]], officer=officer)  # works for an applicant
    pool = [expert(S, officer=officer) for _ in range(5)] + [expert(F, officer=officer) for _ in range(3)]
    panel = panels.draw_panel(call, {"social_service": 3, "finance": 2},
                              actor=officer, seed="fixed-seed")
    members = [m.user_id for m in panel.members]
    assert tied.id not in members and tied.id not in [c["user_id"] for c in panel.candidates]
    assert len(members) == 5 and set(members) <= {u.id for u in pool}
    assert panels.redraw(panel) == members  # anyone can re-run the draw from the seed
    assert panel.template.frozen and panel.template.total_points == 100
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "panel.drawn"))
    assert "fixed-seed" in event.data


def test_draw_rules(app, officer):
    call, _orgs, _props = closed_call_with_proposals(app, officer, mode="public_tender")
    for _ in range(4):
        expert(S, officer=officer)
    with pytest.raises(ServiceError):  # even
        panels.draw_panel(call, {"social_service": 4}, actor=officer)
    with pytest.raises(ServiceError):  # a public tender needs 5
        panels.draw_panel(call, {"social_service": 3}, actor=officer)
    with pytest.raises(Conflict):  # not enough experts
        panels.draw_panel(call, {"social_service": 5}, actor=officer)


def test_experts_over_their_yearly_limit_are_not_drawn(app, officer):
    call_a, _o, _p = closed_call_with_proposals(app, officer)
    call_b, _o, _p = closed_call_with_proposals(app, officer)
    for _ in range(3):
        expert(S, officer=officer)
    panels.draw_panel(call_a, {"social_service": 3}, actor=officer,
                      max_panels_per_year=1)
    with pytest.raises(Conflict):
        panels.draw_panel(call_b, {"social_service": 1}, actor=officer,
                          max_panels_per_year=1)


def test_replacement_draws_from_the_same_seat(app, officer):
    call, _orgs, _props = closed_call_with_proposals(app, officer)
    for _ in range(5):
        expert(S, officer=officer)
    panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    out = panel.members[0]
    with pytest.raises(ServiceError):
        panels.replace_member(out, "recused", "", actor=officer)
    new = panels.replace_member(out, "recused", "与申报单位有亲属关系", actor=officer)
    assert out.status == "recused" and new.user_id not in {m.user_id for m in panel.members[:3]}
    assert len(panel.sitting) == 3


def scored_panel(app, officer, members=3):
    call, orgs, props = closed_call_with_proposals(app, officer)
    for _ in range(members):
        expert(S, officer=officer)
    panel = panels.draw_panel(call, {"social_service": members}, actor=officer)
    return call, panel, props


def test_conflicted_member_never_sees_or_scores_that_proposal(app, officer):
    call, panel, props = scored_panel(app, officer)
    member = panel.members[0]
    user = member.user
    assert not services.can_see_proposal(member, props[0])  # nothing visible before declaring
    services.declare(member, props[0], True, "曾任该机构理事", actor=user)
    services.declare(member, props[1], False, "", actor=user)
    assert not services.can_see_proposal(member, props[0]) and services.can_see_proposal(member, props[1])
    with pytest.raises(Conflict):
        services.declare(member, props[0], False, "", actor=user)  # cannot take it back
    sheet = score_sheets.sheet_for(member, props[0])
    with pytest.raises(ServiceError):
        score_sheets.save_scores(sheet, {}, actor=user)
    with pytest.raises(ServiceError):
        services.declare(panel.members[1], props[2], True, "", actor=panel.members[1].user)  # needs a note


def test_scoring_ranges_half_points_and_comments(app, officer):
    call, panel, props = scored_panel(app, officer)
    member = panel.members[0]
    services.declare(member, props[0], False, "", actor=member.user)
    sheet = score_sheets.sheet_for(member, props[0])
    criteria = panel.template.criteria
    first = criteria[0]  # maximum 8
    with pytest.raises(ServiceError):
        score_sheets.save_scores(sheet, {first.id: (17, "")}, actor=member.user)  # 8.5 > 8
    with pytest.raises(ServiceError):
        score_sheets.save_scores(sheet, {first.id: (6, "")}, actor=member.user, submitting=True)  # 3 < 40% of 8
    with pytest.raises(ServiceError):
        score_sheets.save_scores(sheet, {first.id: (16, "")}, actor=member.user, submitting=True)  # 8 > 95%
    score_sheets.save_scores(sheet, {first.id: (13, "")}, actor=member.user)  # 6.5 is fine, a partial draft
    with pytest.raises(ServiceError):
        score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)  # not all criteria
    score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * 3 // 4, "") for c in criteria}, actor=member.user)
    score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    with pytest.raises(Conflict):
        score_sheets.save_scores(sheet, {first.id: (10, "")}, actor=member.user)
    with pytest.raises(ServiceError):
        score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer)  # reopening needs a reason
    score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer, reason="第3项分数录入有误")
    assert sheet.status == SheetStatus.DRAFT


def test_results_from_submitted_sheets(app, officer):
    call, panel, props = scored_panel(app, officer)
    criteria = panel.template.criteria
    for n, member in enumerate(panel.members):
        for i, proposal in enumerate(props):
            services.declare(member, proposal, False, "", actor=member.user)
            sheet = score_sheets.sheet_for(member, proposal)
            # proposal 0 gets 75%, 1 gets 70%, 2 gets 80% of every maximum (member 0 adds half a point on c0)
            share = {0: 75, 1: 70, 2: 80}[i]
            entries = {c.id: (c.max_points * 2 * share // 100, "") for c in criteria}
            if n == 0:
                entries[criteria[0].id] = (entries[criteria[0].id][0] + 1, "")
            score_sheets.save_scores(sheet, entries, actor=member.user)
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    ranked = services.results(panel)
    assert [r.proposal_id for r in ranked] == [props[2].id, props[0].id, props[1].id]
    top = ranked[0]
    assert top.final == Fraction(sum(top.totals.values()), 3) and top.spread == Fraction(1, 2)


def test_editing_a_template_never_changes_a_running_review(app, officer, client, login_as):
    template = default_template(officer)
    call, _orgs, _props = closed_call_with_proposals(app, officer, template_id=template.id)
    for _ in range(3):
        expert(S, officer=officer)
    panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    assert panel.template.source_id == template.id and panel.template.id == call.template_id
    frozen_titles = [c.title for c in panel.template.criteria]
    templates.update(template, "修订后的标准", [("唯一类别", [("综合评价", 100, "整体判断")])], actor=officer)
    assert [c.title for c in template.criteria] == ["综合评价"] and template.total_points == 100
    assert [c.title for c in panel.template.criteria] == frozen_titles
    with pytest.raises(Conflict):
        templates.update(panel.template, "改冻结副本", [("一", [("甲", 100, "")])], actor=officer)
    with pytest.raises(ServiceError):
        templates.update(template, "坏", [("一", [("甲", 99, "")])], actor=officer)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/evaluation/templates/{template.id}").get_data(as_text=True)
    assert "综合评价 | 100" in page
    assert client.get(f"/evaluation/templates/{panel.template.id}").status_code == 404
