"""A criterion's range on a score sheet is written in the page's language: '(0–8)' in English, '（0–8）' in Chinese
(the full-width brackets were on the English sheets too)."""

from core.db import db
from tests.evaluation.project_helpers import commissioned


def test_the_range_beside_each_criterion_follows_the_language(app, client, login_as, session):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    db.session.commit()
    login_as(evaluator)
    path = f"/evaluations/{evaluation.id}/workspace"
    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    for c in evaluation.template.criteria:
        assert f'{c.title} <span class="text-muted">(0–{c.max_points})</span>' in english
        assert f'{c.title} <span class="text-muted">（0–{c.max_points}）</span>' in chinese
