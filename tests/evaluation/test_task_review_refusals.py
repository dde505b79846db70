"""An evaluator's refused review of a rectification task shows the evaluation's page again: reopening without a
reason is 422 with the reason asked for beside the field (and what was typed kept, here nothing), and a review of a
task reviewed meanwhile (another tab) is 409; nothing changes. Both were a flash after a redirect, answering 200."""

import re

from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from evaluation import rectification
from evaluation.project_enums import TaskStatus
from tests.evaluation.test_followup_fixes import failed_with_task
from tests.orgs.helpers import Upload

EN = {"Accept-Language": "en"}


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_reopening_without_a_reason_and_a_stale_review_are_refused_on_the_page(app, client, login_as, session):
    _officer, manager, evaluation, evaluator, task = failed_with_task(app)
    with app.test_request_context():
        rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager, text="已整改完毕并补齐档案。",
                                      evidence=Upload())
    db.session.commit()
    login_as(evaluator)
    before = events()

    refused = client.post(f"/evaluations/tasks/{task.id}/reopen", headers=EN, data={"text": "  "})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    field = re.search(rf'<form[^>]*/tasks/{task.id}/reopen".*?</form>', page, re.S).group(0)
    assert f'aria-describedby="review-{task.id}-note-error"' in field
    assert re.search(rf'<div class="invalid-feedback d-block" id="review-{task.id}-note-error">Please give a reason.',
                     page)
    db.session.expire_all()
    assert task.status == TaskStatus.RESPONDED.value and events() == before

    assert client.post(f"/evaluations/tasks/{task.id}/verify", headers=EN, data={"text": ""}).status_code == 302
    after = events()
    stale = client.post(f"/evaluations/tasks/{task.id}/reopen", headers=EN, data={"text": "签到表不完整"})
    assert stale.status_code == 409
    assert "cannot become" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert task.status == TaskStatus.VERIFIED.value and events() == after
