from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.documents import IssuedDocument
from core.db import db
from core.errors import Conflict, ServiceError
from evaluation import panels
from evaluation.enums import SeatType
from projects import awards
from projects.award_models import AwardDecision
from projects.enums import CallStatus
from tests.evaluation.helpers import closed_call_with_proposals, expert, fully_scored
from tests.factories import make_user
from tests.orgs.helpers import Upload


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def test_recommendation_follows_rank_within_budget(app, officer):
    call, _orgs, props, ranking = fully_scored(app, officer)
    # each request is 150,000 yuan; the budget of 600,000 yuan takes all three in rank order
    assert awards.recommend(call, ranking) == [props[2].id, props[0].id, props[1].id]
    call.total_budget_fen = 30_000_000
    assert awards.recommend(call, ranking) == [props[2].id, props[0].id]


def test_decision_rules(app, officer):
    call, _orgs, props, ranking = fully_scored(app, officer)
    call.total_budget_fen = 30_000_000
    top, second, third = props[2], props[0], props[1]
    with app.test_request_context():
        with pytest.raises(ServiceError) as over_request:
            awards.decide(call, ranking, {top.id: 15_000_001}, "", 5, actor=officer)
        assert f"amount_{top.id}" in over_request.value.fields
        with pytest.raises(ServiceError) as over_budget:
            awards.decide(call, ranking, {top.id: 15_000_000, second.id: 15_000_000, third.id: 1}, "理由", 5,
                          actor=officer)
        assert "amounts" in over_budget.value.fields
        with pytest.raises(ServiceError) as departure:
            awards.decide(call, ranking, {top.id: 15_000_000, third.id: 15_000_000}, "", 5, actor=officer)
        assert "reason" in departure.value.fields
        assert call.status == CallStatus.UNDER_REVIEW
        publicity = awards.decide(call, ranking, {top.id: 15_000_000, third.id: 14_000_000},
                                  "第二名服务社区与本项目重叠", 5, actor=officer)
    assert call.status == CallStatus.PUBLICITY and publicity.decision_reason
    decisions = {d.proposal_id: d for d in db.session.scalars(select(AwardDecision))}
    assert decisions[third.id].awarded and decisions[third.id].amount_fen == 14_000_000
    assert not decisions[second.id].awarded
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == publicity.announcement_code))
    assert document.doc_type == "results_announcement"


def test_publicity_spans_national_day_and_an_adjusted_saturday(app, officer):
    call, _orgs, props, ranking = fully_scored(app, officer)
    start = datetime(2026, 9, 29, 2, 0, tzinfo=UTC)  # Tuesday 29 September, 10:00 in Beijing
    with app.test_request_context():
        publicity = awards.decide(call, ranking, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer,
                                  now=start)
    # 30 Sep, then the 1–7 October holiday, 8, 9, then Saturday 10 October (调休 working day), 12 October
    assert publicity.ends_on == date(2026, 10, 12) and publicity.calendar_sources == "statutory"


def test_objection_upheld_returns_to_review_and_rejected_lets_it_finish(app, officer):
    call, orgs, props, ranking = fully_scored(app, officer)
    loser = orgs[1]
    loser_manager = next(m.user for m in loser.memberships)
    with app.test_request_context():
        publicity = awards.decide(call, ranking, {props[2].id: 15_000_000, props[0].id: 15_000_000}, "两个名额",
                                  5, actor=officer)
        with pytest.raises(ServiceError):
            awards.lodge_objection(call, loser, "太短", None, actor=loser_manager)
        stranger_org_user = make_user()
        with pytest.raises(ServiceError):
            awards.lodge_objection(call, loser, "我不是这个机构的人，但想质疑结果。", None, actor=stranger_org_user)
        objection = awards.lodge_objection(call, loser, "评分与我方材料不符，请复核第三项指标。", Upload(),
                                           actor=loser_manager)
        after = datetime.combine(publicity.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        assert not awards.finish_if_due(call, now=after)  # an objection is pending
        awards.answer_objection(objection, False, "经复核，评分无误。", actor=officer)
        with pytest.raises(Conflict):
            awards.lodge_objection(call, loser, "公示期结束后的质疑，不应被接受。", None, actor=loser_manager,
                                   now=after)
        assert awards.finish_if_due(call, now=after)
    assert call.status == CallStatus.AWARDED
    winner = db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == props[2].id))
    notice = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == winner.notice_code))
    assert notice.doc_type == "award_notice"
    winner_user = next(m.user_id for m in orgs[2].memberships)
    assert db.session.scalar(select(Notification).where(Notification.user_id == winner_user,
                                                        Notification.code == "call.awarded"))


def test_upheld_objection_sends_the_call_back_to_review(app, officer):
    call, orgs, props, ranking = fully_scored(app, officer)
    loser_manager = next(m.user for m in orgs[1].memberships)
    with app.test_request_context():
        awards.decide(call, ranking, {props[2].id: 15_000_000}, "只设一个名额", 5, actor=officer)
        objection = awards.lodge_objection(call, orgs[1], "评委甲与中标单位存在利益关系。", None,
                                           actor=loser_manager)
        awards.answer_objection(objection, True, "质疑成立，重新评审。", actor=officer)
    assert call.status == CallStatus.UNDER_REVIEW and awards.active_publicity(call) is None


def test_no_decision_before_every_sitting_member_has_finished(app, officer):
    from evaluation.documents import decide_from_review

    call, _orgs, props = closed_call_with_proposals(app, officer)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
        with pytest.raises(Conflict, match=panel.members[0].user.display_name):
            decide_from_review(call, panel, {props[0].id: 1_000_000}, "", 5, actor=officer)
    assert call.status == CallStatus.UNDER_REVIEW
