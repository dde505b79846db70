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

from . import aggregate, panels, score_sheets, services, templates
from .enums import SheetStatus
from .models import ExpertProfile

POOL = [("expert1", "social_service", "社会工作、养老服务"), ("expert2", "finance", "财务审计"),
        ("expert3", "social_service", "青少年社会工作"), ("expert4", "service_user", "居民代表"),
        ("expert5", "community_staff", "社区治理")]


# What the experts of the decided calls wrote beside some scores (by the default criteria's position): each
# applicant reads them on its proposal's page.
REMARKS = {0: "需求调研数据较充分，建议补充入户走访记录。", 3: "服务内容回应需求，活动频次安排合理。",
           5: "持证社工配置到位，岗位分工清楚。", 7: "预算单价依据不足，管理费比例偏高。",
           9: "可持续性设计不足，建议培育社区志愿者骨干。"}


def _score(member, proposal, share: int, submit: bool, remarks: bool = False) -> None:
    services.declare(member, proposal, False, "", actor=member.user)
    sheet = score_sheets.sheet_for(member, proposal)
    entries = {c.id: (c.max_points * 2 * share // 100,
                      REMARKS[k] if remarks and k in REMARKS and (k + member.draw_order + proposal.id) % 2 else "")
               for k, c in enumerate(member.panel.template.criteria)}
    score_sheets.save_scores(sheet, entries, actor=member.user)
    if submit:
        score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)


@register_demo(40, "evaluation")
def load() -> list[str]:
    if db.session.scalar(select(ExpertProfile.user_id).limit(1)):
        return ["evaluation: demo review already there"]
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    templates.proposal_default(actor=officer)  # the demo calls were published with it
    for username, seat, expertise in POOL:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None and db.session.get(ExpertProfile, user.id) is None:
            panels.save_expert(user, seat, expertise, [], True, actor=officer)

    review_call = db.session.scalar(select(Call).where(Call.status == CallStatus.UNDER_REVIEW))
    if review_call is not None:
        panel = panels.draw_panel(review_call, {"social_service": 2, "finance": 1}, actor=officer,
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
    call, orgs = _decided_call("社区教育“终身学习”服务项目", "education", officer, now - timedelta(days=30), now,
                               {"social_service": 1, "service_user": 1, "community_staff": 1}, "demo-publicity-2026")
    loser = orgs[-1]
    manager = next(m.user for m in loser.memberships if m.role == "manager")
    awards.lodge_objection(call, loser, "我方项目的需求分析得分明显偏低，请复核评分依据。", None, actor=manager,
                           now=now)
    # A call whose publicity ended weeks ago with no objection: awarded, with its award notices
    decided_on = now - timedelta(days=30)
    awarded, _orgs = _decided_call("幸福街道2026年度老年助餐服务项目", "elderly", officer, now - timedelta(days=60),
                                   decided_on, {"social_service": 1, "finance": 1, "service_user": 1},
                                   "demo-awarded-2026", aggregation="mean")
    awards.finish_if_due(awarded, now)
    return ["evaluation: expert pool, a call mid-review with a conflict and partly submitted sheets, "
            "a call in publicity with an objection, an awarded call"]


def _decided_call(title: str, category_code: str, officer, start, decided_at, seats: dict, seed: str, **rules):
    """A call published at start, closed, screened, scored by a drawn panel and decided at decided_at (two
    winners), which puts its results up for publicity from that day."""
    category = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == category_code))
    call = _make_call(title, category, officer, start, 15, **rules)
    calls.transition_call(call, CallStatus.PUBLISHED, actor=officer, now=start)
    orgs = _orgs_in(category_code, 3)
    for org in orgs:
        _submit(call, org, start + timedelta(days=2))
    calls.close_if_due(call, decided_at)
    for p in review_proposals(call):
        proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=decided_at)
    calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=decided_at)
    panel = panels.draw_panel(call, seats, actor=officer, seed=seed)
    for member in panel.members:
        for i, proposal in enumerate(services.reviewable(call.id)):
            _score(member, proposal, 82 - 6 * i, submit=True, remarks=True)
    ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in services.results(panel)]
    winners = awards.recommend(call, ranking)[:2]
    awards.decide(call, ranking, {pid: awards.requested(db.session.get(Proposal, pid)) for pid in winners},
                  "本次设两个名额。", 5, actor=officer, now=decided_at)
    return call, orgs

