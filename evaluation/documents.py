"""The decision on a finished review, and the scoring summary sheet (评分汇总表) it issues as an official PDF."""

from flask_babel import gettext as _
from sqlalchemy import select

from audit import documents
from audit.permissions import allow_download
from core.db import db
from core.errors import Conflict
from core.i18n import joined
from projects import awards
from projects.models import Call

from .aggregate import ProposalResult, fmt
from .decision_step import recommended, short_of_sheets
from .models import Panel, ScoreSheet
from .permissions import can_download_summary
from .services import COUNTED, missing_work, results, reviewable

allow_download("scoring_summary", Call, can_download_summary)


def decide_from_review(call: Call, panel: Panel, amounts: dict[int, int], reason: str, working_days: int, *,
                       actor):
    """The officer's decision on a complete review: the awards step of the call, then the scoring summary PDF."""
    if missing := missing_work(panel):
        raise Conflict(_("The review is not complete: %(names)s still have declarations or score sheets to "
                         "submit.", names=joined(missing)))
    ranked = results(panel)
    ranking = [awards.Ranked(r.proposal_id, r.rank, fmt(r.final)) for r in ranked]
    expected = recommended(call, ranking, short_of_sheets(ranked, panel.size))  # as the results page ticks them
    publicity = awards.decide(call, ranking, amounts, reason, working_days, actor=actor, recommended=expected)
    publicity.summary_code = issue_summary(call, panel, ranked, actor=actor).code
    return publicity


def issue_summary(call: Call, panel: Panel, ranked: list[ProposalResult], *, actor):
    proposals = {p.id: p for p in reviewable(call.id)}
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.proposal_id.in_(list(proposals)),
                                                              ScoreSheet.status == "submitted", COUNTED)))
    members = {m.id: m for m in panel.members}
    return documents.issue_document(
        "evaluation/summary_pdf.html", title=f"评分汇总表：{call.title}", doc_type="scoring_summary", actor=actor,
        target=call, call=call, panel=panel, ranked=ranked, proposals=proposals, members=members, sheets=sheets,
        criteria=panel.template.criteria, fmt=fmt)

