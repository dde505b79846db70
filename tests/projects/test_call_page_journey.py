"""The call page as its users meet it (found by a user-journey test): a refused question, answer or objection
re-renders the page with what was typed and why beside the field; nothing changes."""

import html
import io
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from projects.award_models import Objection
from projects.call_clarifications import ask_question
from projects.models import CallQuestion

ZH = {"Accept-Language": "zh-CN"}



def element(page: str, tag: str, element_id: str) -> str:
    """The element with that id: its opening tag and, for a textarea, its text."""
    return re.search(rf'<{tag}[^>]*\sid="{element_id}"[^>]*>(?:[^<]*</{tag}>)?', page).group(0)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("text, reason", [("   ", "必填"), ("好", "5–2000")])
def test_a_refused_question_says_why_and_keeps_the_text(client, login_as, open_call, text, reason):
    _officer, manager, org, call = open_call
    login_as(manager)
    before = count(CallQuestion)
    response = client.post(f"/calls/{call.id}/questions", headers=ZH, data={"org_id": org.id, "question": text})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "请按提示修改标出的内容。" in page  # said at the top of the page
    field = element(page, "textarea", "question")
    assert 'aria-invalid="true"' in field and "is-invalid" in field and text.strip() in field
    assert reason in page.split('id="question-error"', 1)[1].split("</div></div>", 1)[0]
    assert count(CallQuestion) == before


def test_an_empty_answer_is_refused_beside_its_question(app, client, login_as, open_call):
    officer, manager, org, call = open_call
    with app.test_request_context():
        question = ask_question(call, org, "请问预算是否含税？", actor=manager)
        other = ask_question(call, org, "请问可以联合申报吗？", actor=manager)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/calls/questions/{question.id}/answer", headers=ZH, data={"answer": "  "})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "请按提示修改标出的内容。" in page
    assert "is-invalid" in element(page, "textarea", f"answer-{question.id}")
    assert "is-invalid" not in element(page, "textarea", f"answer-{other.id}")
    assert f'id="answer-{question.id}-error"' in page
    assert f'id="answer-{other.id}-error"' not in page
    db.session.expire_all()
    assert not question.answer and question.answered_at is None


def test_a_good_answer_is_still_published(app, client, login_as, open_call):
    officer, manager, org, call = open_call
    with app.test_request_context():
        question = ask_question(call, org, "请问预算是否含税？", actor=manager)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/calls/questions/{question.id}/answer", data={"answer": "包含。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert question.answer == "包含。"


REASONS = "评分与我方材料不符，请复核第三项指标。"


def test_an_objection_with_a_refused_file_keeps_the_reasons(client, login_as, in_publicity):
    call, loser, manager = in_publicity
    login_as(manager)
    response = client.post(f"/calls/{call.id}/objections", headers=ZH, content_type="multipart/form-data", data={
        "org_id": loser.id, "reasons": REASONS, "file": (io.BytesIO(b"MZ\x90\x00\x03" + b"\x00" * 200), "tool.exe")})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert REASONS in element(page, "textarea", "reasons")
    assert "is-invalid" in element(page, "input", "file")
    assert "不支持此类文件" in page.split('id="file-error"', 1)[1].split("</div></div>", 1)[0]
    assert count(Objection) == 0


def test_a_good_objection_is_still_lodged(client, login_as, in_publicity):
    call, loser, manager = in_publicity
    login_as(manager)
    response = client.post(f"/calls/{call.id}/objections", data={"org_id": loser.id, "reasons": REASONS})
    assert response.status_code == 302
    assert db.session.scalar(select(Objection.reasons)) == REASONS
