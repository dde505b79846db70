"""The reason forms count what the services keep: the services strip a reason, so the forms strip it too. A reason
of exactly the form's limit with spaces around it is accepted (and handed on without them); one character more is
still refused; spaces alone are no reason."""

import json

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from accounts.forms import ReasonForm as AccountReasonForm
from audit.models import AuditEvent
from core.db import db
from core.forms import strip_text
from evaluation.forms import ReasonForm as EvaluationReasonForm
from orgs.forms import ReasonForm as OrgReasonForm
from projects.forms import ReasonForm as ProjectReasonForm
from tests.vouchers.helpers import world
from tests.vouchers.test_views import phone_resident
from vouchers.forms import StatusForm

FORMS = [(ProjectReasonForm, 2000), (OrgReasonForm, 2000), (StatusForm, 2000), (EvaluationReasonForm, 1000),
         (AccountReasonForm, 500)]
IDS = ["projects", "orgs", "vouchers", "evaluation", "accounts"]


def text(n: int) -> str:
    return ("理由说明" * (n // 4 + 1))[: n - 1] + "终"


def posted(form_class, reason):
    return form_class(formdata=MultiDict({} if reason is None else {"reason": reason}), meta={"csrf": False})


def test_the_filter_strips_text_and_leaves_anything_else():
    assert [strip_text(v) for v in (" a b \n", "", None, 3)] == ["a b", "", None, 3]


@pytest.mark.parametrize(("form_class", "limit"), FORMS, ids=IDS)
def test_spaces_around_a_reason_do_not_count_against_the_limit(app, form_class, limit):
    with app.test_request_context(method="POST"):
        form = posted(form_class, f"  {text(limit)} \r\n")
        assert form.validate(), form.errors
        assert form.reason.data == text(limit)


@pytest.mark.parametrize(("form_class", "limit"), FORMS, ids=IDS)
def test_a_reason_over_the_limit_is_still_refused(app, form_class, limit):
    with app.test_request_context(method="POST"):
        form = posted(form_class, f" {text(limit + 1)} ")
        assert not form.validate()
        assert form.reason.errors


@pytest.mark.parametrize(("form_class", "limit"), FORMS, ids=IDS)
def test_spaces_alone_are_an_empty_reason_and_none_is_no_reason(app, form_class, limit):
    with app.test_request_context(method="POST"):
        form = posted(form_class, " \n ")
        assert form.validate(), form.errors
        assert form.reason.data == ""
        form = posted(form_class, None)
        assert form.validate(), form.errors
        assert not form.reason.data


def test_a_page_accepts_what_its_service_accepts(client, login_as, app, session):
    """Community staff suspend a resident with a reason of exactly 2000 characters and a space around it: the page
    used to refuse it (2002 characters) while the service kept it (2000)."""
    with app.test_request_context():
        w = world()
        _user, profile = phone_resident(w.staff, "王淑芬")
    db.session.commit()
    login_as(w.staff)
    response = client.post(f"/vouchers/residents/{profile.id}/status/suspended",
                           data={"reason": f" {text(2000)} "})
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "resident.suspended")).one()
    assert json.loads(event.data)["reason"] == text(2000)
