"""Reminders for project evaluations (第三方评估), meant for a daily cron run (`flask evaluations remind`): the
evaluators of an evaluation due soon or overdue (to declare, to score, to issue the report), the organisation's
managers for document requests and rectification tasks due soon or overdue, the evaluators for rectification
responses awaiting their verification, and every officer with one digest of what is overdue (the organisations' late
answers and the evaluators' late verifications alike), linking to the list of exactly those evaluations
(`overdue_condition`).

Sending a notice changes no governed record, so nothing is audited here (as for `contracts remind`). A run flushes
its notifications and never commits; the command commits once. Running it twice the same day sends nothing new:
a notice already sent today to the same user with the same code, link and data is not sent again (the officers'
digest: once a day, whatever its figures)."""

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from accounts.notifications import Notification, notify
from core.db import db
from core.timeutil import local_day_bounds, local_today
from core.views import path_for
from orgs.models import Membership
from projects.contract_models import Contract
from projects.contract_reports import officer_ids

from .enums import SheetStatus
from .models import ScoreSheet
from .project_enums import EvaluationStatus, TaskStatus
from .project_models import DocumentRequest, EvaluationAssignment, ProjectEvaluation, RectificationTask

DIGEST = "evaluation.overdue_digest"  # "evaluation.officer_digest" before it counted late verifications


@dataclass
class _Outbox:
    """Notices planned by one run, sent at the end except those already sent today."""

    notices: list[tuple[int, str, str, dict]] = field(default_factory=list)

    def add(self, user_id: int, code: str, link: str, **data) -> None:
        self.notices.append((user_id, code, link, data))

    def _key(self, user_id: int, code: str, link: str, data: dict) -> tuple:
        return (user_id, code, link) if code == DIGEST else (user_id, code, link, json.dumps(
            data, ensure_ascii=False, sort_keys=True))  # as notify() stores it

    def send(self) -> tuple[int, int]:
        """(sent, skipped): one query for what was sent today to these users with these codes, then the rest."""
        if not self.notices:
            return 0, 0
        start, _end = local_day_bounds(local_today())  # the real day the notices are stored under
        users = {n[0] for n in self.notices}
        codes = {n[1] for n in self.notices}
        sent_today = {self._key(user_id, code, link, json.loads(data or "{}")) for user_id, code, link, data
                      in db.session.execute(select(Notification.user_id, Notification.code, Notification.link,
                                                   Notification.data)
                                            .where(Notification.user_id.in_(users), Notification.code.in_(codes),
                                                   Notification.created_at >= start))}
        sent = 0
        for user_id, code, link, data in self.notices:
            key = self._key(user_id, code, link, data)
            if key in sent_today:
                continue
            sent_today.add(key)
            notify(user_id, code, link=link, **data)
            sent += 1
        return sent, len(self.notices) - sent


def _state(due_on: date, today: date) -> str:
    return "overdue" if due_on < today else "due_soon"


def _late_requests(today: date):
    """Ids of evaluations in progress (requests are answered only then) with an unanswered request past its date."""
    evaluation = aliased(ProjectEvaluation)  # never correlated with the list's own evaluations
    return (select(DocumentRequest.evaluation_id).join(evaluation, evaluation.id == DocumentRequest.evaluation_id)
            .where(evaluation.status == EvaluationStatus.IN_PROGRESS, DocumentRequest.answered_at.is_(None),
                   DocumentRequest.due_on < today))


def _late_tasks(today: date, status: TaskStatus = TaskStatus.OPEN):
    """Ids of evaluations in rectification with a task in this state past its date: open (not responded, or
    reopened), the organisation is late; responded, awaiting verification, the evaluator is (the task's due date is
    the date by which it should be settled, as `_remind_verifiers` tells them)."""
    evaluation = aliased(ProjectEvaluation)
    return (select(RectificationTask.evaluation_id).join(evaluation, evaluation.id == RectificationTask.evaluation_id)
            .where(evaluation.status == EvaluationStatus.RECTIFICATION, RectificationTask.status == status,
                   RectificationTask.due_on < today))


def overdue_condition(today: date):
    """Evaluations with something overdue, as the officers' digest counts them: in progress past their due date, or
    with a document request, a rectification task or a response's verification overdue (above). The digest links to
    the list filtered by this."""
    return or_(and_(ProjectEvaluation.status == EvaluationStatus.IN_PROGRESS, ProjectEvaluation.due_on < today),
               ProjectEvaluation.id.in_(_late_requests(today)), ProjectEvaluation.id.in_(_late_tasks(today)),
               ProjectEvaluation.id.in_(_late_tasks(today, TaskStatus.RESPONDED)))


