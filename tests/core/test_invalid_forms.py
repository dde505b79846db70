"""A form that does not validate (a required field left empty, a reason too long) is refused with a page naming each
field and why, in the user's language, and changes nothing: it was a bare '400 Bad Request' before."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from accounts.resident_models import ResidentStatus
from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from evaluation import project_services
from evaluation.project_models import DocumentRequest
from tests.evaluation.project_helpers import commissioned
from tests.vouchers.helpers import world

ENGLISH = {"Accept-Language": "en"}


def _events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def test_a_refused_document_request_is_the_workspace_again_with_what_was_typed_and_why(app, client, session,
                                                                                      login_as):
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app, n=1, declare=False)
    with app.test_request_context():
        project_services.declare(evaluation.assignments[0], False, "", actor=evaluator)
    db.session.commit()
    login_as(evaluator)
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 200  # (its score sheet)
    before = _events()
    due = (local_today() + timedelta(days=7)).isoformat()
    url = f"/evaluations/{evaluation.id}/requests"

    def refused(data: dict) -> str:
        answer = client.post(url, data=data, headers=ENGLISH)
        assert answer.status_code == 422
        page = answer.get_data(as_text=True)
        assert 'id="request-form"' in page  # the workspace, not a page of its own
        return page

    page = refused({"text": "  ", "due_on": due})  # the form's refusal
    assert re.search(r'id="request-text-error">[^<]*This field is required', page)
    assert f'value="{due}"' in page  # the date chosen, kept
    page = refused({"text": "签到表", "due_on": due})  # the service's: too short to say what is needed
    assert re.search(r'id="request-text-error">[^<]*Say which documents you need', page)
    assert ">签到表</textarea>" in page
    past = (local_today() - timedelta(days=1)).isoformat()
    page = refused({"text": "请提供签到表和活动照片", "due_on": past})
    assert 'id="request-due-error"' in page and ">请提供签到表和活动照片</textarea>" in page
    assert f'value="{past}"' in page
    assert db.session.scalar(select(func.count(DocumentRequest.id))) == 0 and _events() == before
    # A valid one goes through as before.
    answer = client.post(url, data={"text": "请提供签到表", "due_on": due})
    assert answer.status_code == 302 and db.session.scalar(select(func.count(DocumentRequest.id))) == 1


def test_a_reason_too_long_is_refused_in_chinese_and_the_resident_keeps_their_status(app, client, session,
                                                                                       login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.staff)
    before = _events()
    answer = client.post(f"/vouchers/residents/{w.resident.id}/status/suspended", data={"reason": "长" * 2001})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "部分信息填写有误" in page and "2000" in page  # translated, with the limit
    db.session.refresh(w.resident)
    assert w.resident.status == ResidentStatus.VERIFIED and _events() == before
    answer = client.post(f"/vouchers/residents/{w.resident.id}/status/suspended", data={"reason": "搬离社区"})
    assert answer.status_code == 302
    db.session.refresh(w.resident)
    assert w.resident.status == ResidentStatus.SUSPENDED


def test_a_refusal_whose_field_reason_repeats_the_message_says_it_once():
    from core.errors import ServiceError
    from core.views import refusal_text

    same = ServiceError("The entry ends on 2026-12-31.", fields={"end_on": "The entry ends on 2026-12-31."})
    assert refusal_text(same) == "The entry ends on 2026-12-31."
    other = ServiceError("Not saved.", fields={"a": "Too long.", "b": ["Required.", "Whole number."]})
    assert refusal_text(other) == "Not saved. Too long. Required. Whole number."
