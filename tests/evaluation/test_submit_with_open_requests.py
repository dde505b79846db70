"""An evaluator could submit and lock the score sheet while documents they had asked for were still awaited, with no
word of it. Submitting is not refused then (an organisation that never answers must not hold the evaluation up), but
the confirmation names the requests still awaited; sending a request asks first too."""

import html
from datetime import timedelta

from core.timeutil import local_today
from evaluation import rectification
from tests.evaluation.project_helpers import commissioned
from tests.orgs.helpers import Upload


def _confirm(page: str, button_id: str) -> str:
    tag = page.split(f'id="{button_id}"', 1)[1].split(">", 1)[0]
    return html.unescape(tag.split('data-confirm="', 1)[1].split('"', 1)[0])


def test_submitting_names_the_documents_still_awaited(app, client, session, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        due = local_today() + timedelta(days=5)
        awaited = rectification.request_documents(evaluation, "请补充第二季度活动签到表", due, actor=ev)
        long_text = "请补充" + "财务凭证" * 20
        rectification.request_documents(evaluation, long_text, due, actor=ev)
    session.commit()
    login_as(ev)
    path = f"/evaluations/{evaluation.id}/workspace"
    page = client.get(path).get_data(as_text=True)
    asked = _confirm(page, "submit-sheet")
    assert asked.startswith("确定提交并锁定这份评分表吗？")
    assert "仍在等待社会组织答复" in asked and "“请补充第二季度活动签到表”" in asked
    assert f"“{long_text[:40]}…”" in asked and long_text not in asked  # quoted short
    assert _confirm(page, "send-request").startswith("确定向社会组织发出补充材料要求吗？")

    with app.test_request_context():
        rectification.answer_request(awaited, "已补充", [Upload()], actor=manager)
    session.commit()
    asked = _confirm(client.get(path).get_data(as_text=True), "submit-sheet")
    assert "签到表" not in asked and "财务凭证" in asked


def test_with_every_request_answered_submitting_asks_only_that_it_locks(app, client, session, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    session.commit()
    login_as(ev)
    asked = _confirm(client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True), "submit-sheet")
    assert asked == "确定提交并锁定这份评分表吗？提交后您不能再修改，只有工作人员可以退回重评。"
