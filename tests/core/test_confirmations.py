"""Irreversible steps ask first (found by a QA walk: publishing, withdrawing and upholding asked; these did not). Each
button carries data-confirm, which static/js/app.js turns into a dialog before the form is sent (without JavaScript
the form posts as it is), with a message in the reader's language saying what cannot be undone."""

import html
import re

import pytest

from accounts.enums import Role
from core.db import db
from projects import awards, calls
from projects.enums import CallStatus
from tests.evaluation.test_results_page_next_step import closed_and_declared, score_all
from tests.factories import make_user
from tests.projects.conftest import build_draft, build_in_publicity, build_open_call

START = ("Start the review? Screening ends: the eligibility of the proposals can no longer be changed, and the call "
         "cannot go back to closed.",
         "确定开始评审吗？资格审查随即结束，此后不能再更改申报书的资格认定，项目征集也不能退回“已截止”状态。")
MESSAGES = {
    "start-review": START,
    "start-review-results": START,
    "submit-sheet": ("Submit and lock this score sheet? You cannot change it afterwards; only staff can send it back "
                     "to be scored again.",
                     "确定提交并锁定这份评分表吗？提交后您不能再修改，只有工作人员可以退回重评。"),
    "decide": ("Decide and publish the results? The decision is published at once for the publicity period and "
               "cannot be changed, unless an objection is upheld.",
               "确定定标并公示结果吗？定标结果将立即进入公示期，除非有质疑成立，否则不能更改。"),
    "not-upheld": ("Reject the objection as not upheld? Your answer is published and sent to the objector, and the "
                   "decision cannot be changed.", "确定认定质疑不成立吗？您的答复将公开并通知质疑方，此决定不能更改。"),
    "submit-proposal": ("Submit the proposal? It is sent as it stands now; to change it you would have to withdraw it "
                        "before the deadline, and after the deadline it can no longer be changed.",
                        "确定提交申报书吗？将按当前内容提交；如需修改，须在截止前撤回，截止后不能再修改。"),
}


def _closed(app):
    officer = make_user(Role.OFFICER)
    call, _props, _panel = closed_and_declared(app, officer)
    return officer, f"/calls/{call.id}", 'id="start-review"'


def _closed_results(app):
    officer = make_user(Role.OFFICER)
    call, _props, _panel = closed_and_declared(app, officer)
    return officer, f"/evaluation/calls/{call.id}/results", 'id="start-review"'


def _sheet(app):
    officer = make_user(Role.OFFICER)
    call, props, panel = closed_and_declared(app, officer)
    with app.test_request_context():  # the sheet's form is there once the review has started
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer)
    db.session.commit()
    member = panel.members[-1]  # declared, not yet scored
    return member.user, f"/evaluation/members/{member.id}/proposals/{props[0].id}", 'id="submit-sheet"'


def _decide(app):
    officer = make_user(Role.OFFICER)
    call, props, panel = closed_and_declared(app, officer)
    with app.test_request_context():
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer)
    db.session.commit()
    score_all(app, panel, props)
    return officer, f"/evaluation/calls/{call.id}/results", 'id="decide"'


def _objection(app):
    call, loser, manager = build_in_publicity(app)
    with app.test_request_context():
        awards.lodge_objection(call, loser, "评分与我方材料不符，请复核第三项指标。", None, actor=manager)
    db.session.commit()
    return make_user(Role.OFFICER), f"/calls/{call.id}", 'name="decision" value="rejected"'


def _proposal(app):
    _officer, manager, _call, proposal = build_draft(app, build_open_call(app))
    return manager, f"/proposals/{proposal.id}", 'id="submit-proposal"'


PAGES = {"start-review": _closed, "start-review-results": _closed_results, "submit-sheet": _sheet,
         "decide": _decide, "not-upheld": _objection, "submit-proposal": _proposal}


@pytest.mark.parametrize("button", PAGES)
def test_the_button_asks_first_in_the_readers_language(app, client, session, login_as, button):
    user, url, marker = PAGES[button](app)
    login_as(user)
    for language, expected in zip(("en", "zh-CN"), MESSAGES[button], strict=True):
        response = client.get(url, headers={"Accept-Language": language})
        assert response.status_code == 200
        found = re.findall(rf'<button[^>]*{re.escape(marker)}[^>]*>', response.get_data(as_text=True))
        assert len(found) == 1, (button, found)
        asked = re.search(r'data-confirm="([^"]*)"', found[0])
        assert asked and html.unescape(asked.group(1)) == expected, (button, language)
