"""Change registration (变更登记) of a credit code that another organisation takes between the request and the
approval, or while the approval runs: the approval is a 409 naming the code, on the page and over the API, and
nothing changes (the request stays pending, the organisation keeps its code, no audit event)."""

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from orgs import changes
from orgs.enums import ChangeStatus
from orgs.models import ChangeRequest, Organisation
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org, make_uscc, submitted_org
from tests.orgs.test_api import token_for
from tests.racing import committed_app, while_uncommitted

TAKEN = "平台上已有使用该统一社会信用代码的组织。"  # (the refusal, as the Chinese page and API say it)


def asks_for(org, code: str) -> ChangeRequest:
    manager = next(m.user for m in org.memberships)
    items = changes.RegisteredItems(name=org.name, uscc=code, legal_representative=org.legal_representative,
                                    address=org.address)
    return changes.request_change(org, items, "证书换发", actor=manager)


def approvals_of(org_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "org.change_approved", AuditEvent.target_id == str(org_id)))


def unchanged(change_id: int, org_id: int, old_code: str) -> None:
    db.session.expire_all()
    assert db.session.get(ChangeRequest, change_id).status == ChangeStatus.PENDING
    assert db.session.get(Organisation, org_id).uscc == old_code
    assert approvals_of(org_id) == 0


@pytest.fixture
def two_asking(session):
    """Two registered organisations each asking for the same new credit code (no live record holds it yet, so both
    requests are accepted), and an officer."""
    officer, code = make_user(Role.OFFICER), make_uscc("2", 7_731_001)
    first, second = approved_org(make_user(), officer), approved_org(make_user(), officer)
    asked = asks_for(first, code), asks_for(second, code)
    db.session.commit()
    return officer, code, (first, second), asked


def test_the_second_of_two_approvals_of_one_code_is_a_conflict_and_changes_nothing(two_asking):
    officer, code, (first, second), (mine, theirs) = two_asking
    old_code = second.uscc
    changes.transition_change(mine, ChangeStatus.APPROVED, actor=officer)
    assert first.uscc == code
    with pytest.raises(Conflict) as refused:
        changes.transition_change(theirs, ChangeStatus.APPROVED, actor=officer)
    assert set(refused.value.fields) == {"uscc"}
    unchanged(theirs.id, second.id, old_code)
    changes.transition_change(theirs, ChangeStatus.REJECTED, actor=officer, reason="代码已被占用")  # still decidable


def test_the_page_answers_409_when_the_code_was_taken_since_the_request(client, two_asking, login_as):
    officer, code, (_first, second), (_mine, theirs) = two_asking
    old_code = second.uscc
    submitted_org(make_user(), uscc=code)  # an application with the code, submitted after the request
    db.session.commit()
    login_as(officer)
    response = client.post(f"/orgs/changes/{theirs.id}/approve", data={})
    assert response.status_code == 409 and TAKEN in response.get_data(as_text=True)
    unchanged(theirs.id, second.id, old_code)


def test_the_api_answers_409_to_the_second_approval_of_one_code(client, two_asking):
    officer, code, (first, second), (mine, theirs) = two_asking
    old_code, headers = second.uscc, token_for(officer)
    db.session.commit()
    assert client.post(f"/api/v1/orgs/changes/{mine.id}/approve", headers=headers).status_code == 200
    response = client.post(f"/api/v1/orgs/changes/{theirs.id}/approve", headers=headers)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and error["fields"]["uscc"] == TAKEN
    unchanged(theirs.id, second.id, old_code)
    assert db.session.get(Organisation, first.id).uscc == code


# --- real concurrency: separate connections, committed --------------------------------------------------------------

@pytest.fixture
def committed_scene(migrated_url, tmp_path):
    def build():
        officer, code = make_user(Role.OFFICER), make_uscc("2", 7_731_101)
        first, second = approved_org(make_user(), officer), approved_org(make_user(), officer)
        asked = asks_for(first, code), asks_for(second, code)
        scene = {"officer": officer.username, "headers": token_for(officer), "code": code,
                 "orgs": [(first.id, first.uscc), (second.id, second.uscc)], "changes": [c.id for c in asked]}
        return scene

    with committed_app(migrated_url, tmp_path, build) as made:
        yield made


def approve(application, scene, change_id: int, route: str, answers: list, start=None) -> None:
    client = application.test_client()
    if route == "page":
        assert login(client, scene["officer"], "correct-horse-1").status_code == 302
    if start is not None:
        start.wait()
    if route == "page":
        answers.append(client.post(f"/orgs/changes/{change_id}/approve", data={}))
    else:
        answers.append(client.post(f"/api/v1/orgs/changes/{change_id}/approve", headers=scene["headers"]))


@pytest.mark.committing
@pytest.mark.parametrize("route", ["api", "page"])
def test_a_code_taken_by_an_uncommitted_transaction_makes_the_approval_409(committed_scene, route):
    """Another transaction gives the code to another organisation and has not committed when the approval checks;
    it commits while the approval waits on the index (PostgreSQL), so the check passed and the flush is refused."""
    application, scene = committed_scene
    (org_id, old_code), (other_id, _) = scene["orgs"]
    change_id, answers = scene["changes"][0], []
    with application.app_context():
        response = while_uncommitted(
            db.engine, sa.update(Organisation).where(Organisation.id == other_id).values(uscc=scene["code"]),
            lambda: approve(application, scene, change_id, route, answers) or answers[-1])
        assert response.status_code == 409, response.get_data(as_text=True)[:2000]
        said = response.get_json()["error"]["fields"]["uscc"] if route == "api" else response.get_data(as_text=True)
        assert TAKEN in said
        unchanged(change_id, org_id, old_code)
        db.session.remove()


@pytest.mark.committing
def test_two_approvals_of_one_code_at_once_one_wins_the_other_is_409(committed_scene):
    application, scene = committed_scene
    start, answers = threading.Barrier(2), []
    workers = [threading.Thread(target=approve, args=(application, scene, change_id, "api", answers, start))
               for change_id in scene["changes"]]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(r.status_code for r in answers) == [200, 409], [r.get_data(as_text=True)[:500] for r in answers]
    with application.app_context():
        holders = db.session.scalars(select(Organisation.id).where(Organisation.uscc == scene["code"])).all()
        decided = db.session.scalars(select(ChangeRequest.status).where(ChangeRequest.id.in_(scene["changes"])))
        assert len(holders) == 1 and sorted(decided) == ["approved", "pending"]
        assert sum(approvals_of(org_id) for org_id, _ in scene["orgs"]) == 1
        db.session.remove()
