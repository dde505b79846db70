"""A milestone report sent again after the officer returned the last one. The form starts from the returned report
(its narrative, outputs, activities and fees as the form's values), and the files stored with the milestone's earlier
reports (evidence files, activity photos) can be referenced again by the new report instead of being uploaded once
more: a stored file is never changed, and several reports may point at it."""

from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.money import input_text
from core.uploads import StoredFile
from core.views import db_int

from .contract_models import Contract, Milestone, MilestoneReport, ReportStatus

EVIDENCE_REUSE = "evidence-reuse"  # the form's checkboxes: an earlier report's evidence file, used again


def photos_reuse(row: int) -> str:
    """The form's checkboxes of an activity row (from 0): an earlier report's photo, used again on this row."""
    return f"activity-{row}-photos-reuse"


def returned_report(milestone: Milestone) -> MilestoneReport | None:
    """The milestone's last report when the officer returned it (the next one starts from it); else None."""
    latest = milestone.latest_report
    return latest if latest is not None and latest.status == ReportStatus.RETURNED else None


def earlier_files(milestone: Milestone) -> dict[int, StoredFile]:
    """The files of the milestone's earlier reports (evidence files and activity photos), by id: those a new report
    on the milestone may use again (every earlier one was returned: a report waiting or accepted admits no other)."""
    found: dict[int, StoredFile] = {}
    for report in milestone.reports:
        for evidence in report.evidence_files:
            found.setdefault(evidence.file_id, evidence.file)
        for activity in report.activities:
            for photo in activity.photos:
                found.setdefault(photo.file_id, photo.file)
    return found


def prefill(contract: Contract, report: MilestoneReport, activity_rows: int, fee_rows: int) -> dict[str, str]:
    """The returned report as the form's values (the names the form posts), for the first `activity_rows` activities
    and `fee_rows` fees (the form's rows; the page names those left over)."""
    values = {"narrative": report.narrative}
    achieved = {row.get("indicator"): row.get("achieved") for row in report.outputs or []}
    for i, target in enumerate(contract.outputs or []):
        if target.get("indicator") in achieved:
            values[f"output-{i}"] = str(achieved[target.get("indicator")])
    for i, activity in enumerate(report.activities[:activity_rows]):
        values |= {f"activity-{i}-date": activity.held_on.isoformat(), f"activity-{i}-place": activity.place,
                   f"activity-{i}-participants": str(activity.participants),
                   f"activity-{i}-description": activity.description}
    fees = report.fees[:fee_rows]
    usernames = dict(db.session.execute(select(User.id, User.username).where(
        User.id.in_({f.recipient_user_id for f in fees if f.recipient_user_id and not f.recipient_phone})))
        .all()) if fees else {}
    for i, fee in enumerate(fees):
        key = f"fee-{i}"
        values |= {f"{key}-kind": fee.kind, f"{key}-amount": input_text(fee.amount_fen),
                   f"{key}-paid_on": fee.paid_on.isoformat()}
        if fee.recipient_phone or fee.recipient_user_id not in usernames:
            # Named with a phone number, as typed: a phone that belongs to a platform user links them again, and
            # the organisation still learns no user name from it.
            values |= {f"{key}-name": fee.recipient_name, f"{key}-phone": fee.recipient_phone}
        else:
            values[f"{key}-username"] = usernames[fee.recipient_user_id]
    return values


def offered_photos(report: MilestoneReport | None, activity_rows: int) -> list[list[StoredFile]]:
    """The photos the form offers again on each activity row: those of the returned report's activity on that row."""
    activities = report.activities[:activity_rows] if report is not None else []
    return [[p.file for p in activities[i].photos] if i < len(activities) else [] for i in range(activity_rows)]


def read_reused(form, data) -> None:
    """The earlier files ticked on the form, onto the report's input (ReportInput.reused_evidence, each activity's
    reused_photos, by its row); an id that cannot be read is kept as None, for the service to refuse."""
    data.reused_evidence = [_file_id(v) for v in form.getlist(EVIDENCE_REUSE)]
    for activity in data.activities:
        if activity.row:
            activity.reused_photos = [_file_id(v) for v in form.getlist(photos_reuse(activity.row - 1))]


def _file_id(value: str) -> int | None:
    try:
        return db_int(value)
    except (TypeError, ValueError):
        return None
