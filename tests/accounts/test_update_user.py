"""services.update_user: the admin user page's one service (profile, roles, communities), keeping each part's audit
event; and the pages calling one service per request."""

import json

import pytest
from sqlalchemy import select

from accounts import services
from accounts.enums import Role
from accounts.models import User
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, ServiceError
from tests.factories import make_user
from tests.orgs.helpers import community


def events_for(user, since: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq > since,
                                                            AuditEvent.target_id == str(user.id))
                                   .order_by(AuditEvent.seq)))


def last_seq() -> int:
    return db.session.scalar(select(db.func.max(AuditEvent.seq))) or 0


def test_update_user_changes_everything_with_one_event_per_part_in_order(session):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.RESIDENT, display_name="旧名字")
    place = community("和平社区")
    since = last_seq()
    services.update_user(user, actor=admin, display_name="  新名字 ", email="x@example.com", phone="13800138000",
                         roles=["community_staff"], communities=[place.id])
    db.session.commit()
    db.session.expire_all()
    assert (user.display_name, user.email, user.phone) == ("新名字", "x@example.com", "13800138000")
    assert user.role_names == {"community_staff"}
    assert [c.id for c in user.communities] == [place.id]
    found = events_for(user, since)
    assert [e.action for e in found] == ["user.updated", "user.roles_changed", "user.communities_changed"]
    assert all(e.actor_id == admin.id for e in found)
    assert json.loads(found[1].data) == {"added": ["community_staff"], "removed": ["resident"]}
    assert json.loads(found[2].data) == {"before": [], "after": [place.id]}


def test_update_user_without_changes_records_nothing(session):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.OFFICER)
    since = last_seq()
    services.update_user(user, actor=admin, display_name=user.display_name, email=None, phone=None,
                         roles=["officer"], communities=[])
    assert events_for(user, since) == []


@pytest.mark.parametrize("change, error", [
    ({"roles": ["king"]}, ServiceError),
    ({"communities": [987654]}, ServiceError),
])
def test_a_refused_part_raises_so_the_caller_keeps_nothing(session, change, error):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.OFFICER, display_name="原名")
    db.session.commit()
    since = last_seq()
    arguments = {"display_name": "改名", "email": None, "phone": None, "roles": ["officer"], "communities": []}
    with pytest.raises(error):
        services.update_user(user, actor=admin, **{**arguments, **change})
    db.session.rollback()
    assert db.session.get(User, user.id).display_name == "原名"
    assert events_for(user, since) == []


def test_the_last_admin_cannot_lose_the_role_through_update_user(session):
    admin = make_user(Role.ADMIN)  # the only administrator of this test's database
    with pytest.raises(Conflict):
        services.update_user(admin, actor=admin, display_name="x", email=None, phone=None, roles=["officer"],
                             communities=[])


def test_admin_edit_page_calls_update_user_once(client, session, login_as, monkeypatch):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.RESIDENT)
    place = community("和平社区")
    calls = []
    real = services.update_user

    def spy(*args, **kwargs):
        calls.append({**kwargs, "actor_id": kwargs["actor"].id})
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "update_user", spy)
    for name in ("update_profile", "set_roles", "set_communities"):  # only through update_user, not from the view
        monkeypatch.setattr(services, name, _not_from_the_view(getattr(services, name)))
    login_as(admin)
    since = last_seq()
    response = client.post(f"/admin/users/{user.id}", data={"display_name": "新名字", "roles": ["community_staff"],
                                                            "communities": [str(place.id)]})
    assert response.status_code == 302
    assert len(calls) == 1 and calls[0]["communities"] == [place.id] and calls[0]["actor_id"] == admin.id
    db.session.expire_all()
    assert user.display_name == "新名字" and user.role_names == {"community_staff"}
    assert [e.action for e in events_for(user, since)] == ["user.updated", "user.roles_changed",
                                                          "user.communities_changed"]


def _not_from_the_view(function):
    """The service, refusing to be called from accounts.admin_views (update_user calls it from accounts.services)."""
    import inspect

    def guarded(*args, **kwargs):
        caller = inspect.stack()[1]
        assert caller.frame.f_globals["__name__"] != "accounts.admin_views", f"the view called {function.__name__}"
        return function(*args, **kwargs)

    return guarded


def test_admin_edit_page_refusal_keeps_nothing(client, session, login_as):
    """The profile part is flushed before the roles part is refused: the page's one rollback undoes both."""
    admin = make_user(Role.ADMIN, display_name="原名")  # the only administrator: cannot drop the role
    login_as(admin)
    since = last_seq()
    response = client.post(f"/admin/users/{admin.id}", data={"display_name": "改名", "roles": ["officer"],
                                                             "phone": "13800138000"})
    assert response.status_code == 422  # the form again, with the refusal
    db.session.expire_all()
    assert admin.display_name == "原名" and admin.phone is None and admin.role_names == {"admin"}
    assert [e.action for e in events_for(admin, since) if e.action.startswith("user.")] == []


def test_new_user_page_sets_communities_through_create_user(client, session, login_as):
    admin = make_user(Role.ADMIN)
    place = community("和平社区")
    login_as(admin)
    since = last_seq()
    response = client.post("/admin/users/new", data={"username": "staffer", "display_name": "社区工作者",
                                                     "roles": ["community_staff"], "password": "p" * 10,
                                                     "communities": [str(place.id)]})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "staffer"))
    assert [c.id for c in user.communities] == [place.id]
    assert [e.action for e in events_for(user, since)] == ["user.created", "user.communities_changed"]


def test_create_user_with_communities_sets_them(session):
    admin = make_user(Role.ADMIN)
    place = community("和平社区")
    user = services.create_user("staff2", "工作者", "p" * 10, ["community_staff"], actor=admin,
                                communities=[place.id])
    assert [c.id for c in user.communities] == [place.id]
    with pytest.raises(ServiceError):
        services.create_user("staff3", "工作者", "p" * 10, ["community_staff"], actor=admin, communities=[987654])
