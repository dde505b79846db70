"""Role-only fragments (menus, the home launcher) are cached per language and role set, never across them."""

from accounts.enums import Role
from tests.factories import login, make_user


def test_menus_follow_roles_and_language(app, client, session, login_as):
    officer_page = login_as(make_user(Role.OFFICER)).get("/").get_data(as_text=True)
    assert 'id="managemenu"' in officer_page and 'id="go-programmes"' in officer_page
    client.get("/lang/en?next=/")
    english = client.get("/").get_data(as_text=True)
    assert "Administration" in english and "Voucher programmes" in english

    other = app.test_client()
    resident = make_user(Role.RESIDENT)
    assert login(other, resident.username, "correct-horse-1").status_code == 302
    resident_page = other.get("/").get_data(as_text=True)
    assert 'id="managemenu"' not in resident_page and 'id="go-programmes"' not in resident_page
    assert 'id="go-my-vouchers"' in resident_page
    assert resident.display_name in resident_page  # the per-user parts are not cached


def test_unread_count_in_the_menu_is_current(client, session, login_as):
    from accounts.notifications import notify
    from core.db import db

    user = make_user(Role.OFFICER)
    login_as(user)
    assert 'id="unread-count"' not in client.get("/").get_data(as_text=True)
    notify(user.id, "call.awarded", link="/", call="测试")
    notify(user.id, "call.awarded", link="/", call="测试二")
    db.session.commit()
    assert 'id="unread-count">2<' in client.get("/").get_data(as_text=True)
    client.post("/notifications", data={})
    assert 'id="unread-count"' not in client.get("/").get_data(as_text=True)


def test_anonymous_and_role_less_users_get_different_menus(app, client, session):
    anonymous = client.get("/").get_data(as_text=True)
    assert 'id="workmenu"' not in anonymous and 'id="checkmenu"' in anonymous
    member = app.test_client()
    user = make_user()  # no platform role: an organisation's member
    assert login(member, user.username, "correct-horse-1").status_code == 302
    assert 'id="workmenu"' in member.get("/").get_data(as_text=True)
    assert 'id="workmenu"' not in app.test_client().get("/").get_data(as_text=True)
