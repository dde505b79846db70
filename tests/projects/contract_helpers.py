import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db, utcnow
from core.timeutil import local_today
from projects import awards, calls, contracts, proposals
from projects.award_models import AwardDecision
from projects.enums import CallStatus, ProposalStatus
from tests import prebuilt
from tests.factories import make_user
from tests.orgs.helpers import make_uscc
from tests.projects.helpers import good_org, published_call, ready_proposal


def awarded_decision(app, serial: int | None = None):
    """A call taken all the way to awarded (ranked directly, without a panel); returns (officer, the winning
    decision, its manager). `serial` numbers the organisations' credit codes (a database with the demo's: its
    organisations have the codes numbered from 1). In a test that starts from one (tests.prebuilt) the first call
    without a serial hands over the one built for this process, on whose database the test runs."""
    return (serial is None and prebuilt.take("awarded_decision")) or build_awarded_decision(app, serial)


def build_awarded_decision(app, serial: int | None = None):
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = published_call(officer)
        managers, props = [], []
        for i in range(2):
            manager = make_user()
            codes = {} if serial is None else {"uscc": make_uscc("2", serial + i)}
            org = good_org(manager, officer, name=f"合同测试服务中心{i}{serial or ''}", **codes)
            proposal = ready_proposal(call, org, manager)
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
            managers.append(manager), props.append(proposal)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        for p in props:
            proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=after)
        ranking = [awards.Ranked(props[0].id, 1, "80.00"), awards.Ranked(props[1].id, 2, "70.00")]
        publicity = awards.decide(call, ranking, {props[0].id: 12_000_000}, "一个名额", 5, actor=officer)
        later = datetime.combine(publicity.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        awards.finish_if_due(call, now=later)
    decision = db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == props[0].id))
    # Decided a year ago, so that a test may draw up a contract whose period began (or ended) in the past: a contract
    # cannot start before its award was decided nor more than a year before it is drawn up.
    decision.decided_at = utcnow() - timedelta(days=contracts.START_WINDOW_DAYS)
    return officer, decision, managers[0]


def plan():
    today = local_today()
    return [contracts.MilestonePlan("中期", today + timedelta(days=60), "中期报告"),
            contracts.MilestonePlan("末期", today + timedelta(days=300), "总结报告")]


def draft_form(starts_on, ends_on, milestones, tranches, clauses: str = "") -> dict:
    """What the drawing-up page posts: milestones as rows (title, due on, deliverables, evidence required), tranches
    as rows (share in per cent, the milestone's row from 0 or "final" for the final evaluation); dates as dates or
    as typed."""
    data = {"starts_on": str(starts_on), "ends_on": str(ends_on), "clauses": clauses}
    for i, row in enumerate(milestones):
        data |= dict(zip((f"milestone-{i}-{name}" for name in ("title", "due_on", "deliverables", "evidence")),
                         map(str, row), strict=False))
    for i, (share, link) in enumerate(tranches):
        data |= {f"tranche-{i}-percent": str(share), f"tranche-{i}-milestone": str(link)}
    return data


def shown_beside(page: str, key: str) -> str | None:
    """The reason the drawing-up page shows beside an input, a row or a section (by its name: milestone-1-due_on,
    tranche-0, tranches), or None."""
    found = re.search(rf'<div class="invalid-feedback d-block" id="{re.escape(key)}-error">(.*?)</div>', page, re.S)
    return found and found[1]


def drawn_contract(app, clauses: str = ""):
    """A contract drawn up (committed), awaiting both signatures: (officer, manager, contract)."""
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], clauses, actor=officer)
    db.session.commit()
    return officer, manager, contract


def active_contract(app):
    """An active contract: (officer, manager, contract). In a test that starts from one (tests.prebuilt) the first
    call hands over the one built for this process, on whose database the test runs."""
    return prebuilt.take("active_contract") or build_active_contract(app)


def build_active_contract(app):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today() - timedelta(days=1),
                                            local_today() + timedelta(days=365), plan(), [40, 30, 30], "",
                                            actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    return officer, manager, contract


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def last_event(action: str):
    from audit.models import AuditEvent

    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc()))


def accepted_report(app, contract, officer, manager, index: int = 0, **extra):
    """Report on milestone `index` and have it accepted (its tranche becomes payable)."""
    from projects import contract_reports
    from projects.contract_report_input import ReportInput
    from tests.orgs.helpers import Upload

    if not any(extra.get(k) for k in ("activities", "outputs", "evidence", "fees")):
        extra["evidence"] = [Upload(filename="服务台账.pdf")]  # a report of words only is refused as empty
    with app.test_request_context():
        data = ReportInput("本阶段工作已完成，详见附件。", **extra)
        report = contract_reports.submit_report(contract.milestones[index], data, actor=manager)
        contract_reports.review_report(report, True, "", actor=officer)
    return report


def bearer(user, **headers) -> dict:
    """Headers for the JSON API as this user (a fresh token), answers in English unless headers say otherwise."""
    from accounts.tokens import create_token

    _token, plain = create_token(user, "t", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}", "Accept-Language": "en", **headers}


def counts() -> dict:
    """Rows per table that a refused report, expense, fee or change must leave as they were."""
    from audit.models import AuditEvent
    from projects.contract_change_models import ChangeRequest
    from projects.contract_models import Expense, MilestoneReport
    from projects.contract_report_models import ActivityRecord, FeePayment
    from projects.models import BudgetLine

    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (MilestoneReport, ActivityRecord, FeePayment, Expense, ChangeRequest, BudgetLine,
                          AuditEvent)}
