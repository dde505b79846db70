"""Demo review: an expert pool, a call mid-review (conflicts declared, sheets partly submitted) and a call in
publicity with an objection."""

from datetime import timedelta

from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.demo import register_demo
from core.timeutil import utcnow
from orgs.models import ServiceCategory
from projects import awards, calls, proposals
from projects.demo import _make_call, _orgs_in, _submit, review_proposals
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call, Proposal

from . import aggregate, services, templates
from .enums import SheetStatus
from .models import ExpertProfile, IndicatorTemplate

POOL = [("expert1", "social_service", "社会工作、养老服务"), ("expert2", "finance", "财务审计"),
        ("expert3", "social_service", "青少年社会工作"), ("expert4", "service_user", "居民代表"),
        ("expert5", "community_staff", "社区治理")]


def _score(member, proposal, share: int, submit: bool) -> None:
    services.declare(member, proposal, False, "", actor=member.user)
    sheet = services.sheet_for(member, proposal)
    entries = {c.id: (c.max_points * 2 * share // 100, "") for c in member.panel.template.criteria}
    services.save_scores(sheet, entries, actor=member.user)
    if submit:
        services.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)


@register_demo(40, "evaluation")
def load() -> list[str]:
    if db.session.scalar(select(IndicatorTemplate.id).limit(1)):
        return ["evaluation: demo review already there"]
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    template = templates.build("申报书评审通用标准", templates.DEFAULT_PROPOSAL_REVIEW, actor=officer,
                               description="政府购买服务项目申报书评审的默认指标体系。")
    for username, seat, expertise in POOL:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None and db.session.get(ExpertProfile, user.id) is None:
            services.save_expert(user, seat, expertise, [], True, actor=officer)

    review_call = db.session.scalar(select(Call).where(Call.status == CallStatus.UNDER_REVIEW))
    if review_call is not None:
        panel = services.draw_panel(review_call, template, {"social_service": 2, "finance": 1}, actor=officer,
                                    seed="demo-review-2026")
        props = services.reviewable(review_call.id)
        first = panel.members[0]
        services.declare(first, props[0], True, "曾担任该机构督导顾问", actor=first.user)
        for member in panel.members:
            for i, proposal in enumerate(props):
                if member is first and i == 0:
                    continue
                _score(member, proposal, 70 + 5 * i, submit=member is not panel.members[-1])

    now = utcnow().replace(microsecond=0)
    past = now - timedelta(days=30)
    education = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "education"))
    call = _make_call("社区教育“终身学习”服务项目", education, officer, past, 15)
    calls.transition_call(call, CallStatus.PUBLISHED, actor=officer, now=past)
    orgs = _orgs_in("education", 3)
    for org in orgs:
        _submit(call, org, past + timedelta(days=2))
    calls.close_if_due(call, now)
    for p in review_proposals(call):
        proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=now)
    calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=now)
    panel = services.draw_panel(call, template, {"social_service": 1, "service_user": 1, "community_staff": 1},
                                actor=officer, seed="demo-publicity-2026")
    for member in panel.members:
        for i, proposal in enumerate(services.reviewable(call.id)):
            _score(member, proposal, 82 - 6 * i, submit=True)
    ranked = services.results(panel)
    ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in ranked]
    winners = awards.recommend(call, ranking)[:2]
    awards.decide(call, ranking, {pid: awards.requested(db.session.get(Proposal, pid)) for pid in winners},
                  "本次设两个名额。", 5, actor=officer, now=now)
    loser = orgs[-1]
    manager = next(m.user for m in loser.memberships if m.role == "manager")
    awards.lodge_objection(call, loser, "我方项目的需求分析得分明显偏低，请复核评分依据。", None, actor=manager,
                           now=now)
    return ["evaluation: expert pool, a call mid-review with a conflict and partly submitted sheets, "
            "a call in publicity with an objection"]

