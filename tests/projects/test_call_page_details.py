"""The call page says why a call was cancelled, when questions close in Beijing time, and when each objection was
lodged (the reason was stored but shown nowhere; the question deadline alone had no time zone; objections had no
date)."""

from flask_babel import force_locale

from accounts.enums import Role
from core.db import db
from core.timeutil import format_local
from projects import awards, calls
from projects.enums import CallStatus
from tests.factories import make_user
from tests.projects.helpers import published_call

ZH = {"Accept-Language": "zh-CN"}


def test_a_cancelled_call_says_why_to_anyone(client, app, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
        calls.transition_call(call, CallStatus.CANCELLED, actor=officer, reason="上级部门调整预算，本项目取消。")
    db.session.commit()
    page = client.get(f"/calls/{call.id}", headers=ZH).text
    assert '<p class="mt-2 mb-0" id="status-reason">原因： 上级部门调整预算，本项目取消。</p>' in page


def test_questions_close_in_beijing_time(client, app, session):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
    db.session.commit()
    page = client.get(f"/calls/{call.id}", headers=ZH).text
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert f"<dd>{format_local(call.questions_until)} （北京时间）</dd>" in page
    assert 'id="status-reason"' not in page  # a running call has no reason to show


def test_each_objection_shows_when_it_was_lodged(client, app, in_publicity):
    call, loser, manager = in_publicity
    with app.test_request_context():
        objection = awards.lodge_objection(call, loser, "评分与我方材料不符，请复核第三项指标。", None, actor=manager)
        lodged = format_local(objection.lodged_at)
    db.session.commit()
    page = client.get(f"/calls/{call.id}", headers=ZH).text
    listed = page.split('id="objections"', 1)[1].split("</ul>", 1)[0]
    assert f'<span class="text-muted">{lodged}</span>' in listed
