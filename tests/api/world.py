"""The world of tests/api/test_foreign_writes.py: the demo data, and what a case of it is (a valid request, the user
for whom it succeeds, the users for whom it must not)."""

from dataclasses import dataclass, field

from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from accounts.tokens import create_token
from core.db import db
from orgs.models import Membership, Organisation
from tests.factories import make_user

API = "/api/v1"



@dataclass
class Case:
    method: str
    url: str
    body: dict | None
    right: User
    wrong: dict[str, User] = field(default_factory=dict)


class World:
    """The demo data, and what a case needs of it: users by role, tokens (made once per user)."""

    def __init__(self):
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = create_token(user, "foreign writes", actor=user)[1]
            db.session.commit()
        return self._tokens[user.id]

    @staticmethod
    def named(username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    @staticmethod
    def nobody() -> User:
        """A signed-up user with no role and no organisation."""
        return make_user()

    @staticmethod
    def evaluator() -> User:
        return make_user(Role.EVALUATOR)

    @staticmethod
    def manager_of(org: Organisation) -> User:
        return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.org_id == org.id, Membership.role == "manager", Membership.status == "active")
            .order_by(User.id))

    def other_manager(self, *orgs: Organisation) -> User:
        """A manager of another approved organisation (none of `orgs`)."""
        other = db.session.scalar(select(Organisation).where(
            Organisation.status == "approved", Organisation.id.not_in([o.id for o in orgs])).order_by(Organisation.id))
        return self.manager_of(other)

    @staticmethod
    def member_of(org: Organisation, *, role: str = "member", status: str = "active") -> User:
        """A new member of the organisation: by default an active one who is not a manager."""
        user = make_user()
        db.session.add(Membership(org_id=org.id, user_id=user.id, role=role, status=status))
        db.session.flush()
        return user

    def staff(self) -> dict[str, User]:
        """The usual wrong users: a user with no role, an officer, an auditor, an administrator, a resident, an
        evaluator."""
        return {"no role": self.nobody(), "officer": self.named("officer"), "auditor": self.named("auditor"),
                "admin": self.named("admin"), "resident": self.named("resident1"), "evaluator": self.evaluator()}


def first(stmt):
    found = db.session.scalar(stmt.limit(1))
    assert found is not None, f"the demo data has nothing for {stmt}"
    return found


def org_wrong(w: World, org: Organisation) -> dict[str, User]:
    return {**w.staff(), "plain member": w.member_of(org), "other org's manager": w.other_manager(org),
            "invited manager (not yet active)": w.member_of(org, role="manager", status="invited")}
