"""An organisation's evaluation history for `orgs.services.standing()` (registered through the orgs hook, since
orgs never imports this package) and for public pages."""

from datetime import date

from sqlalchemy import select

from core.db import db
from core.timeutil import local_day_bounds, to_local
from orgs.standing import EvaluationRecord, register_evaluation_history
from projects.contract_models import Contract

from .project_models import ProjectEvaluation


def history(org_id: int, on: date) -> list[EvaluationRecord]:
    until = local_day_bounds(on)[1]
    rows = db.session.execute(
        select(ProjectEvaluation, Contract.title).join(Contract, Contract.id == ProjectEvaluation.contract_id)
        .where(Contract.org_id == org_id, ProjectEvaluation.report_code.is_not(None),
               ProjectEvaluation.issued_at < until)
        .order_by(ProjectEvaluation.issued_at.desc(), ProjectEvaluation.id.desc()))
    return [EvaluationRecord(issued_on=to_local(e.issued_at).date(), contract_id=e.contract_id, project=title,
                             kind_label=e.kind_label, grade=e.grade, grade_label=e.grade_label,
                             score=e.final_score, report_code=e.report_code) for e, title in rows]


register_evaluation_history(history)
