"""Issuing the evaluation report 评估报告: the final score by the engine's aggregation, the grade, rectification
tasks for a 不合格 result or flagged criteria, and the official PDF with its verification record and QR code."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.notifications import notify
from audit import documents
from audit import services as audit
from audit.permissions import allow_download
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, invalid
from core.i18n import joined
from core.pdf import official_language
from core.timeutil import local_today
from core.views import path_for
from orgs.services import active_managers

from . import evidence, project_sheets
from .aggregate import fmt
from .enums import SheetStatus
from .models import Score, ScoreSheet
from .project_enums import EvaluationStatus, Grade, grade_for
from .project_models import ProjectEvaluation, RectificationTask
from .project_permissions import can_download_report
from .project_status import assignment_of, require_in_progress, transition_evaluation

STANDARD_FAIL_TASK = ""  # a requirement no one can type: RectificationTask.requirement shows it translated
DEFAULT_DAYS = 30
MAX_DAYS = 90  # 整改期: a month by default, at most three (a task due 2099-01-01 was accepted, never overdue)
MAX_REQUIREMENT = 2000  # what must be rectified, per flag; refused, never cut
MAX_SUMMARY = 2000  # the report's summary for the public; refused, never cut
allow_download("evaluation_report", ProjectEvaluation, can_download_report)


@dataclass
class Flag:
    """A criterion flagged for rectification (indicator_id None: the result as a whole; requirement "" when the
    platform sets the standard task of a 不合格 result, shown translated by RectificationTask.requirement)."""

    indicator_id: int | None
    requirement: str
    due_on: date | None  # None: what was typed is not a date


def rectification_due_window(today: date) -> tuple[date, date]:
    """The earliest and latest due date of a rectification task set today."""
    return today + timedelta(days=1), today + timedelta(days=MAX_DAYS)


def _flag_errors(evaluation: ProjectEvaluation, flags: list[Flag]) -> dict[str, str]:
    """What is wrong with each flag, keyed flag<criterion id> (flag0: the result as a whole)."""
    criteria = {c.id for c in evaluation.template.criteria}
    earliest, latest = rectification_due_window(local_today())
    errors = {}
    for flag in flags:
        name = f"flag{flag.indicator_id or 0}"
        if flag.indicator_id is not None and flag.indicator_id not in criteria:
            errors[name] = _("Unknown criterion.")
        elif not flag.requirement.strip():
            errors[name] = _("Say what must be rectified.")
        elif len(flag.requirement.strip()) > MAX_REQUIREMENT:
            errors[name] = _("At most %(n)d characters.", n=MAX_REQUIREMENT)
        elif flag.due_on is None:
            errors[name] = _("Dates are YYYY-MM-DD.")
        elif flag.due_on < earliest:
            errors[name] = _("The due date must be in the future.")
        elif flag.due_on > latest:
            errors[name] = _("Rectification is due at most %(n)d days after the report: %(date)s at the latest.",
                             n=MAX_DAYS, date=latest.isoformat())
    return errors


def flags_from_form(evaluation: ProjectEvaluation, form) -> list[Flag]:
    """Ticked criteria (flag_<id>; flag_0 for the result as a whole) with their requirement and due date (None
    when what was typed is not a date: issue_report refuses it beside the criterion, with the other reasons)."""
    flags = []
    for cid in [0, *(c.id for c in evaluation.template.criteria)]:
        if not form.get(f"flag_{cid}"):
            continue
        try:
            due = date.fromisoformat(form.get(f"due_{cid}", "").strip())
        except ValueError:
            due = None
        flags.append(Flag(cid or None, form.get(f"requirement_{cid}", ""), due))
    return flags


def issue_report(evaluation: ProjectEvaluation, summary: str, flags: list[Flag], *, actor):
    """By an evaluator of the evaluation, once every cleared evaluator has submitted a sheet. The evaluation is
    locked first (as a withdrawal locks it), and its evaluators read after: a sheet withdrawn meanwhile does not
    count."""
    lock_row(evaluation, "status", "report_code")
    db.session.expire(evaluation, ["assignments"])
    assignment = assignment_of(actor, evaluation)
    if assignment is None or not assignment.cleared:
        raise Forbidden(_("You do not have permission to do this."))
    require_in_progress(evaluation)
    if missing := project_sheets.missing_work(evaluation):
        raise Conflict(_("The evaluation is not complete: %(names)s still have declarations or score sheets to "
                         "submit.", names=joined(missing)))
    result = project_sheets.result(evaluation)
    if result is None:
        raise Conflict(_("No submitted score sheet yet."))
    summary, errors = (summary or "").strip(), {}
    if len(summary) < 5:
        errors["summary"] = _("Write a summary for the public (at least 5 characters).")
    elif len(summary) > MAX_SUMMARY:
        errors["summary"] = _("At most %(n)d characters.", n=MAX_SUMMARY)
    grade = grade_for(result.final)
    flags = list(flags)
    if errors := errors | _flag_errors(evaluation, flags):  # (what was typed: the standard task is never refused)
        raise invalid(errors)
    if grade is Grade.FAIL and not any(f.indicator_id is None for f in flags):
        flags.append(Flag(None, STANDARD_FAIL_TASK, local_today() + timedelta(days=DEFAULT_DAYS)))
    evaluation.final_score, evaluation.grade, evaluation.summary = fmt(result.final), grade.value, summary
    evaluation.tasks = [RectificationTask(indicator_id=f.indicator_id, written_requirement=f.requirement.strip(),
                                          due_on=f.due_on) for f in flags]
    evaluation.issued_at, evaluation.issued_by_id = utcnow(), actor.id
    db.session.flush()
    with official_language():  # (the figures' texts are put together before the rendering)
        document = documents.issue_document(
            "evaluation/evaluation_report_pdf.html", title=f"评估报告：{evaluation.contract.title}",
            doc_type="evaluation_report", actor=actor, target=evaluation, **report_context(evaluation, result))
    evaluation.report_code = document.code
    db.session.flush()
    audit.record("evaluation.report_issued", evaluation, actor=actor,
                 data={"final_score": evaluation.final_score, "grade": grade.value, "code": document.code,
                       "totals": {str(k): fmt(v) for k, v in result.totals.items()},
                       "tasks": [[f.indicator_id, f.due_on] for f in flags]})
    transition_evaluation(evaluation, EvaluationStatus.RECTIFICATION if flags else EvaluationStatus.COMPLETED,
                          actor=actor)
    for m in active_managers(evaluation.contract.org):
        notify(m.user_id, "evaluation.report_issued", link=path_for("project_evaluation.show",
                                                                     evaluation_id=evaluation.id),
               project=evaluation.contract.title, grade=grade.value)
    return document


def comments_by_criterion(evaluation: ProjectEvaluation) -> dict[int, list[str]]:
    ids = [a.id for a in evaluation.assignments if a.cleared]
    rows = db.session.scalars(select(Score).join(ScoreSheet, ScoreSheet.id == Score.sheet_id)
                              .where(ScoreSheet.assignment_id.in_(ids), ScoreSheet.status == SheetStatus.SUBMITTED,
                                     Score.comment != "").order_by(Score.id))
    found: dict[int, list[str]] = {}
    for score in rows:
        found.setdefault(score.indicator_id, []).append(score.comment)
    return found


def report_context(evaluation: ProjectEvaluation, result) -> dict:
    names = {a.id: a.user.display_name for a in evaluation.assignments}
    return {"evaluation": evaluation, "contract": evaluation.contract, "indicators": evaluation.template,
            "result": result, "names": names, "figures": evidence.figures(evaluation),
            "comments": comments_by_criterion(evaluation), "fmt": fmt, "grade": Grade(evaluation.grade),
            "tasks": evaluation.tasks}
