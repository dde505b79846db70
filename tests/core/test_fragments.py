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
    page = client.get("/").get_data(as_text=True)
    assert 'id="unread-count">2<' in page
    # (a phone folds the menu away: the count is on the menu's button too, said in words to a screen reader)
    assert 'id="unread-menu">2<span class="visually-hidden"> 2 条未读通知</span>' in page
    client.post("/notifications", data={})
    assert 'id="unread-count"' not in client.get("/").get_data(as_text=True)
    assert 'id="unread-menu"' not in client.get("/").get_data(as_text=True)


def test_anonymous_and_role_less_users_get_different_menus(app, client, session):
    anonymous = client.get("/").get_data(as_text=True)
    assert 'id="workmenu"' not in anonymous and 'id="checkmenu"' in anonymous
    member = app.test_client()
    user = make_user()  # no platform role: an organisation's member
    assert login(member, user.username, "correct-horse-1").status_code == 302
    assert 'id="workmenu"' in member.get("/").get_data(as_text=True)
    assert 'id="workmenu"' not in app.test_client().get("/").get_data(as_text=True)


def test_slots_are_escaped_and_filled_per_user(app, client, session):
    """The cached user menu takes the name, badge, CSRF token and page as slots: escaped, never shared."""
    odd = make_user(Role.OFFICER, display_name='<b id="x">王</b>')
    plain = make_user(Role.OFFICER)  # the same roles: the same cached fragment
    first, second = app.test_client(), app.test_client()
    assert login(first, odd.username).status_code == 302
    assert login(second, plain.username).status_code == 302
    odd_page = first.get("/").get_data(as_text=True)
    user_menu = odd_page.split('id="usermenu"><span class="user-name">', 1)[1].split("</span></a>", 1)[0]
    assert user_menu == "&lt;b id=&#34;x&#34;&gt;王&lt;/b&gt;"  # escaped
    assert '<b id="x">' not in odd_page
    plain_page = second.get("/").get_data(as_text=True)
    assert plain.display_name in plain_page and "王&lt;/b&gt;" not in plain_page
    # Each page carries its own user's CSRF token, and logging out with it works.
    token = plain_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert token and token not in odd_page
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert second.post("/logout", data={"csrf_token": token}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert plain.display_name not in second.get("/").get_data(as_text=True)


def test_a_slot_value_cannot_fill_another_slot(app):
    """Markers are NUL-delimited; a value's NULs are dropped, so it cannot smuggle in a marker for a later slot."""
    from core.templating import cached_fragment

    with app.test_request_context("/"):
        html = cached_fragment("_user_menus.html", next="a\x00next\x00b<")
    assert "\x00" not in html and "?next=anextb&lt;" in html


def test_language_links_come_back_to_the_page(client, session, login_as):
    login_as(make_user(Role.OFFICER))
    page = client.get("/calls/?q=a&status=open").get_data(as_text=True)
    link = page.split('data-lang="en"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    assert link.startswith("/lang/en?next=") and "&" not in link.replace("&amp;", "")
    answer = client.get(link.replace("&amp;", "&"))
    assert answer.status_code == 302 and answer.headers["Location"] == "/calls/?q=a&status=open"


def test_session_user_is_held_as_loaded(app, session):
    """The session user built from the Core row is persistent and unmodified, with its roles loaded."""
    from accounts.sessions import load_session_user
    from core.db import db

    user = make_user(Role.OFFICER, Role.EVALUATOR)
    session_id, user_id = user.get_id(), user.id
    db.session.flush()
    db.session.expunge_all()
    loaded = load_session_user(session_id)
    assert loaded is not None and loaded.id == user_id and loaded in db.session
    assert "roles" in loaded.__dict__ and loaded.role_names == {"officer", "evaluator"}
    assert not db.session.dirty and not db.session.new
    assert load_session_user(session_id) is loaded  # the session's own object, once loaded
    assert load_session_user(f"{user_id}:wrong-nonce") is None
    assert load_session_user("99999999999999:x") is None


def work_menu(app, user) -> str:
    """The "My work" menu of the home page, as the user sees it."""
    browser = app.test_client()
    assert login(browser, user.username, "correct-horse-1").status_code == 302
    page = browser.get("/").get_data(as_text=True)
    if 'id="workmenu"' not in page:  # a resident and nothing else: what they use is at the menu's top level
        return page.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]
    return page.split('id="workmenu"', 1)[1].split("</ul>", 1)[0]


def test_an_account_that_is_only_a_residents_is_not_offered_organisations_work(app, session):
    """As on the home page's launcher: a resident's menu has their vouchers, not proposals and projects; an expert's
    neither, unless a member of an organisation (tests/accounts/test_work_menu.py: by membership, not role)."""
    from tests.orgs.helpers import approved_org

    resident_only = work_menu(app, make_user(Role.RESIDENT))
    assert 'href="/vouchers/me"' in resident_only
    assert 'href="/proposals/mine"' not in resident_only and 'href="/orgs/mine"' not in resident_only
    assert 'href="/proposals/mine"' not in work_menu(app, make_user(Role.RESIDENT, Role.EVALUATOR))
    member = make_user(Role.RESIDENT, Role.EVALUATOR)
    approved_org(member, make_user(Role.OFFICER))
    assert 'href="/proposals/mine"' in work_menu(app, member) and 'href="/orgs/mine"' in work_menu(app, member)


def test_an_auditors_menu_offers_no_organisations_work(app, session):
    """An auditor reads every organisation's records and works for none: their "My work" menu, like their home
    page, offers no organisation, proposals or voucher redemption; nor does an officer's who is no member."""
    auditor = work_menu(app, make_user(Role.AUDITOR))
    for href in ("/orgs/mine", "/proposals/mine", "/vouchers/provider"):
        assert f'href="{href}' not in auditor
    assert 'href="/needs/' in auditor  # what they do read is still there
    assert 'href="/orgs/mine"' not in work_menu(app, make_user(Role.OFFICER))
