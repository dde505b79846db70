import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.db import db

from .awards import finish_if_due
from .calls import close_if_due
from .enums import CallStatus
from .models import Call

calls_cli = AppGroup("calls", help="Calls for proposals.")


@calls_cli.command("close-due")
def close_due():
    """Close calls past their deadline and award calls whose publicity has ended (run it from cron; pages also
    do this when a call is looked at)."""
    due = list(db.session.scalars(select(Call).where(Call.status.in_([CallStatus.PUBLISHED, CallStatus.PUBLICITY]))))
    changed = [call.id for call in due if close_if_due(call) or finish_if_due(call)]
    db.session.commit()
    click.echo(f"closed or awarded {len(changed)} call(s): {changed}")


contracts_cli = AppGroup("contracts", help="Contracts and delivery.")


@contracts_cli.command("remind")
def remind():
    """Notify managers of overdue milestones, recipients of unconfirmed fee payments and officers of what waits
    (run it daily from cron)."""
    from .contract_watch import remind as send_reminders

    result = send_reminders()
    db.session.commit()
    click.echo(f"overdue milestones {result['overdue']} ({result['overdue_notices']} notices), fee reminders "
               f"{result['fee_reminders']}, reports waiting {result['waiting']}, payable tranches {result['payable']}, "
               f"receipts denied or unconfirmed {result['receipts']}")
