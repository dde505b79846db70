"""The workspace offers to issue the report only once every evaluator has declared and submitted: before that, an
evaluator who has submitted reads whom the report still waits for (the form was offered, and issuing was refused in
a flash after a redirect, the summary typed lost)."""

from core.db import db
from tests.evaluation.project_helpers import commissioned

EN = {"Accept-Language": "en"}


def submit_form(criteria) -> dict:
    return {f"c{c.id}": str(c.max_points * 3 // 4) for c in criteria} | {"action": "submit"}


def test_the_report_form_appears_once_every_evaluator_has_submitted(app, client, login_as, session):
    _officer, _manager, _contract, evaluation, (first, second) = commissioned(app, n=2)
    db.session.commit()
    page, criteria = f"/evaluations/{evaluation.id}/workspace", evaluation.template.criteria

    login_as(first)
    assert client.post(page, headers=EN, data=submit_form(criteria)).status_code == 302
    waiting = client.get(page, headers=EN).get_data(as_text=True)
    assert 'id="issue-waiting"' in waiting and second.display_name in waiting
    assert first.display_name not in waiting.split('id="issue-waiting"')[1].split("</p>")[0]
    assert 'id="issue-form"' not in waiting

    client.post("/logout")
    login_as(second)
    assert client.post(page, headers=EN, data=submit_form(criteria)).status_code == 302
    ready = client.get(page, headers=EN).get_data(as_text=True)
    assert 'id="issue-form"' in ready and 'id="issue-waiting"' not in ready
