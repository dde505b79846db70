"""A call's schedule out of order (questions closing after the deadline, the review planned before it, the award
before the review) is refused when the draft is saved, each date beside its field; it was saved, and refused only
at publication by a message at the top of the call's page."""

from datetime import timedelta

import pytest

from accounts.enums import Role
from core.errors import ServiceError
from core.timeutil import to_local
from projects import calls
from tests.factories import make_user
from tests.projects.helpers import call_data
from tests.projects.test_call_form_refusals import count_calls, form_for


def test_a_schedule_out_of_order_is_refused_beside_each_date_and_nothing_is_saved(client, login_as):
    login_as(make_user(Role.OFFICER))
    before = count_calls()
    deadline = to_local(call_data().submission_deadline)
    form = form_for(questions_until=(deadline + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
                    review_planned_on=(deadline - timedelta(days=3)).date().isoformat(),
                    award_planned_on=(deadline - timedelta(days=5)).date().isoformat())
    response = client.post("/calls/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and count_calls() == before
    errors = page.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "答疑截止时间不能晚于申报截止时间。" in errors
    assert "计划评审日期不能早于申报截止时间。" in errors
    assert 'href="#award_planned_on"' in errors and 'href="#review_planned_on"' in errors
    assert f'value="{form["questions_until"]}"' in page and 'value="幸福街道助残康复服务项目"' in page
    assert page.count("请按提示修改标出的内容。") == 1  # the list's heading, not a flash saying it again above it

    response = client.post("/calls/new", data=form_for())  # the same form in order is saved
    assert response.status_code == 302 and count_calls() == before + 1


def test_the_service_refuses_a_draft_whose_questions_close_after_its_deadline(app, session):
    officer = make_user(Role.OFFICER)
    data = call_data()
    data.questions_until = data.submission_deadline + timedelta(hours=1)
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        calls.create_call(data, actor=officer)
    assert set(refused.value.fields) == {"questions_until"}


