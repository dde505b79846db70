"""flask uploads purge: remove the files kept from refused forms once they have expired (a day after)."""

import click
from flask.cli import AppGroup

from .db import db
from .uploads import purge_expired_uploads

uploads_cli = AppGroup("uploads", help="Uploaded files.")


@uploads_cli.command("purge")
def purge_command():
    """Remove expired pending uploads (files kept from refused forms), with their files when never used. Each new
    one kept also removes a few; this clears the rest, e.g. nightly from cron."""
    removed = purge_expired_uploads()
    db.session.commit()
    click.echo(f"{removed} expired pending uploads removed.")
