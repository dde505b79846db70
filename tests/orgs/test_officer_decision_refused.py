"""An officer's decision on an organisation (return, reject, suspend, deregister) refused: the organisation's page
again, 422, with the reason as typed kept in its box and why beside it, nothing changed. It was a flash after a
redirect (302): the reason box unmarked, and a long reason typed and refused for its length lost."""

import re

from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from orgs.models import Organisation
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org, submitted_org


def events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def test_returning_without_a_reason_says_so_beside_the_reason_on_the_page(session, client):
    officer = make_user(Role.OFFICER)
    org = submitted_org(make_user())
    db.session.commit()
    login(client, officer.username)
    before = events()
    response = client.post(f"/orgs/{org.id}/status", data={"to": "returned", "reason": "  "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<textarea[^>]*aria-invalid="true"[^>]*name="reason"|<textarea[^>]*name="reason"[^>]*'
                     r'aria-invalid="true"', page)
    assert 'id="reason-error"' in page and "请填写原因。" in page
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).status == "submitted" and events() == before


def test_a_reason_too_long_is_kept_as_typed_and_nothing_changes(session, client):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    db.session.commit()
    login(client, officer.username)
    before = events()
    typed = "多次未按规定开展活动" * 210  # 2,100 characters, over the 2,000 allowed
    response = client.post(f"/orgs/{org.id}/status", data={"to": "suspended", "reason": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert typed in page and 'id="reason-error"' in page and 'id="decision-form"' in page
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).status == "approved" and events() == before


def test_a_decision_with_its_reason_goes_through(session, client):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    db.session.commit()
    login(client, officer.username)
    response = client.post(f"/orgs/{org.id}/status", data={"to": "suspended", "reason": "年检未通过"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).status == "suspended"
