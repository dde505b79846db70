from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from evaluation import aggregate, services
from evaluation.enums import SeatType, SheetStatus
from projects import awards, contracts
from projects.award_models import AwardDecision
from tests.evaluation.helpers import closed_call_with_proposals, default_template, expert
from tests.factories import make_user


def awarded_decision(app):
    """A call taken all the way to awarded; returns (officer, the winning decision, its manager)."""
    officer = make_user(Role.OFFICER)
    call, orgs, props = closed_call_with_proposals(app, officer, n=2)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = services.draw_panel(call, default_template(officer), {"social_service": 3}, actor=officer)
        for member in panel.members:
            for share, proposal in zip((80, 70), props, strict=True):
                services.declare(member, proposal, False, "", actor=member.user)
                sheet = services.sheet_for(member, proposal)
                services.save_scores(sheet, {c.id: (c.max_points * 2 * share // 100, "")
                                             for c in panel.template.criteria}, actor=member.user)
                services.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in services.results(panel)]
        publicity = awards.decide(call, ranking, {props[0].id: 12_000_000}, "一个名额", 5, actor=officer)
        later = datetime.combine(publicity.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        awards.finish_if_due(call, now=later)
    decision = db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == props[0].id))
    manager = next(m.user for m in orgs[0].memberships if m.role == "manager")
    return officer, decision, manager


def plan():
    today = local_today()
    return [contracts.MilestonePlan("中期", today + timedelta(days=60), "中期报告"),
            contracts.MilestonePlan("末期", today + timedelta(days=300), "总结报告")]


def active_contract(app):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today() - timedelta(days=1),
                                            local_today() + timedelta(days=365), plan(), [40, 30, 30], "",
                                            actor=officer)
        contracts.confirm(contract, actor=manager)
        contracts.confirm(contract, actor=officer)
    return officer, manager, contract


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def last_event(action: str):
    from audit.models import AuditEvent

    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()))


def accepted_report(app, contract, officer, manager, index: int = 0, **extra):
    """Report on milestone `index` and have it accepted (its tranche becomes payable)."""
    from projects import contract_reports

    with app.test_request_context():
        data = contract_reports.ReportInput("本阶段工作已完成，详见附件。", **extra)
        report = contract_reports.submit_report(contract.milestones[index], data, actor=manager)
        contract_reports.review_report(report, True, "", actor=officer)
    return report
