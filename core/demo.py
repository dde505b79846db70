"""`flask demo`: each package registers its loader; loaders are idempotent and run in order."""

from collections.abc import Callable

import click
from flask.cli import with_appcontext

from .db import db

_loaders: list[tuple[int, str, Callable[[], list[str]]]] = []


def register_demo(order: int, name: str):
    def decorator(fn):
        _loaders.append((order, name, fn))
        return fn

    return decorator


def load_all() -> list[str]:
    lines = []
    for _order, _name, fn in sorted(_loaders, key=lambda item: item[0]):
        lines.extend(fn())
        db.session.commit()
    return lines


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the demo dataset (safe to run again: nothing is duplicated)."""
    for line in load_all():
        click.echo(line)
