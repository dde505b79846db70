"""An officer's decision on a change of registered items, refused (rejected without a reason; a reason over 2,000
characters): the organisation's page again with the reason as typed in that request's box and why beside it,
nothing changed. The page came back with the box empty (the reason lost) or, for a long reason, the generic error
page."""

import re

from accounts.enums import Role
from core.db import db
from orgs import changes
from orgs.models import ChangeRequest
from tests.factories import make_user
from tests.orgs.helpers import approved_org


def pending_change(officer):
    manager = make_user()
    org = approved_org(manager, officer, name="幸福家园社工中心")
    items = changes.RegisteredItems(name=org.name, uscc=org.uscc, legal_representative=org.legal_representative,
                                    address="东城区新街2号")
    change = changes.request_change(org, items, "搬迁", actor=manager)
    db.session.commit()
    return org, change


def status_of(change_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ChangeRequest, change_id).status


def test_a_rejection_without_reason_is_said_beside_that_requests_box(session, client, login_as):
    officer = make_user(Role.OFFICER)
    org, change = pending_change(officer)
    login_as(officer)
    response = client.post(f"/orgs/changes/{change.id}/reject", data={"reason": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'<textarea class="[^"]*is-invalid"[^>]*id="change-reason-{change.id}"', page)
    assert f'id="change-{change.id}-reason-error"' in page
    assert status_of(change.id) == "pending"


def test_a_reason_too_long_comes_back_as_typed(session, client, login_as):
    officer = make_user(Role.OFFICER)
    org, change = pending_change(officer)
    login_as(officer)
    typed = "地址与登记证书不一致，请补充" * 150  # 2,100 characters
    response = client.post(f"/orgs/changes/{change.id}/reject", data={"reason": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f">{typed}</textarea>" in page and f'id="change-{change.id}-reason-error"' in page
    assert 'id="org-name"' in page  # the organisation's page, not the generic error page
    assert status_of(change.id) == "pending"


def test_a_rejection_with_its_reason_goes_through(session, client, login_as):
    officer = make_user(Role.OFFICER)
    org, change = pending_change(officer)
    login_as(officer)
    assert client.post(f"/orgs/changes/{change.id}/reject", data={"reason": "材料不全"}).status_code == 302
    assert status_of(change.id) == "rejected"
