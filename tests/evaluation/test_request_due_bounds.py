"""Due dates of document requests and rectification tasks have a sensible bound (2099-01-01 was accepted, so the
request or task never showed as overdue to the organisation, the reminders or the officers' digest): documents are
due by the evaluation's own due date (within two weeks for an evaluation due sooner or already late, and never more
than 60 days ahead); a rectification at most 90 days after the report. Refusals are translated, name the field and
change nothing; the workspace's date inputs carry the bounds."""

import html
import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from evaluation import project_report, rectification
from evaluation.project_enums import EvaluationStatus
from evaluation.project_models import DocumentRequest, RectificationTask
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all

EN = {"Accept-Language": "en"}


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (DocumentRequest, RectificationTask, AuditEvent))


def days(n: int) -> date:
    return local_today() + timedelta(days=n)


@pytest.fixture
def scene(app, session):
    """An evaluation in progress, due in 30 days, with its one evaluator."""
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    db.session.commit()
    return evaluation, ev


def request_refusal(app, evaluation, ev, due_on: date) -> str:
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
        rectification.request_documents(evaluation, "请补充全部财务凭证", due_on, actor=ev)
    with app.test_request_context(), force_locale("en"):
        fields = {name: str(message) for name, message in caught.value.fields.items()}
    db.session.rollback()
    assert counts() == before
    assert set(fields) == {"due_on"}
    return fields["due_on"]


def request(app, evaluation, ev, due_on: date) -> DocumentRequest:
    with app.test_request_context():
        return rectification.request_documents(evaluation, "请补充全部财务凭证", due_on, actor=ev)


# --- document requests -------------------------------------------------------------------------------------------

def test_documents_are_due_by_the_evaluations_due_date(app, scene):
    evaluation, ev = scene
    due = evaluation.due_on  # 30 days from today
    expected = f"The evaluation is due on {due.isoformat()}: ask for the documents by then."
    assert request_refusal(app, evaluation, ev, date(2099, 1, 1)) == expected
    assert request_refusal(app, evaluation, ev, due + timedelta(days=1)) == expected
    assert request(app, evaluation, ev, due).due_on == due


def test_documents_are_due_at_most_60_days_ahead(app, scene):
    evaluation, ev = scene
    evaluation.due_on = days(200)  # a mid-term evaluation due in months
    db.session.commit()
    expected = f"Documents can be asked for at most 60 days ahead: {days(60).isoformat()} at the latest."
    assert request_refusal(app, evaluation, ev, date(2099, 1, 1)) == expected
    assert request_refusal(app, evaluation, ev, days(61)) == expected
    assert request(app, evaluation, ev, days(60)).due_on == days(60)


@pytest.mark.parametrize("evaluation_due", [3, 0, -10])  # due soon, today, already late
def test_an_evaluation_due_soon_or_late_still_gives_two_weeks(app, scene, evaluation_due):
    evaluation, ev = scene
    evaluation.due_on = days(evaluation_due)
    db.session.commit()
    expected = (f"The evaluation is due on {days(evaluation_due).isoformat()}: documents can be due at most 14 days "
                f"from today, {days(14).isoformat()} at the latest.")
    assert request_refusal(app, evaluation, ev, days(15)) == expected
    assert request(app, evaluation, ev, days(14)).due_on == days(14)


def test_documents_cannot_be_due_today_or_earlier(app, scene):
    evaluation, ev = scene
    for due in (local_today(), days(-1), date(1990, 1, 1)):
        assert request_refusal(app, evaluation, ev, due) == "The due date must be in the future."
    assert request(app, evaluation, ev, days(1)).due_on == days(1)


def test_the_request_form_refuses_a_far_date_and_offers_the_window(client, login_as, app, scene):
    evaluation, ev = scene
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}/workspace", headers=EN).get_data(as_text=True)
    assert f'name="due_on" min="{days(1).isoformat()}" max="{evaluation.due_on.isoformat()}"' in page
    before = counts()
    response = client.post(f"/evaluations/{evaluation.id}/requests", headers=EN, follow_redirects=True,
                           data={"text": "请提供全部活动签到表", "due_on": "2099-01-01"})
    assert "ask for the documents by then" in html.unescape(response.get_data(as_text=True))
    assert counts() == before


# --- rectification tasks -----------------------------------------------------------------------------------------

def scored(app, evaluation, ev) -> None:
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 160)})  # 80: 良好
    db.session.commit()


