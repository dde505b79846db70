"""Demo calls in every state the platform can reach so far, with proposals from the demo organisations."""

import io
from datetime import timedelta

from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.demo import register_demo
from core.timeutil import utcnow
from orgs.enums import OrgStatus
from orgs.models import Membership, Organisation, ServiceCategory

from . import calls, proposals
from .enums import CallStatus, ProposalStatus
from .models import Call, Proposal

DESCRIPTION = """## 项目背景
幸福街道 60 岁以上户籍老人约 1.2 万人，其中独居、高龄老人 1,800 余人，居家养老服务需求迫切。

## 服务内容
1. 为辖区独居、高龄老人提供每月不少于 2 次上门探访；
2. 开展健康讲座、助餐助浴等社区活动；
3. 建立服务档案，按月报送服务数据。

## 申报要求
申报单位须按本公告附件要求提交申报书及相关材料，逾期不予受理。"""


def _proposal_data(org: Organisation, call: Call) -> proposals.ProposalData:
    cap = call.max_per_proposal_fen
    return proposals.ProposalData(
        title=f"{org.name}：{call.title}", summary=f"{org.name}依托专业社工团队，为辖区居民提供精准服务。",
        needs_analysis="通过入户走访 320 户，梳理出探访、助餐、精神慰藉三类主要需求。",
        objectives="一年内服务 300 名老人，满意度达到 90% 以上。",
        work_plan=[{"month": f"第{m}月", "activity": a} for m, a in ((1, "需求调研与建档"), (2, "组建志愿者队伍"),
                                                                     (6, "中期自评"), (12, "总结评估"))],
        outputs=[{"indicator": "上门探访", "target": 2400, "unit": "人次"},
                 {"indicator": "社区活动", "target": 24, "unit": "场"}],
        team=[{"name": "张明", "role": "项目主管", "qualification": "中级社会工作师"},
              {"name": "李娜", "role": "一线社工", "qualification": "助理社会工作师"}],
        budget_lines=[
            {"category": "personnel", "item": "社工补贴", "quantity": 12, "unit_price_fen": cap * 40 // 100 // 12},
            {"category": "activities", "item": "社区活动", "quantity": 24, "unit_price_fen": cap * 40 // 100 // 24},
            {"category": "materials", "item": "物资", "quantity": 1, "unit_price_fen": cap * 10 // 100},
            {"category": "management_fee", "item": "管理费", "quantity": 1, "unit_price_fen": cap * 5 // 100},
        ], co_funding_fen=500000)


def _make_call(title: str, category: ServiceCategory, officer: User, start, deadline_days: int, **extra) -> Call:
    deadline = start + timedelta(days=deadline_days)
    data = calls.CallData(
        title=title, description=DESCRIPTION, mode=extra.pop("mode", "project_application"), category_id=category.id,
        total_budget_fen=extra.pop("total", 60_000_000), max_per_proposal_fen=extra.pop("cap", 20_000_000),
        questions_until=deadline - timedelta(days=3), submission_deadline=deadline,
        review_planned_on=(deadline + timedelta(days=7)).date(),
        award_planned_on=(deadline + timedelta(days=21)).date(),
        min_eligible_proposals=extra.pop("min_eligible", 2), required_attachments=["申报书盖章扫描件"], **extra)
    return calls.create_call(data, actor=officer)


class _Upload:
    filename = "申报书.pdf"

    def __init__(self):
        self._io = io.BytesIO(b"%PDF-1.4\n%demo\n%%EOF\n")

    def read(self, n=-1):
        return self._io.read(n)


def _submit(call: Call, org: Organisation, now) -> None:
    manager = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.org_id == org.id, Membership.role == "manager"))
    proposal = proposals.start_proposal(call, org, actor=manager, now=now)
    proposals.save_draft(proposal, _proposal_data(org, call), actor=manager, now=now)
    proposals.add_attachment(proposal, "申报书盖章扫描件", _Upload(), actor=manager, now=now)
    proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager, now=now)


def _orgs_in(category_code: str, limit: int) -> list[Organisation]:
    rows = db.session.scalars(select(Organisation).where(Organisation.status == OrgStatus.APPROVED)
                              .where(Organisation.categories.any(ServiceCategory.code == category_code))
                              .order_by(Organisation.id).limit(limit))
    return list(rows)


@register_demo(30, "projects")
def load() -> list[str]:
    if db.session.scalar(select(Call.id).limit(1)):
        return ["projects: demo calls already there"]
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    cats = {c.code: c for c in db.session.scalars(select(ServiceCategory))}
    now = utcnow().replace(microsecond=0)

    _make_call("2027年幸福街道社区教育项目（草稿）", cats["education"], officer, now, 30)

    open_call = _make_call("幸福街道2027年度居家养老上门服务项目", cats["elderly"], officer, now, 20,
                           mode="public_tender", min_grade=3, min_years_registered=1)
    calls.transition_call(open_call, CallStatus.PUBLISHED, actor=officer, now=now)
    elderly = _orgs_in("elderly", 4)
    for org in elderly[:2]:
        _submit(open_call, org, now)

    past = now - timedelta(days=40)
    closed = _make_call("光明社区困难群众帮扶服务项目", cats["hardship"], officer, past, 30)
    calls.transition_call(closed, CallStatus.PUBLISHED, actor=officer, now=past)
    for org in _orgs_in("hardship", 3):
        _submit(closed, org, past + timedelta(days=5))
    calls.close_if_due(closed, now)

    review = _make_call("幸福街道青少年成长护航项目", cats["children_youth"], officer, past, 25, blind=True)
    calls.transition_call(review, CallStatus.PUBLISHED, actor=officer, now=past)
    for org in _orgs_in("children_youth", 3):
        _submit(review, org, past + timedelta(days=3))
    calls.close_if_due(review, now)
    for p in sorted(review_proposals(review), key=lambda p: p.id):
        proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=now)
    calls.transition_call(review, CallStatus.UNDER_REVIEW, actor=officer, now=now)

    failed = _make_call("社区矛盾纠纷调解服务项目", cats["mediation"], officer, past, 20, min_eligible=3)
    calls.transition_call(failed, CallStatus.PUBLISHED, actor=officer, now=past)
    for org in _orgs_in("mediation", 1):
        _submit(failed, org, past + timedelta(days=2))
    calls.close_if_due(failed, now)  # one proposal against a minimum of three: it fails as it closes

    cancelled = _make_call("社区环境整治宣传项目", cats["environment"], officer, now, 15)
    calls.transition_call(cancelled, CallStatus.PUBLISHED, actor=officer, now=now)
    calls.transition_call(cancelled, CallStatus.CANCELLED, actor=officer, reason="预算调整，项目暂缓实施。", now=now)
    return ["projects: 6 demo calls (draft, open, closed, under review, failed, cancelled) with proposals"]


def review_proposals(call: Call):
    return list(db.session.scalars(select(Proposal).where(Proposal.call_id == call.id,
                                                          Proposal.status == ProposalStatus.SUBMITTED)))
