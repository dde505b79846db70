from datetime import date, timedelta

from core.timeutil import local_today, utcnow
from orgs import standing
from projects import calls, proposals
from projects.enums import CallStatus
from tests.orgs.helpers import Upload, approved_org, category


def call_data(**overrides) -> calls.CallData:
    deadline = overrides.pop("deadline", utcnow().replace(microsecond=0) + timedelta(days=10))
    values = dict(title="幸福街道居家养老上门服务项目", description="## 背景\n需要上门服务。", mode="public_tender",
                  category_id=category().id, total_budget_fen=60_000_000, max_per_proposal_fen=20_000_000,
                  questions_until=deadline - timedelta(days=2), submission_deadline=deadline,
                  review_planned_on=(deadline + timedelta(days=5)).date(),
                  award_planned_on=(deadline + timedelta(days=20)).date(), min_eligible_proposals=1,
                  required_attachments=["申报书盖章扫描件"], max_personnel_pct=60, max_management_pct=10)
    values.update(overrides)
    return calls.CallData(**values)


def published_call(officer, **overrides):
    call = calls.create_call(call_data(**overrides), actor=officer)
    calls.transition_call(call, CallStatus.PUBLISHED, actor=officer)
    return call


def good_org(applicant, officer, *, grade=4, report=True, **overrides):
    """A registered organisation in good standing: grade, last year's report accepted."""
    org = approved_org(applicant, officer, **overrides)
    if grade:
        standing.record_grade(org, grade, local_today() - timedelta(days=100), actor=officer)
    if report:
        r = standing.submit_annual_report(org, local_today().year - 1, Upload(), actor=applicant)
        standing.review_annual_report(r, True, "", actor=officer)
    return org


def budget(total_fen: int, personnel_pct: int = 50, management_pct: int = 5) -> list[dict]:
    """Budget lines adding up to exactly total_fen with the given shares."""
    personnel = total_fen * personnel_pct // 100
    management = total_fen * management_pct // 100
    return [
        {"category": "personnel", "item": "社工补贴", "quantity": 1, "unit_price_fen": personnel},
        {"category": "management_fee", "item": "管理费", "quantity": 1, "unit_price_fen": management},
        {"category": "activities", "item": "活动", "quantity": 1, "unit_price_fen": total_fen - personnel - management},
    ]


def full_data(total_fen: int = 15_000_000, **overrides) -> proposals.ProposalData:
    values = dict(title="上门探访项目", summary="摘要", needs_analysis="需求", objectives="目标",
                  work_plan=[{"month": "2027-01", "activity": "调研"}],
                  outputs=[{"indicator": "探访", "target": "1200", "unit": "人次"}],
                  team=[{"name": "张明", "role": "主管", "qualification": "社工师"}], budget_lines=budget(total_fen))
    values.update(overrides)
    return proposals.ProposalData(**values)


def ready_proposal(call, org, manager, **data_overrides):
    proposal = proposals.start_proposal(call, org, actor=manager)
    proposals.save_draft(proposal, full_data(**data_overrides), actor=manager)
    for name in call.required_attachments:
        proposals.add_attachment(proposal, name, Upload(), actor=manager)
    return proposal


__all__ = ["budget", "call_data", "date", "full_data", "good_org", "published_call", "ready_proposal"]
