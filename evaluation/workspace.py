"""Everything an evaluator needs in one place: the contract and its amendments, milestone reports with activity
records and fees, expenses by budget line, fee-receipt confirmations, resident feedback and the measured figures
beside the criteria they bear on. Loaded with a fixed number of queries."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db
from core.i18n import joined
from core.timeutil import local_today
from projects.contract_change_models import ContractAmendment
from projects.contract_models import Expense, Milestone, MilestoneReport
from projects.contract_report_models import ActivityRecord, FeePayment

from . import evidence, project_report, project_sheets, rectification, score_sheets, surveys
from .project_models import DocumentRequest, ProjectEvaluation


def _milestones(contract_id: int) -> list[Milestone]:
    return list(db.session.scalars(
        select(Milestone).where(Milestone.contract_id == contract_id).order_by(Milestone.position)
        .options(selectinload(Milestone.reports).selectinload(MilestoneReport.activities)
                 .selectinload(ActivityRecord.photos),
                 selectinload(Milestone.reports).selectinload(MilestoneReport.evidence_files),
                 selectinload(Milestone.reports).selectinload(MilestoneReport.fees))))


def expenses_by_line(contract) -> list[tuple]:
    """(line, its expenses) for each budget line. Withdrawn expenses stay in the list (an evaluator sees what was
    recorded by mistake and corrected, as the contract page shows it) and the page strikes them through with their
    reason; no total is summed from this list: the line's spent_fen already leaves them out."""
    rows = db.session.scalars(select(Expense).where(Expense.contract_id == contract.id)
                              .order_by(Expense.spent_on, Expense.id)
                              .options(selectinload(Expense.withdrawn_by), selectinload(Expense.receipt)))
    by_line: dict[int, list[Expense]] = {}
    for expense in rows:
        by_line.setdefault(expense.line_id, []).append(expense)
    return [(line, by_line.get(line.id, [])) for line in contract.lines]


QUOTED = 40  # characters of an open request quoted in the confirmation before submitting


def submit_confirmation(requests: list[DocumentRequest]) -> str:
    """What submitting the sheet asks first: that it locks, and, while documents the evaluator asked for are still
    awaited, which ones (quoted) — the scores are then given without them. Not refused: an organisation that never
    answers must not hold the evaluation up, and the evaluator may have seen enough."""
    message = _("Submit and lock this score sheet? You cannot change it afterwards; only staff can send it back "
                "to be scored again.")
    awaited = [r.text if len(r.text) <= QUOTED else r.text[:QUOTED] + "…" for r in requests if r.answered_at is None]
    if not awaited:
        return message
    return message + " " + _("Still awaiting the organisation's answer: %(requests)s. If you submit now, your scores "
                             "are given without those documents.", requests=joined(f"“{t}”" for t in awaited))


def workspace_context(evaluation: ProjectEvaluation, sheet=None) -> dict:
    contract = evaluation.contract
    requests = list(db.session.scalars(select(DocumentRequest).where(
        DocumentRequest.evaluation_id == evaluation.id).order_by(DocumentRequest.id)))
    milestones = _milestones(contract.id)  # first, so the figures below find the reports already loaded
    survey = surveys.survey_of(evaluation)
    figures = evidence.figures(evaluation)
    return {
        "contract": contract,
        "amendments": list(db.session.scalars(select(ContractAmendment).where(
            ContractAmendment.contract_id == contract.id).order_by(ContractAmendment.version))),
        "milestones": milestones,
        "expenses": expenses_by_line(contract),
        "fees": list(db.session.scalars(select(FeePayment).where(FeePayment.contract_id == contract.id)
                                        .order_by(FeePayment.paid_on, FeePayment.id))),
        "survey": survey, "survey_results": surveys.results(survey),
        "figures": figures,
        "evidence_for": {c.id: figures.get(c.evidence_key) for c in evaluation.template.criteria},
        "requests": requests, "submit_confirm": submit_confirmation(requests),
        "scores": {s.indicator_id: s for s in sheet.scores} if sheet is not None else {},
        "sent_back": score_sheets.reopen_reason(sheet) if sheet is not None else "",
        "max_requirement": project_report.MAX_REQUIREMENT,
        # the report is issued once every evaluator is done: until then the page says whom it waits for, where the
        # form was offered and refused what was typed (a flash after a redirect, the summary lost)
        "waiting_for": joined(project_sheets.missing_work(evaluation)),
        "documents_due": rectification.documents_due_window(evaluation, local_today()),
        "rectification_due": project_report.rectification_due_window(local_today()),
    }
