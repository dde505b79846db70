"""Seed for bench/review.py, through the real services: organisations in good standing, an expert pool of evaluators,
and per requested size one call (closed, every proposal screened eligible, under review) whose 7-member panel has
declared no conflict and submitted a full score sheet for every proposal.

Runs in-process in an app context (TESTING, so that the new users' passwords get the cheap argon2 parameters) on a
migrated database that already has `flask demo` (the `officer` user, categories, communities, the demo experts).

    from _review_seed import seed
    call_ids = seed(app, sizes=(60, 10), members=7)   # {size: call id}
"""

import io
from datetime import date, timedelta

from sqlalchemy import select
from stdnum.cn import uscc as uscc_std

from accounts import services as accounts
from accounts.enums import Role
from accounts.models import Community, User
from core.db import db
from core.timeutil import local_today, utcnow
from evaluation import panels, score_sheets
from evaluation import services as review
from evaluation.enums import SeatType, SheetStatus
from orgs import services as org_services
from orgs import standing
from orgs.enums import OrgKind, OrgStatus
from orgs.models import Organisation, ServiceCategory
from orgs.validation import OrgData
from projects import calls, proposals
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call

PDF = b"%PDF-1.4\n%bench\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MAX_PER_PROPOSAL_FEN = 20_000_000  # 200,000 yuan
COMMIT_EVERY = 20
SEAT = SeatType.SOCIAL_SERVICE.value


class Upload:
    """A file as a form hands it over."""

    def __init__(self, name: str = "材料.pdf"):
        self.filename, self._io = name, io.BytesIO(PDF)

    def read(self, n=-1):
        return self._io.read(n)


def _uscc(n: int) -> str:
    body = f"52110105MJ{n:07d}"  # a civil-affairs agency in 朝阳区: the demo data uses 110101, so never a clash
    return body + uscc_std.calc_check_digit(body)


def _officer() -> User:
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    if officer is None:
        raise RuntimeError("no `officer` user: run `flask demo` first")
    return officer


def _orgs(count: int, officer: User) -> list[tuple[int, int]]:
    """`count` registered agencies in good standing (4A, last year's report accepted): [(org id, manager id)]."""
    elderly = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "elderly"))
    community = db.session.scalar(select(Community).order_by(Community.id).limit(1))
    today = local_today()
    seeded = []
    for i in range(1, count + 1):
        user = accounts.create_user(f"review{i:03d}", f"申报人{i}", "bench-password-1", [])
        data = OrgData(name=f"康乐社会工作服务中心{i}", kind=OrgKind.AGENCY.value, uscc=_uscc(i),
                       legal_representative=user.display_name, registration_authority="朝阳区民政局",
                       registered_on=date(2018, 3, 1), address=f"朝阳区建国路{i}号", full_time_staff=6 + i % 9,
                       certified_social_workers=2 + i % 4, volunteers=30 + i, contact_name=user.display_name,
                       contact_phone=f"1370000{i:04d}", category_ids=[elderly.id], community_ids=[community.id])
        org = org_services.create_application(data, actor=user)
        for kind in ("certificate", "charter", "annual_report"):
            org_services.add_document(org, kind, Upload(f"{kind}.pdf"), actor=user)
        org_services.transition_org(org, OrgStatus.SUBMITTED, actor=user)
        org_services.transition_org(org, OrgStatus.APPROVED, actor=officer)
        standing.record_grade(org, 3 + i % 3, today - timedelta(days=100), actor=officer)
        report = standing.submit_annual_report(org, today.year - 1, Upload("年报.pdf"), actor=user)
        standing.review_annual_report(report, True, "", actor=officer)
        seeded.append((org.id, user.id))
        if i % COMMIT_EVERY == 0:
            db.session.commit()
    db.session.commit()
    return seeded


def _experts(count: int, officer: User) -> None:
    for i in range(1, count + 1):
        user = accounts.create_user(f"reviewer{i:02d}", f"评审专家{i}", "bench-password-1", [Role.EVALUATOR])
        panels.save_expert(user, SEAT, "社会工作、养老服务", [], True, actor=officer)
    db.session.commit()


