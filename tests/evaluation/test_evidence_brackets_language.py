"""The measured evidence beside the criteria is written in the page's language: in English '20.00% (¥… / ¥…)' and
'Personnel: …', not the full-width brackets and colons of Chinese ('20.00%（¥… / ¥…）'), which stay in Chinese
(and so in the evaluation report, issued in Chinese)."""

import re

from core.db import db
from core.timeutil import local_today
from projects import contract_money
from tests.evaluation.project_helpers import commissioned


def figures_list(page: str) -> str:
    return re.search(r'<ul id="figures">(.*?)</ul></li></ul>|<ul id="figures">(.*?)</ul>\s*<h2', page, re.S).group(0)


def test_evidence_uses_the_brackets_and_colons_of_the_language(app, client, login_as, session):
    _officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    personnel = contract.lines[0]
    with app.test_request_context():
        contract_money.record_expense(contract, personnel, local_today(), "张明", 100_000, None, actor=manager)
    db.session.commit()
    login_as(evaluator)
    path = f"/evaluations/{evaluation.id}/workspace"

    english = figures_list(client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert re.search(r"\d+\.\d\d% \(¥[\d,.]+ / ¥[\d,.]+\)", english)
    assert f"<li>{personnel.item}: ¥1,000.00 / " in english
    assert not re.search("[（）：]", english)

    chinese = figures_list(client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True))
    assert re.search(r"\d+\.\d\d%（¥[\d,.]+ / ¥[\d,.]+）", chinese)
    assert f"<li>{personnel.item}：¥1,000.00 / " in chinese
