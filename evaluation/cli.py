import click
from flask.cli import AppGroup

from core.db import db

evaluations_cli = AppGroup("evaluations", help="Project evaluations.")


@evaluations_cli.command("remind")
@click.option("--soon-days", default=3, show_default=True, type=click.IntRange(0, 60),
              help="Remind of what is due within this many days (and of everything overdue).")
def remind(soon_days: int):
    """Remind evaluators of evaluations (to declare, score or report) and of rectification responses to verify, and
    managers of document requests and rectification tasks, due soon or overdue, and officers of what is overdue (run
    it daily from cron; a second run the same day sends nothing new)."""
    from .reminders import remind as send_reminders

    result = send_reminders(soon_days=soon_days)
    db.session.commit()
    click.echo(f"evaluations due soon {result['evaluations_due_soon']}, overdue {result['evaluations_overdue']}; "
               f"document requests due soon {result['requests_due_soon']}, overdue {result['requests_overdue']}; "
               f"rectification tasks due soon {result['tasks_due_soon']}, overdue {result['tasks_overdue']}; "
               f"responses to verify due soon {result['verifications_due_soon']}, "
               f"overdue {result['verifications_overdue']}; "
               f"declarations awaited {result['declarations_awaited']}; "
               f"{result['notices']} notices sent, {result['already_sent']} already sent today")
