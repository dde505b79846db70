"""An evaluation's page has a way back to the list it was reached from: an evaluator's own list (there was none:
only the browser's back button), an officer's list of every evaluation; the organisation's staff get neither."""

import re

from core.db import db
from tests.evaluation.project_helpers import commissioned

ZH = {"Accept-Language": "zh-CN"}


def back(page: str) -> str | None:
    found = re.search(r'<a class="d-inline-block py-2" id="back-to-list" href="([^"]*)">← ([^<]*)</a>', page)
    return found and f"{found.group(1)} {found.group(2)}"


def test_each_reader_goes_back_to_their_list(app, client, login_as, session):
    officer, manager, _contract, evaluation, (evaluator,) = commissioned(app)
    db.session.commit()
    url = f"/evaluations/{evaluation.id}"
    login_as(evaluator)
    assert back(client.get(url, headers=ZH).get_data(as_text=True)) == "/evaluations/mine 我的项目评估"
    client.post("/logout")
    login_as(officer)
    assert back(client.get(url, headers=ZH).get_data(as_text=True)) == "/evaluations/ 项目评估"
    client.post("/logout")
    login_as(manager)
    page = client.get(url, headers=ZH)
    assert page.status_code == 200 and back(page.get_data(as_text=True)) is None