class OverdueParts(NamedTuple):
    """Which evaluations have what overdue, and whose move it is: the organisation's (requests, tasks) or the
    evaluator's (verifications)."""

    requests: set[int]
    tasks: set[int]
    verifications: set[int]


def overdue_parts(evaluation_ids, today: date) -> OverdueParts:
    """Of these evaluations, those with an unanswered document request overdue, with an open rectification task
    overdue, and with a response whose verification is overdue: three queries, whatever the number of evaluations."""
    ids = list(evaluation_ids)
    if not ids:
        return OverdueParts(set(), set(), set())
    in_ids = RectificationTask.evaluation_id.in_(ids)
    return OverdueParts(set(db.session.scalars(_late_requests(today).where(DocumentRequest.evaluation_id.in_(ids)))),
                        set(db.session.scalars(_late_tasks(today).where(in_ids))),
                        set(db.session.scalars(_late_tasks(today, TaskStatus.RESPONDED).where(in_ids))))


def _remind_evaluators(outbox: _Outbox, today: date, horizon: date) -> tuple[int, int, int]:
    """Evaluators who have not declared (conflict or none) yet, linking to the evaluation's page where they declare:
    they hold back the report; cleared evaluators still owing a score sheet; once every declaration and sheet is in,
    all cleared evaluators (any of them may issue the report). Returns the number of evaluations due soon and overdue,
    and of declarations awaited."""
    evaluations = {e.id: e for e in db.session.scalars(
        select(ProjectEvaluation).where(ProjectEvaluation.status == EvaluationStatus.IN_PROGRESS,
                                        ProjectEvaluation.due_on <= horizon)
        .order_by(ProjectEvaluation.due_on, ProjectEvaluation.id))}
    if not evaluations:
        return 0, 0, 0
    rows = db.session.execute(
        select(EvaluationAssignment.evaluation_id, EvaluationAssignment.user_id, EvaluationAssignment.declared_at,
               EvaluationAssignment.has_conflict, ScoreSheet.status)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluationAssignment.id)
        .where(EvaluationAssignment.evaluation_id.in_(evaluations), EvaluationAssignment.withdrawn_at.is_(None))
        .order_by(EvaluationAssignment.id)).all()
    by_evaluation: dict[int, list] = {}
    for row in rows:
        by_evaluation.setdefault(row.evaluation_id, []).append(row)
    awaited = 0
    for evaluation_id, evaluation in evaluations.items():
        assigned = by_evaluation.get(evaluation_id, [])
        cleared = [r for r in assigned if r.declared_at is not None and r.has_conflict is False]
        owing = [r for r in cleared if r.status != SheetStatus.SUBMITTED]
        undeclared = [r for r in assigned if r.declared_at is None]
        state = _state(evaluation.due_on, today)
        link = path_for("project_evaluation.workspace", evaluation_id=evaluation_id)
        data = {"project": evaluation.contract.title, "due": evaluation.due_on.isoformat()}
        for r in undeclared:  # the workspace stays closed until they declare: the page with the declaration form
            outbox.add(r.user_id, f"evaluation.declare_{state}",
                       path_for("project_evaluation.show", evaluation_id=evaluation_id), **data)
        awaited += len(undeclared)
        if owing:
            for r in owing:
                outbox.add(r.user_id, f"evaluation.sheet_{state}", link, **data)
        elif cleared and not undeclared:
            for r in cleared:
                outbox.add(r.user_id, f"evaluation.report_{state}", link, **data)
    overdue = sum(1 for e in evaluations.values() if e.due_on < today)
    return len(evaluations) - overdue, overdue, awaited


def _managers_of(contract_column):
    return and_(Membership.org_id == contract_column, Membership.role == "manager", Membership.status == "active")


def _remind_managers(outbox: _Outbox, today: date, horizon: date) -> dict:
    """Document requests not yet answered (evaluation in progress: only then can they be answered) and open
    rectification tasks (evaluation in rectification), due soon or overdue: to the organisation's active managers."""
    counts = {"requests_due_soon": 0, "requests_overdue": 0, "tasks_due_soon": 0, "tasks_overdue": 0}
    evaluation = aliased(ProjectEvaluation)
    requests = db.session.execute(
        select(DocumentRequest.id, DocumentRequest.due_on, evaluation.id.label("evaluation_id"),
               Contract.title, Membership.user_id)
        .join(evaluation, evaluation.id == DocumentRequest.evaluation_id)
        .join(Contract, Contract.id == evaluation.contract_id)
        .outerjoin(Membership, _managers_of(Contract.org_id))
        .where(DocumentRequest.answered_at.is_(None), DocumentRequest.due_on <= horizon,
               evaluation.status == EvaluationStatus.IN_PROGRESS)
        .order_by(DocumentRequest.due_on, DocumentRequest.id, Membership.user_id)).all()
    tasks = db.session.execute(
        select(RectificationTask.id, RectificationTask.due_on, evaluation.id.label("evaluation_id"),
               Contract.title, Membership.user_id)
        .join(evaluation, evaluation.id == RectificationTask.evaluation_id)
        .join(Contract, Contract.id == evaluation.contract_id)
        .outerjoin(Membership, _managers_of(Contract.org_id))
        .where(RectificationTask.status == TaskStatus.OPEN, RectificationTask.due_on <= horizon,
               evaluation.status == EvaluationStatus.RECTIFICATION)
        .order_by(RectificationTask.due_on, RectificationTask.id, Membership.user_id)).all()
    _add_per_item(outbox, today, counts, "requests", "evaluation.request_", "project_evaluation.show", requests)
    _add_per_item(outbox, today, counts, "tasks", "rectification.task_", "project_evaluation.show", tasks)
    return counts


