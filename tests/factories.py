"""Factories: real service calls, so every fixture row also has its audit event."""

import itertools

from sqlalchemy import event

from accounts import services as accounts
from accounts.enums import Role
from core.db import db

PASSWORD = "correct-horse-1"
_counter = itertools.count(1)


def make_user(*roles: Role | str, username: str | None = None, password: str = PASSWORD, **kwargs):
    n = next(_counter)
    return accounts.create_user(username or f"user{n}", kwargs.pop("display_name", f"测试用户{n}"), password,
                                roles, actor=None, **kwargs)


def login(client, username: str, password: str = PASSWORD, **kwargs):
    return client.post("/login", data={"username": username, "password": password}, **kwargs)


def logout(client):
    return client.post("/logout")


def statements_during(call) -> tuple[list[str], object]:
    """The SQL statements a call runs (savepoints and rollbacks left out), and its result."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements, result
