"""The scoring summary sheet (评分汇总表) as an official PDF."""

from sqlalchemy import select

from audit import documents
from core.db import db
from projects.models import Call

from .aggregate import ProposalResult, fmt
from .models import Panel, ScoreSheet
from .services import reviewable


def issue_summary(call: Call, panel: Panel, ranked: list[ProposalResult], *, actor):
    proposals = {p.id: p for p in reviewable(call.id)}
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.proposal_id.in_(list(proposals)),
                                                              ScoreSheet.status == "submitted")))
    members = {m.id: m for m in panel.members}
    return documents.issue_document(
        "evaluation/summary_pdf.html", title=f"评分汇总表：{call.title}", doc_type="scoring_summary", actor=actor,
        target=call, call=call, panel=panel, ranked=ranked, proposals=proposals, members=members, sheets=sheets,
        criteria=panel.template.criteria, fmt=fmt)