def _proposal_data(org: Organisation, n: int) -> proposals.ProposalData:
    """A complete proposal of 120,000–179,000 yuan: 50% personnel, 5% management fee (the call allows 60%, 10%)."""
    total = 12_000_000 + (n * 37 % 60) * 100_000
    personnel, management = total * 50 // 100, total * 5 // 100
    return proposals.ProposalData(
        title=f"{org.name}：独居老人关爱服务", summary="为辖区独居、高龄老人提供上门探访和精神慰藉。",
        needs_analysis="入户走访 280 户，梳理出探访、助餐、精神慰藉三类需求。", objectives="一年服务 260 名老人。",
        work_plan=[{"month": "2027-01", "activity": "需求调研与建档"}, {"month": "2027-06", "activity": "中期自评"}],
        outputs=[{"indicator": "上门探访", "target": 2000, "unit": "人次"}],
        team=[{"name": "赵敏", "role": "项目主管", "qualification": "中级社会工作师"}],
        budget_lines=[
            {"category": "personnel", "item": "社工补贴", "quantity": 1, "unit_price_fen": personnel},
            {"category": "management_fee", "item": "管理费", "quantity": 1, "unit_price_fen": management},
            {"category": "activities", "item": "社区活动", "quantity": 1,
             "unit_price_fen": total - personnel - management},
        ], co_funding_fen=300_000)


def _call_under_review(size: int, orgs: list[tuple[int, int]], officer: User) -> Call:
    """A call that `size` of the organisations applied to; closed, every proposal screened eligible, under review."""
    elderly = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "elderly"))
    deadline = utcnow().replace(microsecond=0) + timedelta(days=10)
    data = calls.CallData(
        title=f"康乐街道独居老人关爱服务项目（压测，{size} 份申报）", description="## 背景\n评审压测。",
        mode="project_application", category_id=elderly.id, total_budget_fen=size * MAX_PER_PROPOSAL_FEN // 3,
        max_per_proposal_fen=MAX_PER_PROPOSAL_FEN, questions_until=deadline - timedelta(days=2),
        submission_deadline=deadline, review_planned_on=(deadline + timedelta(days=5)).date(),
        award_planned_on=(deadline + timedelta(days=20)).date(), min_eligible_proposals=1,
        required_attachments=[], max_personnel_pct=60, max_management_pct=10)
    call = calls.create_call(data, actor=officer)
    calls.transition_call(call, CallStatus.PUBLISHED, actor=officer)
    submitted = []
    for n, (org_id, user_id) in enumerate(orgs[:size], start=1):
        org, manager = db.session.get(Organisation, org_id), db.session.get(User, user_id)
        proposal = proposals.start_proposal(call, org, actor=manager)
        proposals.save_draft(proposal, _proposal_data(org, n), actor=manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        submitted.append(proposal)
        if n % COMMIT_EVERY == 0:
            db.session.commit()
    after = deadline + timedelta(minutes=1)
    calls.close_if_due(call, now=after)
    for proposal in submitted:
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer, now=after)
    calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=after)
    db.session.commit()
    return call


def _score_everything(call: Call, members: int, officer: User) -> None:
    """Draw the panel; every member declares no conflict and submits a full, varied sheet for every proposal."""
    panel = panels.draw_panel(call, {SEAT: members}, actor=officer, seed=f"bench-review-{call.id}")
    db.session.commit()
    criteria = panel.template.criteria
    props = review.reviewable(call.id)
    for m, member in enumerate(panel.members):
        for p, proposal in enumerate(props):
            review.declare(member, proposal, False, "", actor=member.user)
            sheet = score_sheets.sheet_for(member, proposal)
            entries = {}
            for c, criterion in enumerate(criteria):
                share = 50 + (p * 7 + m * 13 + c * 5) % 45  # 50–94% of each maximum: no comment required
                entries[criterion.id] = (criterion.max_points * 2 * share // 100, "" if c % 3 else "材料较完整。")
            score_sheets.save_scores(sheet, entries, actor=member.user)
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        db.session.commit()


def seed(app, sizes: tuple[int, ...] = (60, 10), members: int = 7) -> dict[int, int]:
    """One fully scored call per size (the same organisations apply to each); returns {size: call id}."""
    with app.app_context(), app.test_request_context():
        officer = _officer()
        orgs = _orgs(max(sizes), officer)
        _experts(members, officer)
        call_ids = {}
        for size in sizes:
            call = _call_under_review(size, orgs, officer)
            _score_everything(call, members, officer)
            call_ids[size] = call.id
        return call_ids
