"""The survey form's starting questions are in the reader's language, with the prefixes its help names: in Chinese
'评分: …', '单选: … | … / …', '文字: …' (they were English 'rating: …' under a Chinese help), in English 'rating: …'.
Both prefixes are still read."""

import html
import re

from flask_babel import force_locale

from evaluation import surveys
from evaluation.project_enums import QuestionKind
from tests.evaluation.project_helpers import commissioned

KINDS = [QuestionKind.RATING] * 3 + [QuestionKind.CHOICE, QuestionKind.TEXT]


def test_the_default_outline_is_in_the_readers_language_and_parses(app):
    with app.test_request_context():
        with force_locale("zh_Hans_CN"):
            chinese = surveys.default_outline()
        with force_locale("en"):
            english = surveys.default_outline()
        assert [line.split(":")[0] for line in chinese.splitlines()] == ["评分"] * 3 + ["单选", "文字"]
        assert "您对本项目服务的总体满意度如何？" in chinese and not re.search(r"[a-z]", chinese)
        assert [line.split(":")[0] for line in english.splitlines()] == ["rating"] * 3 + ["choice", "text"]
        assert not re.search(r"[\u4e00-\u9fff]", english)
        for outline in (chinese, english):
            questions = surveys.parse_outline(outline)
            assert [q["kind"] for q in questions] == [k.value for k in KINDS]
            assert len(questions[3]["options"]) == 3


def test_the_evaluators_survey_form_starts_in_chinese(app, client, session, login_as):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    session.commit()
    login_as(evaluator)
    page = html.unescape(client.get(f"/evaluations/{evaluation.id}/survey").get_data(as_text=True))
    box = page.split('name="outline"', 1)[1].split("</textarea>", 1)[0]
    assert "评分: 您对本项目服务的总体满意度如何？" in box and "单选: " in box and "文字: " in box
    assert "rating:" not in box and "每行一道题：“评分: 题目”" in page
    assert 'value="居民满意度调查"' in page
