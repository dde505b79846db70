"""The administrator creating a user (QA walk): every reason is given at the first refusal, each once (a form refused
for a short password said that the user name was taken and the number no mobile number only on the next attempt,
and a name taken was said three times: beside the field, in the list at the top and flashed); the communities' hint
names the street whose communities a staff member who ticks none looks after."""

import re

from sqlalchemy import func, select

from accounts.enums import Role
from accounts.models import Community, User
from audit.models import AuditEvent
from core.db import db
from tests.factories import make_user

TAKEN = "该用户名已被使用。"


def events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def field_error(body: str, field: str) -> str:
    found = re.search(rf'id="{field}-error" class="field-errors">(.*?)</div></div>', body, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


def new_user(client, **typed):
    data = {
        "username": "new.staff",
        "display_name": "新同事",
        "password": "a-good-password-1",
        "phone": "",
        "email": "",
        **typed,
    }
    return client.post("/admin/users/new", data=data)


def test_every_reason_at_the_first_refusal(client, session, login_as, app):
    login_as(make_user(Role.ADMIN))
    taken = make_user(Role.OFFICER)
    db.session.commit()
    before, users = events(), db.session.scalar(select(func.count(User.id)))
    response = new_user(client, username=taken.username, display_name="", password="short", phone="12345")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert TAKEN in field_error(body, "username")
    assert "11" in field_error(body, "phone")  # the number, though the user name stopped the service's checks
    assert field_error(body, "display_name") and "8" in field_error(body, "password")
    assert body.count(TAKEN) == 2  # beside the field and in the list at the top, not flashed a third time
    db.session.expire_all()
    assert events() == before and db.session.scalar(select(func.count(User.id))) == users


def test_a_name_taken_alone_is_said_once_beside_it_and_once_at_the_top(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    taken = make_user(Role.OFFICER)
    db.session.commit()
    body = new_user(client, username=taken.username).get_data(as_text=True)
    assert body.count(TAKEN) == 2 and TAKEN in field_error(body, "username")
    top = body.split('id="form-errors"', 1)[1].split("</div>", 1)[0]
    assert top.count("<li>") == 1 and TAKEN in top


def test_a_number_registered_already_and_a_bad_user_name_are_said_together(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    owner = make_user(Role.OFFICER)
    owner.phone = "13800005555"
    db.session.commit()
    body = new_user(client, username="Bad Name!", phone="138 0000 5555").get_data(as_text=True)
    assert "小写字母" in field_error(body, "username") and "已被注册" in field_error(body, "phone")


def test_a_good_user_is_still_created(client, session, login_as):
    login_as(make_user(Role.ADMIN))
    db.session.commit()
    response = new_user(client, roles=[Role.OFFICER.value])
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.username == "new.staff")).has_role(Role.OFFICER)


def test_the_communities_hint_names_the_street(client, session, login_as, app):
    db.session.add(Community(name="和平社区", street="幸福街道", district="东城区"))
    login_as(make_user(Role.ADMIN))
    db.session.commit()
    body = client.get("/admin/users/new").get_data(as_text=True)
    assert "都不勾选：幸福街道内所有社区" in body


def test_with_no_community_the_hint_names_the_street_office(client, session, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PURCHASER_NAME", "光明街道办事处")
    login_as(make_user(Role.ADMIN))
    db.session.commit()
    assert db.session.scalar(select(func.count(Community.id))) == 0
    body = client.get("/admin/users/new").get_data(as_text=True)
    assert "都不勾选：光明街道办事处内所有社区" in body