def flag(evaluation, due_on: date) -> list[project_report.Flag]:
    return [project_report.Flag(evaluation.template.criteria[0].id, "完善管理制度并提交执行记录", due_on)]


def test_rectification_is_due_at_most_90_days_after_the_report(app, scene):
    evaluation, ev = scene
    scored(app, evaluation, ev)
    name = f"flag{evaluation.template.criteria[0].id}"
    expected = f"Rectification is due at most 90 days after the report: {days(90).isoformat()} at the latest."
    for due in (date(2099, 1, 1), days(91)):
        before = counts()
        with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as caught:
            project_report.issue_report(evaluation, "良好，但制度执行需加强。", flag(evaluation, due), actor=ev)
        with force_locale("en"):
            assert {k: str(v) for k, v in caught.value.fields.items()} == {name: expected}
        db.session.rollback()
        assert counts() == before and evaluation.status == EvaluationStatus.IN_PROGRESS
    with app.test_request_context():
        project_report.issue_report(evaluation, "良好，但制度执行需加强。", flag(evaluation, days(90)), actor=ev)
    assert [t.due_on for t in evaluation.tasks] == [days(90)]


def test_the_failing_results_default_task_is_within_the_bound():
    assert project_report.DEFAULT_DAYS <= project_report.MAX_DAYS


def test_the_report_form_refuses_a_far_rectification_date(client, login_as, app, scene):
    evaluation, ev = scene
    scored(app, evaluation, ev)
    cid = evaluation.template.criteria[0].id
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}/workspace", headers=EN).get_data(as_text=True)
    assert f'name="due_{cid}" min="{days(1).isoformat()}" max="{days(90).isoformat()}"' in page
    before = counts()
    response = client.post(f"/evaluations/{evaluation.id}/issue", headers=EN, data={
        "text": "良好，但制度执行需加强。", f"flag_{cid}": "1", f"requirement_{cid}": "完善管理制度",
        f"due_{cid}": "2099-01-01"})
    assert response.status_code == 422 and counts() == before
    page = html.unescape(response.get_data(as_text=True))
    assert beside(page, cid) == f"Rectification is due at most 90 days after the report: {days(90).isoformat()} at " \
                                "the latest."  # beside the criterion it is about
    assert 'value="2099-01-01"' in page and 'value="完善管理制度"' in page
    assert "良好，但制度执行需加强。</textarea>" in page


def beside(page: str, cid: int) -> str | None:
    """The reason shown under a flagged criterion's row of the report form, if any."""
    found = re.search(rf'<div class="invalid-feedback d-block" id="flag-error-{cid}">(.*?)</div>', page, re.S)
    return found and found.group(1)


def test_the_report_form_names_every_problem_at_once_and_keeps_what_was_typed(client, login_as, app, scene):
    evaluation, ev = scene
    scored(app, evaluation, ev)
    first, second = (c.id for c in evaluation.template.criteria[:2])
    login_as(ev)
    before = counts()
    response = client.post(f"/evaluations/{evaluation.id}/issue", headers=EN, data={
        "text": "良好", f"flag_{first}": "1", f"requirement_{first}": "完善管理制度", f"due_{first}": "下个月",
        f"flag_{second}": "1", f"requirement_{second}": " ", f"due_{second}": days(30).isoformat(),
        "flag_0": "1", "requirement_0": "整体整改", "due_0": days(30).isoformat()})
    assert response.status_code == 422 and counts() == before
    assert evaluation.status == EvaluationStatus.IN_PROGRESS and evaluation.issued_at is None
    page = html.unescape(response.get_data(as_text=True))
    assert beside(page, first) == "Dates are YYYY-MM-DD."
    assert beside(page, second) == "Say what must be rectified."
    assert beside(page, 0) is None  # the result as a whole was in order
    assert re.search(r'<div class="invalid-feedback mb-2" id="summary-error">Write a summary for the public', page)
    assert page.count(" checked>") == 3 and 'value="下个月"' in page and 'value="整体整改"' in page
    response = client.post(f"/evaluations/{evaluation.id}/issue", headers=EN, data={
        "text": "良好，但制度执行需加强。", f"flag_{first}": "1", f"requirement_{first}": "完善管理制度",
        f"due_{first}": days(30).isoformat()})
    assert response.status_code == 302
    assert [(t.indicator_id, t.due_on) for t in evaluation.tasks] == [(first, days(30))]
