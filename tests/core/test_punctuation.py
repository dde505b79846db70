"""Pages punctuate in the user's language: 、 and ： in Chinese, ', ' and ': ' in English; and a choice that is no
longer offered is refused in the user's language, not in WTForms' English."""

from flask_babel import refresh

from accounts.enums import Role
from accounts.models import User
from core.db import db
from core.i18n import joined
from tests.factories import make_user
from tests.orgs.helpers import approved_org, community


def test_lists_and_labels_are_punctuated_in_the_users_language(client, session, login_as):
    officer = make_user(Role.OFFICER)
    places = [community("和平社区"), community("安宁社区")]
    org = approved_org(make_user(), officer, community_ids=[p.id for p in places])
    db.session.commit()
    login_as(officer)
    names = sorted(p.full_name for p in org.communities)
    chinese = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert "、".join(names) in chinese or "、".join(reversed(names)) in chinese
    client.get("/lang/en?next=/")
    english = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    assert ", ".join(names) in english or ", ".join(reversed(names)) in english
    assert "、" not in english.split('id="main"')[1]


def test_joined_follows_the_language(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert joined(["A", "B", "C"]) == "A, B, C"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()  # the locale is kept on the app context, which the test holds open across both requests
        assert joined(["甲", "乙"]) == "甲、乙"


def test_a_choice_no_longer_offered_is_refused_in_chinese(client, session, login_as):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.RESIDENT)
    db.session.commit()
    login_as(admin)
    page = client.post(f"/admin/users/{user.id}", data={"display_name": "新名字", "roles": ["community_staff"],
                                                        "communities": ["999999"]})
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and "已不再提供" in text and "not a valid choice" not in text
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name != "新名字"
