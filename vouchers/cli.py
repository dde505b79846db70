"""`flask vouchers …`: the ledger check, expiry (cron) and issuance from the command line."""

import sys

import click
from flask.cli import AppGroup

from core.db import db
from core.errors import ServiceError
from core.views import refusal_text

from . import issuance, ledger
from .models import Programme

vouchers_cli = AppGroup("vouchers", help="Resident service vouchers.")


@vouchers_cli.command("check")
def check_command():
    """Rebuild every balance from the ledger and compare; exit 1 on any difference."""
    mismatches = ledger.check()
    for m in mismatches:
        click.echo(f"{m.what} {m.id}: stored {m.stored_fen} fen, ledger {m.ledger_fen} fen")
    if mismatches:
        click.echo(f"{len(mismatches)} difference(s)")
        sys.exit(1)
    click.echo("ledger and balances agree")


@vouchers_cli.command("expire")
def expire_command():
    """Expire vouchers past their validity; their value returns to the programmes' budgets (run from cron)."""
    count, fen = ledger.expire_due()
    db.session.commit()
    click.echo(f"expired {count} voucher(s), {fen} fen returned to budgets")


@vouchers_cli.command("issue")
@click.argument("programme_id", type=int)
@click.option("--period", default=None, help="YYYY-MM (default: this month in Beijing)")
def issue_command(programme_id: int, period: str | None):
    """Issue a period's vouchers to every eligible resident (resumes an unfinished batch)."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise click.ClickException("no such programme")
    try:
        batch = issuance.start_batch(programme, actor=None, period=period)
    except ServiceError as refusal:
        raise click.ClickException(refusal_text(refusal)) from refusal
    db.session.commit()
    batch = issuance.run_batch(batch.id)
    click.echo(f"batch {batch.id} {batch.status}: {batch.residents_issued} resident(s), "
               f"{batch.vouchers_issued} voucher(s), {batch.issued_fen} fen")
