import sys

import click
from flask.cli import AppGroup

from core.db import read_only_transactions

from . import verification

audit_cli = AppGroup("audit", help="The hash-chained audit trail.")


@audit_cli.command("verify")
def verify():
    """Walk the chain; exit 0 and print the head when intact, else name the first bad event."""
    with read_only_transactions():  # reading only: writers need not wait for a long walk
        result = verification.verify()
    if result.ok:
        click.echo(f"OK: {result.checked} events verified; head seq={result.head.seq} hash={result.head.hash}")
        return
    click.echo(f"BROKEN at seq {result.bad_seq}: {result.reason} "
               f"(last good seq={result.head.seq} hash={result.head.hash})", err=True)
    sys.exit(1)


@audit_cli.command("head")
def head():
    """Print the current head (seq and hash) without verifying."""
    with read_only_transactions():
        current = verification.head()
    click.echo(f"{current.seq} {current.hash}")
