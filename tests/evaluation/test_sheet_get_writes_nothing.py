"""Showing a score sheet writes nothing (a GET must not change state): the evaluator's workspace, a proposal's
sheet and the API's GET of either leave the score sheets and the audit trail as they were, and show an empty draft
("Not started") until the first save; the first save (POST, or the API's PUT) creates the sheet, a refused first
save creates none, and a save on a sheet submitted meanwhile (another tab) is refused with 409, what was typed
kept. A sheet made on a GET before this (a draft with no scores) is used as it is."""

import pytest
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from evaluation import project_sheets, score_sheets, services
from evaluation.enums import SheetStatus
from evaluation.models import ScoreSheet
from tests.evaluation.helpers import review_panel
from tests.evaluation.project_helpers import commissioned
from tests.evaluation.test_api import bearer
from tests.evaluation.test_sheet_keeps_input import input_value

EN = {"Accept-Language": "en"}


def counts() -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(ScoreSheet)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


@pytest.fixture
def review(app, session):
    """A panel member who declared no conflict on a proposal and has not opened its sheet."""
    _officer, _call, _orgs, props, panel = review_panel(app)
    member, proposal = panel.members[0], props[0]
    with app.test_request_context():
        services.declare(member, proposal, False, "", actor=member.user)
    db.session.commit()
    return (member.user, panel.template.criteria, f"/evaluation/members/{member.id}/proposals/{proposal.id}",
            f"/api/v1/evaluation/members/{member.id}/sheets/{proposal.id}",
            lambda: score_sheets.existing_sheet(member, proposal), member)


@pytest.fixture
def project(app, session):
    """An evaluator who declared no conflict on a project evaluation and has not opened the workspace."""
    _officer, _manager, _contract, evaluation, (evaluator,) = commissioned(app)
    db.session.commit()
    assignment = evaluation.assignments[0]
    return (evaluator, evaluation.template.criteria, f"/evaluations/{evaluation.id}/workspace",
            f"/api/v1/evaluation/project-evaluations/{evaluation.id}/sheet",
            lambda: project_sheets.existing_sheet(assignment), assignment)


@pytest.fixture(params=["review", "project"])
def fresh(request):
    return request.getfixturevalue(request.param)


def full_form(criteria, action="save") -> dict:
    return {f"c{c.id}": str(c.max_points // 2) for c in criteria} | {"action": action}


def test_showing_the_sheet_writes_nothing_and_the_first_save_creates_it(client, login_as, fresh):
    user, criteria, page, _api, stored, _owner = fresh
    login_as(user)
    before = counts()

    for _ in range(2):
        shown = client.get(page, headers=EN)
        assert shown.status_code == 200
        assert '<span id="sheet-status">Not started</span>' in shown.get_data(as_text=True) \
            or '<small class="text-muted" id="sheet-status">Not started</small>' in shown.get_data(as_text=True)
    assert counts() == before and stored() is None

    saved = client.post(page, headers=EN, data=full_form(criteria))
    assert saved.status_code == 302
    sheet = stored()
    assert sheet is not None and sheet.status == SheetStatus.DRAFT and len(sheet.scores) == len(criteria)
    assert counts()[0] == before[0] + 1
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)) == "sheet.saved"
    assert ">Draft<" in client.get(page, headers=EN).get_data(as_text=True)


def test_a_refused_first_save_creates_no_sheet(client, login_as, fresh):
    user, criteria, page, _api, stored, _owner = fresh
    login_as(user)
    before = counts()
    form = full_form(criteria) | {f"c{criteria[0].id}": str(criteria[0].max_points + 1)}
    refused = client.post(page, headers=EN, data=form)
    assert refused.status_code == 422
    assert input_value(refused.get_data(as_text=True), f"c{criteria[0].id}") == form[f"c{criteria[0].id}"]
    assert counts() == before and stored() is None


def test_saving_a_sheet_submitted_in_another_tab_is_a_409_with_the_input_kept(client, login_as, fresh):
    user, criteria, page, _api, stored, _owner = fresh
    login_as(user)
    assert client.post(page, headers=EN, data=full_form(criteria, "submit")).status_code == 302
    assert stored().status == SheetStatus.SUBMITTED
    before = counts()
    form = full_form(criteria) | {f"c{criteria[0].id}": "1.5", f"comment{criteria[0].id}": "另一个标签页的评语"}

    stale = client.post(page, headers=EN, data=form)

    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "This score sheet is submitted and locked." in text
    assert input_value(text, f"c{criteria[0].id}") == "1.5"
    assert counts() == before and stored().status == SheetStatus.SUBMITTED


def test_the_api_get_writes_nothing_and_the_first_put_creates_the_sheet(app, client, fresh):
    user, criteria, _page, api, stored, _owner = fresh
    headers = bearer(user)
    db.session.commit()
    before = counts()

    shown = client.get(api, headers=headers)
    assert shown.status_code == 200
    body = shown.get_json()
    assert body == {"sheet_id": None, "status": "draft", "scores": {}, "fingerprint": body["fingerprint"]}
    assert counts() == before and stored() is None

    scores = {str(c.id): {"points": c.max_points // 2} for c in criteria}
    saved = client.put(api, json={"scores": scores}, headers=headers)
    assert saved.status_code == 200
    assert saved.get_json()["sheet_id"] == stored().id
    assert client.get(api, headers=headers).get_json()["sheet_id"] == stored().id


def test_a_sheet_made_empty_before_is_used_as_it_is(app, client, login_as, project):
    """Sheets were made when the workspace was first shown: such an empty draft is found, not made again."""
    user, criteria, page, _api, stored, assignment = project
    with app.test_request_context():
        made = project_sheets.sheet_for(assignment)
    db.session.commit()
    login_as(user)
    assert ">Draft<" in client.get(page, headers=EN).get_data(as_text=True)
    assert client.post(page, headers=EN, data=full_form(criteria)).status_code == 302
    assert stored().id == made.id and len(stored().scores) == len(criteria)


def test_a_refused_document_request_before_any_save_is_the_workspace_again(client, login_as, project):
    user, _criteria, page, _api, stored, _assignment = project
    login_as(user)
    before = counts()
    refused = client.post(page.replace("/workspace", "/requests"), headers=EN, data={"text": "", "due_on": ""})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="request-form"' in text and 'id="request-text-error"' in text and "Not started" in text
    assert counts() == before and stored() is None
