"""Project evaluations in the API: an evaluator's evaluations and score sheets; a project's published summaries."""

from flask import abort, jsonify
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import lazyload, selectinload

from core.api import api_blueprint, api_user
from core.db import db
from core.openapi import (
    api_doc,
    array,
    boolean,
    identifier,
    integer,
    iso_date,
    list_of,
    nullable,
    record,
    string,
    timestamp,
)
from projects.contract_models import Contract
from projects.permissions import is_public_project

from . import project_sheets
from .api import CRITERION, SHEET_DOC, SHEET_PUT_DOC, sheet_exchange
from .enums import SheetStatus
from .models import IndicatorTemplate, ScoreSheet
from .project_enums import EvaluationKind, EvaluationStatus, Grade
from .project_models import EvaluationAssignment, ProjectEvaluation

bp = api_blueprint("project_evaluation_api")


def _criteria(evaluation: ProjectEvaluation) -> list[dict]:
    return [{"id": c.id, "title": c.title, "max_points": c.max_points, "evidence": c.evidence_key}
            for c in evaluation.template.criteria]


@bp.route("/evaluation/project-evaluations")
@api_doc("My project evaluations", tag="Evaluation",
         description="Evaluations of projects (第三方评估) the token's user is assigned to, newest first. The "
                     "project and the criteria are shown once the evaluator has declared no conflict.",
         response=list_of(record(
             evaluation_id=identifier(), kind=string(enum=EvaluationKind), status=string(enum=EvaluationStatus),
             due_on=iso_date(), declared=boolean(), conflict=nullable(boolean()), project=nullable(string()),
             sheet=nullable(record(sheet_id=identifier(), status=string(enum=SheetStatus))),
             criteria=array(record(**CRITERION["properties"], evidence=nullable(string()))))))
def mine():
    api_user()
    rows = list(db.session.scalars(
        select(EvaluationAssignment).where(EvaluationAssignment.user_id == current_user.id,
                                           EvaluationAssignment.withdrawn_at.is_(None))
        .options(selectinload(EvaluationAssignment.evaluation).selectinload(ProjectEvaluation.template)
                 .selectinload(IndicatorTemplate.indicators))
        .order_by(EvaluationAssignment.id.desc())))
    sheets = {s.assignment_id: s for s in db.session.scalars(
        select(ScoreSheet).where(ScoreSheet.assignment_id.in_([a.id for a in rows if a.cleared]))
        .options(lazyload(ScoreSheet.scores)))}
    items = []
    for a in rows:
        e = a.evaluation
        sheet = sheets.get(a.id)
        items.append({"evaluation_id": e.id, "kind": e.kind, "status": e.status, "due_on": e.due_on.isoformat(),
                      "declared": a.declared_at is not None, "conflict": a.has_conflict,
                      # the project is named only once the evaluator has declared no conflict
                      "project": e.contract.title if a.cleared else None,
                      "sheet": {"sheet_id": sheet.id, "status": sheet.status} if sheet else None,
                      "criteria": _criteria(e) if a.cleared else []})
    return jsonify({"items": items})


@bp.route("/evaluation/project-evaluations/<int:evaluation_id>/sheet", methods=["GET", "PUT"])
@api_doc("My score sheet for a project evaluation", method="GET", **SHEET_DOC)
@api_doc("Save (and submit) my scores for a project evaluation", **SHEET_PUT_DOC)
def sheet(evaluation_id: int):
    api_user()
    evaluation = db.session.get(ProjectEvaluation, evaluation_id)
    found = next((a for a in evaluation.assignments if a.user_id == current_user.id), None) if evaluation else None
    if found is None or not found.cleared:
        abort(404)
    return sheet_exchange(lambda: project_sheets.sheet_to_show(found), lambda: project_sheets.sheet_for(found))


@bp.route("/projects/<int:contract_id>/evaluations")
@api_doc("A project's published evaluations", tag="Evaluation", public=True,
         params={"contract_id": "The project's (contract's) id."},
         description="The evaluation reports issued for a project, newest first, with their grade and how many "
                     "rectification tasks are still open.",
         response=record(contract_id=identifier(), project=string(), organisation=string(), evaluations=array(record(
             kind=string(enum=EvaluationKind), grade=nullable(string(enum=Grade)),
             final_score=string(description="Exact, as a decimal text."), summary=string(), issued_at=timestamp(),
             status=string(enum=EvaluationStatus), report_code=string(description="Verification code of the PDF."),
             rectification_open=integer(minimum=0)))))
def published(contract_id: int):
    contract = db.session.get(Contract, contract_id)
    if not is_public_project(contract):
        abort(404)
    rows = db.session.scalars(select(ProjectEvaluation).where(ProjectEvaluation.contract_id == contract.id,
                                                              ProjectEvaluation.report_code.is_not(None))
                              .order_by(ProjectEvaluation.issued_at.desc()))
    return jsonify({"contract_id": contract.id, "project": contract.title, "organisation": contract.org.name,
                    "evaluations": [{"kind": e.kind, "grade": e.grade, "final_score": e.final_score,
                                     "summary": e.summary, "issued_at": e.issued_at.isoformat(),
                                     "status": e.status, "report_code": e.report_code,
                                     "rectification_open": sum(t.status != "verified" for t in e.tasks)}
                                    for e in rows]})
