"""The home launcher puts what a user came for first: an organisation's member sees its work before the way to
become a resident; an account that is nothing yet sees that way first."""

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import approved_org


def _cards(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('id="go-')[1:]]


def test_a_member_sees_the_organisation_s_work_before_becoming_a_resident(app, client, session, login_as):
    member = make_user()
    with app.test_request_context():
        approved_org(member, make_user(Role.OFFICER))
    db.session.commit()
    cards = _cards(login_as(member).get("/").text)
    assert "become-resident" in cards and "proposals" in cards
    assert cards.index("my-orgs") < cards.index("proposals") < cards.index("become-resident") < cards.index("account")


def test_an_account_that_is_nothing_yet_sees_becoming_a_resident_first(client, session, login_as):
    cards = _cards(login_as(make_user()).get("/").text)
    assert cards[0] == "become-resident" and "proposals" not in cards
