"""Seed for bench/submit.py, through the real services: organisations in good standing, each with a manager and an
API token, one published call with a deadline about a minute away, and a complete draft proposal per organisation.

Runs in-process in an app context (TESTING, so that the managers' passwords get the cheap argon2 parameters) on a
migrated database that already has `flask demo` (the `officer` user, categories, communities).

    from _submit_seed import seed_orgs, open_call
    orgs = seed_orgs(app, 220)                    # [(org_id, user_id, token), ...]
    call_id, deadline, proposal_ids = open_call(app, orgs, deadline_in=75)
"""

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from stdnum.cn import uscc as uscc_std

from accounts import services as accounts
from accounts.models import Community, User
from accounts.tokens import create_token
from core.db import db
from core.timeutil import local_today, utcnow
from orgs import services as org_services
from orgs import standing
from orgs.enums import OrgKind, OrgStatus
from orgs.models import Organisation, ServiceCategory
from orgs.validation import OrgData
from projects import calls, proposals
from projects.enums import CallStatus

PDF = b"%PDF-1.4\n%bench\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MAX_PER_PROPOSAL_FEN = 20_000_000  # 200,000 yuan
COMMIT_EVERY = 20


class Upload:
    """A file as a form hands it over."""

    def __init__(self, name: str = "材料.pdf"):
        self.filename, self._io = name, io.BytesIO(PDF)

    def read(self, n=-1):
        return self._io.read(n)


@dataclass(frozen=True)
class SeededOrg:
    org_id: int
    user_id: int
    username: str
    token: str


def _uscc(n: int) -> str:
    body = f"52110102MJ{n:07d}"  # a civil-affairs agency in 西城区: the demo data uses 110101, so never a clash
    return body + uscc_std.calc_check_digit(body)


def _officer() -> User:
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    if officer is None:
        raise RuntimeError("no `officer` user: run `flask demo` first")
    return officer


def seed_orgs(app, count: int) -> list[SeededOrg]:
    """`count` registered agencies in the elderly category in good standing (4A, last year's report accepted),
    each managed by its own user, who holds an API token."""
    seeded: list[SeededOrg] = []
    with app.app_context(), app.test_request_context():
        officer = _officer()
        elderly = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "elderly"))
        community = db.session.scalar(select(Community).order_by(Community.id).limit(1))
        today = local_today()
        for i in range(1, count + 1):
            username = f"bench{i:03d}"
            user = accounts.create_user(username, f"申报人{i}", "bench-password-1", [])
            data = OrgData(name=f"乐龄居家养老服务中心{i}", kind=OrgKind.AGENCY.value, uscc=_uscc(i),
                           legal_representative=user.display_name, registration_authority="西城区民政局",
                           registered_on=date(2019, 5, 1), address=f"西城区长安街{i}号", full_time_staff=8,
                           certified_social_workers=3, volunteers=40, contact_name=user.display_name,
                           contact_phone=f"1390000{i:04d}", category_ids=[elderly.id], community_ids=[community.id])
            org = org_services.create_application(data, actor=user)
            for kind in ("certificate", "charter", "annual_report"):
                org_services.add_document(org, kind, Upload(f"{kind}.pdf"), actor=user)
            org_services.transition_org(org, OrgStatus.SUBMITTED, actor=user)
            org_services.transition_org(org, OrgStatus.APPROVED, actor=officer)
            standing.record_grade(org, 4, today - timedelta(days=100), actor=officer)
            report = standing.submit_annual_report(org, today.year - 1, Upload("年报.pdf"), actor=user)
            standing.review_annual_report(report, True, "", actor=officer)
            _token, plain = create_token(user, "申报接口", actor=user)
            seeded.append(SeededOrg(org.id, user.id, username, plain))
            if i % COMMIT_EVERY == 0:
                db.session.commit()
        db.session.commit()
    return seeded


