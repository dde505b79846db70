"""Two applications with one credit code: drafts do not hold a code, so both may be written, and the first submitted
takes it. When the other is submitted while the first's submission is not yet committed (its check cannot see it),
the live-code index refuses it: the submission is refused naming the code and changes nothing. It was a 500."""

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from orgs import services
from orgs.enums import OrgStatus
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import Upload, make_uscc, org_data
from tests.orgs.test_change_code_race import TAKEN
from tests.racing import committed_app, logged_in, while_uncommitted


def draft_with_documents(applicant, code: str) -> Organisation:
    org = services.create_application(org_data(uscc=code), actor=applicant)
    for kind in ("certificate", "charter", "annual_report"):
        services.add_document(org, kind, Upload(), actor=applicant)
    return org


def submissions_of(org_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "org.submitted", AuditEvent.target_id == str(org_id)))


def test_the_second_submission_of_one_code_is_a_conflict(session):
    code = make_uscc("2", 7_741_001)
    first, second = draft_with_documents(make_user(), code), draft_with_documents(make_user(), code)
    services.transition_org(first, OrgStatus.SUBMITTED, actor=first.memberships[0].user)
    with pytest.raises(Conflict) as caught:
        services.transition_org(second, OrgStatus.SUBMITTED, actor=second.memberships[0].user)
    assert "uscc" in caught.value.fields
    assert second.status == OrgStatus.DRAFT and submissions_of(second.id) == 0


@pytest.fixture
def committed_drafts(migrated_url, tmp_path):
    def build():
        code = make_uscc("2", 7_741_101)
        mine_by, theirs_by = make_user(), make_user()
        mine, theirs = draft_with_documents(mine_by, code), draft_with_documents(theirs_by, code)
        return {"applicant": mine_by.username, "mine": mine.id, "theirs": theirs.id}

    with committed_app(migrated_url, tmp_path, build) as made:
        yield made


@pytest.mark.committing
def test_a_submission_racing_an_uncommitted_one_for_the_same_code_is_refused(committed_drafts):
    application, scene = committed_drafts

    def submit():
        return logged_in(application, scene["applicant"]).post(f"/orgs/{scene['mine']}/status",
                                                               data={"to": "submitted"})

    with application.app_context():  # the other application goes in, not yet committed
        response = while_uncommitted(db.engine, sa.update(Organisation).where(Organisation.id == scene["theirs"])
                                     .values(status="submitted"), submit)
        assert response.status_code == 422, response.get_data(as_text=True)[:2000]
        assert TAKEN in response.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(Organisation, scene["mine"]).status == OrgStatus.DRAFT
        assert submissions_of(scene["mine"]) == 0
        db.session.remove()
