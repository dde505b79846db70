"""Factories: real service calls, so every fixture row also has its audit event."""

import itertools

from accounts import services as accounts
from accounts.enums import Role

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
