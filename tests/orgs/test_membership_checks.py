"""is_member / is_manager: the same answers whether the organisation's members are loaded or not, and one small
query (not every member with their user) when they are not."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import event, inspect

from accounts.enums import Role
from core.db import db
from orgs import permissions, services
from tests.factories import make_user
from tests.orgs.helpers import approved_org, org_data
from vouchers.permissions import can_redeem_for

# who: (is_member, is_manager)
EXPECTED = {
    "manager": (True, True),
    "member": (True, False),
    "invited_member": (False, False),
    "invited_manager": (False, False),
    "removed": (False, False),
    "other_org_manager": (False, False),
    "stranger": (False, False),
}


@pytest.fixture
def cast(session):
    officer = make_user(Role.OFFICER)
    people = {name: make_user(username=name.replace("_", "-")) for name in EXPECTED}
    org = approved_org(people["manager"], officer)
    approved_org(people["other_org_manager"], officer)
    manager = people["manager"]
    for name, role in (("member", "member"), ("removed", "member")):
        services.answer_invitation(services.invite_member(org, name, role, actor=manager), True, actor=people[name])
    services.invite_member(org, "invited-member", "member", actor=manager)
    services.invite_member(org, "invited-manager", "manager", actor=manager)
    removed = next(m for m in org.memberships if m.user_id == people["removed"].id)
    services.remove_member(removed, actor=manager)
    db.session.commit()
    return org, people


def _answers(org, user):
    return permissions.is_member(user, org), permissions.is_manager(user, org)


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_answers_with_members_not_loaded(cast, who):
    org, people = cast
    db.session.expire_all()
    assert _answers(org, people[who]) == EXPECTED[who]
    assert can_redeem_for(people[who], org) is EXPECTED[who][0]
    assert "memberships" in inspect(org).unloaded  # answered without loading every member


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_answers_with_members_loaded(cast, who):
    org, people = cast
    db.session.expire_all()
    assert len(org.memberships) == 4  # manager, member, two invited
    assert _answers(org, people[who]) == EXPECTED[who]


def test_anonymous_and_missing_users_are_not_members(cast):
    org, _people = cast
    db.session.expire_all()
    for user in (None, AnonymousUserMixin()):
        assert _answers(org, user) == (False, False)


def test_a_new_organisation_is_answered_before_it_is_flushed_again(session):
    manager = make_user()
    org = services.create_application(org_data(), actor=manager)
    assert _answers(org, manager) == (True, True)
    assert _answers(org, make_user()) == (False, False)


def test_role_change_is_seen_at_once(cast):
    org, people = cast
    membership = next(m for m in org.memberships if m.user_id == people["member"].id)
    services.set_member_role(membership, "manager", actor=people["manager"])
    db.session.commit()
    db.session.expire_all()
    assert _answers(org, people["member"]) == (True, True)


def test_one_small_query_per_check(cast):
    org, people = cast
    db.session.expire_all()
    org_id, user_id = org.id, people["manager"].id  # load the organisation and the user outside the count
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert permissions.is_manager(people["manager"], org) is True
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert org_id and user_id and len(statements) == 1, statements
    assert "EXISTS" in statements[0].upper() and "users" not in statements[0]
