"""A need raised tells the community staff who answer it (assigned to its community, or to none), with a link to it;
the home page's launcher card tells community staff how many needs wait to be taken on, and costs other users'
home pages (the officer's is benchmarked) no query."""

import json

from flask_babel import force_locale
from sqlalchemy import select

from accounts import needs
from accounts.enums import NeedStatus, Role
from accounts.notifications import Notification
from core.db import db
from tests.accounts.test_needs import raised, resident_user, staff_of
from tests.factories import logout, make_user, statements_during


def notices(code="need.raised") -> dict[int, Notification]:
    return {n.user_id: n for n in db.session.scalars(select(Notification).where(Notification.code == code))}


def test_raising_a_need_tells_the_staff_of_its_community_and_the_unassigned(app, session):
    same, both, unassigned = staff_of("和平社区"), staff_of("平安社区", "和平社区"), staff_of()
    other, officer = staff_of("平安社区"), make_user(Role.OFFICER)
    away = staff_of()
    away.active = False
    with app.test_request_context():
        user, profile = resident_user("和平社区")
        need = raised(profile, user)
    told = notices()
    assert set(told) == {same.id, both.id, unassigned.id}  # not 平安社区's staff, an officer, a deactivated account
    assert other.id not in told and officer.id not in told and away.id not in told and user.id not in told
    note = told[same.id]
    assert note.link == f"/needs/{need.id}" and json.loads(note.data) == {"category": "home_repair",
                                                                       "community": "和平社区"}
    assert "水管" not in note.data  # the resident's words stay on the need
    with app.test_request_context():
        with force_locale("en"):
            assert note.text == "A resident of 和平社区 has raised a need (Home repair)."
        with force_locale("zh_Hans_CN"):
            assert "和平社区" in note.text and "Home repair" not in note.text


def test_staff_who_raise_a_need_of_their_own_are_not_told_of_it(app, session):
    with app.test_request_context():
        user, profile = resident_user("和平社区")
        user.roles.append(type(user.roles[0])(role=Role.COMMUNITY_STAFF.value))
        db.session.flush()
        colleague = staff_of("和平社区")
        raised(profile, user)
    assert set(notices()) == {colleague.id}


def launcher_note(client) -> str | None:
    page = client.get("/").get_data(as_text=True)
    start = page.find('id="needs-note">')
    return None if start < 0 else page[start + len('id="needs-note">'):page.index("</p>", start)]


def test_the_home_page_tells_staff_how_many_needs_wait_for_them(app, session, client, login_as):
    staff, unassigned = staff_of("和平社区"), staff_of()
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        raised_in = {}
        for name, text in (("和平社区", "送餐"), ("和平社区", "修水管"), ("和平社区", "陪诊"), ("平安社区", "理发"),
                           ("平安社区", "买药")):
            user, profile = resident_user(name)
            raised_in.setdefault(name, []).append(raised(profile, user, text))
        needs.transition_need(raised_in["和平社区"][0], NeedStatus.CLOSED, actor=staff, reply="已安排")
        needs.transition_need(raised_in["平安社区"][0], NeedStatus.ACKNOWLEDGED, actor=officer)  # taken on
    db.session.commit()
    login_as(staff)
    client.get("/")
    assert launcher_note(client) == "待受理：2"  # 和平社区's three, one closed; not 平安社区's
    logout(client)
    login_as(unassigned)
    assert launcher_note(client) == "待受理：3"  # every community's needs nobody has taken on
    logout(client)
    login_as(officer)
    page = client.get("/").get_data(as_text=True)
    assert 'id="go-needs"' in page and launcher_note(client) is None


def test_an_officers_home_page_runs_no_query_for_the_needs_card(app, session, client, login_as):
    with app.test_request_context():
        user, profile = resident_user("和平社区")
        raised(profile, user)
    staff, officer, nobody = staff_of("和平社区"), make_user(Role.OFFICER), make_user()
    db.session.commit()

    def home_statements(who) -> list[str]:
        logout(client)
        login_as(who)
        client.get("/")  # the first page after login shows the flashed message
        seen, response = statements_during(lambda: client.get("/"))
        assert response.status_code == 200
        return seen

    of_staff, of_officer, of_nobody = home_statements(staff), home_statements(officer), home_statements(nobody)
    assert any("resident_needs" in s for s in of_staff)
    assert not any("resident_needs" in s or "staff_communities" in s for s in of_officer)
    assert len(of_officer) == len(of_nobody)  # an officer's home costs what a page with no card's data costs
