import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.db import db

from .calls import close_if_due
from .enums import CallStatus
from .models import Call

calls_cli = AppGroup("calls", help="Calls for proposals.")


@calls_cli.command("close-due")
def close_due():
    """Close every open call whose deadline has passed (pages also do this when a call is looked at)."""
    closed = [call.id for call in db.session.scalars(select(Call).where(Call.status == CallStatus.PUBLISHED))
              if close_if_due(call)]
    db.session.commit()
    click.echo(f"closed {len(closed)} call(s): {closed}")