def _add_per_item(outbox: _Outbox, today: date, counts: dict, kind: str, code: str, endpoint: str, rows) -> None:
    """Rows of (item id, due date, evaluation id, project title, user id or None), one per item and recipient:
    counts each item once by state, and plans one notice per recipient."""
    seen = set()
    for item_id, due_on, evaluation_id, project, user_id in rows:
        state = _state(due_on, today)
        if item_id not in seen:
            seen.add(item_id)
            counts[f"{kind}_{state}"] += 1
        if user_id is not None:
            outbox.add(user_id, code + state, path_for(endpoint, evaluation_id=evaluation_id),
                       project=project, due=due_on.isoformat())


def _remind_verifiers(outbox: _Outbox, today: date, horizon: date) -> dict:
    """Rectification tasks the organisation has responded to, awaiting verification (evaluation in rectification),
    whose due date is within the horizon or past: to every cleared evaluator of the evaluation (any of them may
    verify or reopen), linking to the workspace. The rule is the task's due date, as for every other reminder here:
    the date by which the task should be settled, the organisation's response and its verification together."""
    counts = {"verifications_due_soon": 0, "verifications_overdue": 0}
    cleared = and_(EvaluationAssignment.evaluation_id == ProjectEvaluation.id,
                   EvaluationAssignment.withdrawn_at.is_(None), EvaluationAssignment.declared_at.is_not(None),
                   EvaluationAssignment.has_conflict.is_(False))
    rows = db.session.execute(
        select(RectificationTask.id, RectificationTask.due_on, ProjectEvaluation.id, Contract.title,
               EvaluationAssignment.user_id)
        .join(ProjectEvaluation, ProjectEvaluation.id == RectificationTask.evaluation_id)
        .join(Contract, Contract.id == ProjectEvaluation.contract_id)
        .outerjoin(EvaluationAssignment, cleared)
        .where(RectificationTask.status == TaskStatus.RESPONDED, RectificationTask.due_on <= horizon,
               ProjectEvaluation.status == EvaluationStatus.RECTIFICATION)
        .order_by(RectificationTask.due_on, RectificationTask.id, EvaluationAssignment.user_id)).all()
    _add_per_item(outbox, today, counts, "verifications", "rectification.verify_", "project_evaluation.workspace",
                  rows)
    return counts


def _remind_officers(outbox: _Outbox, counts: dict) -> None:
    """One digest per officer of what is overdue: evaluations, the organisations' document requests and open
    rectification tasks, and the responses the evaluators have not verified in time (late work the officer chases
    too, from the evaluator). The same things `overdue_condition` lists."""
    figures = {"evaluations": counts["evaluations_overdue"], "requests": counts["requests_overdue"],
               "tasks": counts["tasks_overdue"], "verifications": counts["verifications_overdue"]}
    if any(figures.values()):
        for user_id in officer_ids():
            outbox.add(user_id, DIGEST, path_for("project_evaluation.index", overdue=1), **figures)


def remind(today: date | None = None, soon_days: int = 3) -> dict:
    """Notify whoever must act on a project evaluation, a document request or a rectification task (to respond, or to
    verify the response) due within `soon_days` (or overdue), and the officers with a digest of what is overdue.
    Flushes, never commits."""
    today = today or local_today()
    horizon = today + timedelta(days=soon_days)
    outbox = _Outbox()
    due_soon, overdue, awaited = _remind_evaluators(outbox, today, horizon)
    counts = {"evaluations_due_soon": due_soon, "evaluations_overdue": overdue, "declarations_awaited": awaited,
              **_remind_managers(outbox, today, horizon), **_remind_verifiers(outbox, today, horizon)}
    _remind_officers(outbox, counts)
    sent, skipped = outbox.send()
    return {**counts, "notices": sent, "already_sent": skipped}

