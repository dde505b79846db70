"""An organisation's application is moved only by its managers and by officers: anyone else is refused 403 before
what they sent is read (found by the cross-tenant sweep, tests/core/test_cross_tenant.py)."""

from sqlalchemy import func, select

from accounts.models import User
from audit.models import AuditEvent
from core.db import db
from orgs.models import Membership
from tests.factories import login


def test_an_outsider_moving_another_organisations_application_is_refused_403(client, session, demo_data):
    """It answered 400 to an empty form, and to a well-formed one a flashed refusal and a redirect."""
    assert login(client, "org01", "gongzhi-demo").status_code == 302
    org_b = db.session.scalar(select(Membership.org_id).join(User, User.id == Membership.user_id)
                              .where(User.username == "org02"))
    before = db.session.scalar(select(func.count(AuditEvent.seq)))
    for form in ({}, {"to": "suspended", "reason": "测试"}, {"to": "submitted"}):
        assert client.post(f"/orgs/{org_b}/status", data=form).status_code == 403
    assert db.session.scalar(select(func.count(AuditEvent.seq))) == before
