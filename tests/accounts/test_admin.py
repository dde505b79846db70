import pytest
from sqlalchemy import select

from accounts import services
from accounts.enums import Role
from accounts.models import User
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from tests.factories import login, make_user


def last_event(action):
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()))


def test_admin_creates_a_user_with_roles(client, session, login_as):
    admin = make_user(Role.ADMIN)
    login_as(admin)
    response = client.post("/admin/users/new", data={"username": "Zhangsan", "display_name": "张三",
                                                     "roles": ["officer", "evaluator"], "password": "p" * 10})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "zhangsan"))
    assert user.role_names == {"officer", "evaluator"}
    event = last_event("user.created")
    assert event.actor_id == admin.id and "p" * 10 not in event.data


def test_invalid_new_user_is_refused_with_field_errors(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    make_user(username="taken")
    before = db.session.scalar(select(db.func.count(User.id)))
    for data, message in [
        ({"username": "taken", "display_name": "x", "password": "p" * 10}, "用户名已被使用"),
        ({"username": "a b", "display_name": "x", "password": "p" * 10}, "3–64"),
        ({"username": "okname", "display_name": "x", "password": "p" * 10, "phone": "12345"}, "11 位"),
        ({"username": "okname", "display_name": "x", "password": "p" * 10, "roles": ["king"]}, None),
    ]:
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 422
        if message:
            assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(User.id))) == before


def test_roles_change_is_audited_with_what_changed(client, session, login_as):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.RESIDENT)
    login_as(admin)
    response = client.post(f"/admin/users/{user.id}", data={"display_name": user.display_name,
                                                            "roles": ["officer"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role_names == {"officer"}
    assert '"added":["officer"]' in last_event("user.roles_changed").data
    assert '"removed":["resident"]' in last_event("user.roles_changed").data


def test_last_admin_keeps_the_role_and_cannot_be_deactivated(session):
    admin = make_user(Role.ADMIN)
    with pytest.raises(Conflict):
        services.set_roles(admin, [Role.OFFICER], actor=admin)
    other = make_user(Role.OFFICER)
    with pytest.raises(Conflict):
        services.set_active(admin, False, actor=other)
    assert admin.active and admin.has_role(Role.ADMIN)


def test_admin_cannot_deactivate_self_but_can_others(client, session, login_as):
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN)
    victim = make_user(Role.OFFICER)
    login_as(admin)
    assert client.post(f"/admin/users/{admin.id}/deactivate", data={"reason": ""}).status_code == 403
    assert client.post(f"/admin/users/{victim.id}/deactivate", data={"reason": "调岗"}).status_code == 302
    db.session.expire_all()
    assert not victim.active
    assert '"reason":"调岗"' in last_event("user.deactivated").data
    # Twice is refused and changes nothing.
    seq = last_event("user.deactivated").seq
    client.post(f"/admin/users/{victim.id}/deactivate", data={"reason": ""})
    assert last_event("user.deactivated").seq == seq
    assert client.post(f"/admin/users/{victim.id}/reactivate", data={"reason": ""}).status_code == 302
    db.session.expire_all()
    assert victim.active


def test_admin_password_reset_ends_sessions(app, client, session, login_as):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.OFFICER)
    other = app.test_client()
    login(other, user.username)
    login_as(admin)
    client.post(f"/admin/users/{user.id}/password", data={"password": "new-password-1"})
    assert other.get("/account").status_code == 302
    assert last_event("user.password_reset").target_id == str(user.id)


def test_user_list_search_and_pagination(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    for i in range(30):
        make_user(username=f"bulk{i:02d}")
    first = client.get("/admin/users?q=bulk").get_data(as_text=True)
    assert "bulk00" in first and "bulk29" not in first
    assert "bulk29" in client.get("/admin/users?q=bulk&page=2").get_data(as_text=True)


def test_short_password_is_refused(session):
    with pytest.raises(ServiceError):
        services.create_user("shortpw", "x", "short", [])
