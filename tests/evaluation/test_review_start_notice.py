"""Experts score only once the review has started (evaluation.score_sheets), so the sitting members of the call's
panel are told when it starts: a recused member is not."""

from sqlalchemy import select

from accounts.notifications import Notification
from core.db import db
from evaluation.enums import MemberStatus
from projects import calls
from projects.enums import CallStatus
from tests.evaluation.test_scoring_waits_for_the_review import closed  # noqa: F401  (the fixture)

ZH = {"Accept-Language": "zh-CN"}


def notices(user_id: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                              Notification.code.like("panel.review%"))))


def test_the_sitting_experts_are_told_when_the_review_starts(app, closed):  # noqa: F811
    officer, call, _props, member = closed
    panel = member.panel
    recused = panel.members[1]
    recused.status = MemberStatus.RECUSED.value
    db.session.commit()
    assert all(notices(m.user_id) == [] for m in panel.members)
    with app.test_request_context():
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer)
    db.session.commit()
    sitting = [m for m in panel.members if m.status == MemberStatus.ACTIVE]
    assert len(sitting) == 2 and all(len(notices(m.user_id)) == 1 for m in sitting)
    assert notices(recused.user_id) == []
    told = notices(member.user_id)[0]
    assert told.link == "/evaluation/assignments"
    with app.test_request_context(headers=ZH):
        assert told.text == f"“{call.title}”已开始评审，您现在可以为申报书评分了。"
