"""A second click racing the first: an annual report sent twice at once. Both requests look for the year's report
before either has committed; on PostgreSQL both find none and the second's INSERT waits on the unique index, then is
refused there. The answer is a 409 saying what happened, not a 500, and the database keeps exactly one report."""

import io

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import _unique_violation
from core.uploads import store_upload
from orgs.models import AnnualReport
from tests.conftest import ON_POSTGRES
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, Upload, approved_org
from tests.racing import committed_app, logged_in, while_uncommitted

SAVED_MEANWHILE = "The same thing was saved a moment ago by another request"
ALREADY = "The annual report for 2025 has already been submitted."


@pytest.fixture
def scene(migrated_url, tmp_path):
    def build():
        manager = make_user()
        org = approved_org(manager, make_user(Role.OFFICER))
        stored = store_upload(Upload(), actor=manager)
        return {"manager": manager.username, "org": org.id, "file": stored.id}

    with committed_app(migrated_url, tmp_path, build) as made:
        yield made


@pytest.mark.committing
def test_a_report_sent_while_the_same_one_is_being_saved_is_a_conflict(scene):
    application, facts = scene

    def second_click():
        return logged_in(application, facts["manager"]).post(
            f"/orgs/{facts['org']}/annual-reports", headers={"Accept-Language": "en"},
            content_type="multipart/form-data", data={"year": "2025", "file": (io.BytesIO(PDF_BYTES), "2025.pdf")})

    with application.app_context():  # the first click's report, written and not yet committed
        response = while_uncommitted(db.engine, sa.insert(AnnualReport.__table__).values(
            org_id=facts["org"], year=2025, file_id=facts["file"], status="submitted", review_note="",
            submitted_at=sa.func.now()), second_click)
        assert response.status_code == 409, response.get_data(as_text=True)[:1500]
        said = response.get_data(as_text=True)
        # PostgreSQL: the index refused the second INSERT. SQLite: the second waited for the write lock, then its
        # check saw the first report.
        assert (SAVED_MEANWHILE if ON_POSTGRES else ALREADY) in said
        assert db.session.scalar(select(func.count()).select_from(AnnualReport)
                                 .where(AnnualReport.org_id == facts["org"])) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "org.annual_report_submitted")) == 0
        db.session.remove()


def refusal_of(statement) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, db.session.begin_nested():
        db.session.execute(statement)
    return caught.value


def test_only_a_unique_violation_counts_as_a_concurrent_duplicate(session):
    """Any other refusal of the database (a CHECK, a foreign key) is a defect: a 500, logged."""
    user = make_user(Role.OFFICER)
    roles = sa.table("user_roles", sa.column("user_id"), sa.column("role"))
    assert _unique_violation(refusal_of(sa.insert(roles).values(user_id=user.id, role="officer")))
    assert not _unique_violation(refusal_of(sa.insert(roles).values(user_id=user.id, role="nonsense")))