def proposal_data(org: Organisation) -> proposals.ProposalData:
    """A complete proposal of 150,000 yuan: 50% personnel, 5% management fee (the call allows 60% and 10%)."""
    total = 15_000_000
    personnel, management = total * 50 // 100, total * 5 // 100
    return proposals.ProposalData(
        title=f"{org.name}：居家养老上门探访", summary="为辖区独居、高龄老人提供上门探访。",
        needs_analysis="入户走访 320 户，梳理出探访、助餐、精神慰藉三类需求。", objectives="一年服务 300 名老人。",
        work_plan=[{"month": "2027-01", "activity": "需求调研与建档"}, {"month": "2027-06", "activity": "中期自评"}],
        outputs=[{"indicator": "上门探访", "target": 2400, "unit": "人次"}],
        team=[{"name": "张明", "role": "项目主管", "qualification": "中级社会工作师"}],
        budget_lines=[
            {"category": "personnel", "item": "社工补贴", "quantity": 1, "unit_price_fen": personnel},
            {"category": "management_fee", "item": "管理费", "quantity": 1, "unit_price_fen": management},
            {"category": "activities", "item": "社区活动", "quantity": 1,
             "unit_price_fen": total - personnel - management},
        ], co_funding_fen=500_000)


def open_call(app, orgs: list[SeededOrg], deadline_in: float) -> tuple[int, datetime, dict[int, int]]:
    """Publish one elderly-care call whose deadline is `deadline_in` seconds from now (questions close 5 s
    before it), and save a complete draft for every organisation. Returns (call id, deadline, {org id: proposal
    id}); each draft lacks only the final submit."""
    with app.app_context(), app.test_request_context():
        officer = _officer()
        elderly = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "elderly"))
        deadline = utcnow() + timedelta(seconds=deadline_in)
        data = calls.CallData(
            title="幸福街道居家养老服务集中申报（压测）", description="## 背景\n截止前一分钟的集中申报。",
            mode="project_application", category_id=elderly.id, total_budget_fen=200 * MAX_PER_PROPOSAL_FEN,
            max_per_proposal_fen=MAX_PER_PROPOSAL_FEN, questions_until=deadline - timedelta(seconds=5),
            submission_deadline=deadline, review_planned_on=(deadline + timedelta(days=5)).date(),
            award_planned_on=(deadline + timedelta(days=20)).date(), min_eligible_proposals=1,
            required_attachments=[], max_personnel_pct=60, max_management_pct=10)
        call = calls.create_call(data, actor=officer)
        calls.transition_call(call, CallStatus.PUBLISHED, actor=officer)
        db.session.commit()
        proposal_ids: dict[int, int] = {}
        for n, seeded in enumerate(orgs, start=1):
            org = db.session.get(Organisation, seeded.org_id)
            manager = db.session.get(User, seeded.user_id)
            proposal = proposals.start_proposal(call, org, actor=manager)
            proposals.save_draft(proposal, proposal_data(org), actor=manager)
            if problems := proposals.submission_problems(proposal, utcnow()):
                raise RuntimeError(f"the draft of org {org.id} could not be submitted: {problems}")
            proposal_ids[seeded.org_id] = proposal.id
            if n % COMMIT_EVERY == 0:
                db.session.commit()
        db.session.commit()
        return call.id, call.submission_deadline, proposal_ids


def wsgi_app():
    """create_app() with the API modules imported first, for gunicorn ("_submit_seed:wsgi_app()", with the project
    root on PYTHONPATH). core.api.init_api exempts from CSRF only the API blueprints already imported when
    create_app() calls it, and create_app() imports them later (in _register_blueprints): in a fresh process
    every API POST/PUT is refused with 400 by the CSRF check. bench/submit.py serves this only when it has seen
    `app:create_app()` refuse an API POST that way, so that the figures can still be measured."""
    import accounts.api  # noqa: F401
    import audit.api  # noqa: F401
    import orgs.api  # noqa: F401
    import projects.api  # noqa: F401
    from app import create_app

    return create_app()
