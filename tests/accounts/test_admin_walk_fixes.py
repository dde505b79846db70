"""The administrator's walk: deactivating a user needs a reason, as returning or rejecting an application does (the
form and the service; the reason said beside its field, nothing changed)."""

import pytest
from sqlalchemy import func, select

from accounts import services
from accounts.enums import Role
from accounts.models import User
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from tests.factories import make_user

REASON_NEEDED = "请填写原因。"


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.seq)))


def reason_error(page: str) -> str:
    return page.split('id="reason-error"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("typed", ["", "  \n "])
def test_deactivating_without_a_reason_is_refused_beside_the_field(client, session, login_as, typed):
    login_as(make_user(Role.ADMIN))
    user = make_user(Role.OFFICER)
    db.session.commit()
    before = audit_count()
    response = client.post(f"/admin/users/{user.id}/deactivate", data={"reason": typed})
    assert response.status_code == 422 and REASON_NEEDED in reason_error(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(User, user.id).active and audit_count() == before


def test_the_service_refuses_a_deactivation_without_a_reason(session):
    admin, user = make_user(Role.ADMIN), make_user(Role.OFFICER)
    nonce, before = user.session_nonce, audit_count()
    with pytest.raises(ServiceError) as refused:
        services.set_active(user, False, actor=admin, reason=" ")
    assert str(refused.value.fields["reason"]) == REASON_NEEDED
    assert user.active and user.session_nonce == nonce and audit_count() == before
    services.set_active(user, False, actor=admin, reason="调离")
    assert not user.active


def test_the_deactivation_form_asks_for_a_reason_and_reactivation_does_not(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    user = make_user(Role.OFFICER)
    db.session.commit()
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    deactivate = page.split('id="deactivate-form"', 1)[1].split("</form>", 1)[0]
    assert "required" in deactivate.split('name="reason"', 1)[1].split(">", 1)[0]
    assert client.post(f"/admin/users/{user.id}/deactivate", data={"reason": "离职"}).status_code == 302
    assert client.post(f"/admin/users/{user.id}/reactivate", data={"reason": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active
