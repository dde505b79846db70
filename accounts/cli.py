import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.db import db
from core.errors import ServiceError

from . import services, tokens
from .enums import Role
from .models import User

users_cli = AppGroup("users", help="Create users and API tokens (for deployment and scripting).")


def _refusal(exc: ServiceError) -> str:
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return f"{exc.message} {details}".strip()


@users_cli.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="A role to grant (repeatable).")
@click.option("--name", "display_name", default=None, help="Display name (defaults to the user name).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create(username, roles, display_name, password_stdin):
    """Create a user; the password comes from a prompt or standard input."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(username, display_name or username, password, roles)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(_refusal(exc)) from exc
    db.session.commit()
    click.echo(f"created user {user.username} (id {user.id}) with roles: {', '.join(roles) or '-'}")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A name to recognise the token by.")
def token(username, name):
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    user = db.session.scalar(select(User).where(User.username == services.normalise_username(username)))
    if user is None:
        raise click.ClickException(f"no such user: {username}")
    if not user.active:  # its token would be refused on every request
        raise click.ClickException(f"user {user.username} is deactivated; reactivate them first")
    try:
        _token, plain = tokens.create_token(user, name, actor=None)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(_refusal(exc)) from exc
    db.session.commit()
    click.echo(plain)
