from datetime import timedelta

from accounts.enums import Role
from core.db import db
from evaluation import aggregate, panels, score_sheets, services, templates
from evaluation.enums import SeatType, SheetStatus, TemplatePurpose
from projects import awards, calls, proposals
from projects.enums import CallStatus, ProposalStatus
from tests import prebuilt
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal


def default_template(actor):
    return templates.build("申报书评审标准", templates.DEFAULT_PROPOSAL_REVIEW, actor=actor,
                           purpose=TemplatePurpose.PROPOSAL_REVIEW)


def expert(seat=SeatType.SOCIAL_SERVICE, affiliations=(), officer=None):
    user = make_user(Role.EVALUATOR)
    panels.save_expert(user, seat.value, "社会工作", [o.id for o in affiliations], True, actor=officer)
    return user


def closed_call_with_proposals(app, officer, n=3, mode="project_application", **call_overrides):
    """A call past its deadline with n eligible proposals, screened (call_overrides: blind=True, template_id=…)."""
    with app.test_request_context():
        call = published_call(officer, mode=mode, **call_overrides)
        managers, orgs, props = [], [], []
        for i in range(n):
            manager = make_user()
            org = good_org(manager, officer, name=f"评审测试服务中心{i}")
            proposal = ready_proposal(call, org, manager)
            proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
            managers.append(manager), orgs.append(org), props.append(proposal)
        after = call.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(call, now=after)
        for p in props:
            proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=after)
    return call, orgs, props


def drawn_panel(app, officer, **call_overrides):
    """A closed call with its proposals and a panel of three social-service experts drawn for it."""
    call, orgs, props = closed_call_with_proposals(app, officer, **call_overrides)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    db.session.commit()
    return call, orgs, props, panel


def review_panel(app):
    """An officer and a panel they drew (drawn_panel), committed: (officer, call, orgs, proposals, panel). In a test
    that starts from one (tests.prebuilt) the first call hands over the one built for this process, on whose database
    the test runs."""
    return prebuilt.take("review_panel") or build_review_panel(app)


def build_review_panel(app):
    officer = make_user(Role.OFFICER)
    return officer, *drawn_panel(app, officer)


def fully_scored(app, officer, shares=(75, 70, 80)):
    call, orgs, props = closed_call_with_proposals(app, officer, n=len(shares))
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    for member in panel.members:
        for proposal, share in zip(props, shares, strict=True):
            services.declare(member, proposal, False, "", actor=member.user)
            sheet = score_sheets.sheet_for(member, proposal)
            score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * share // 100, "")
                                             for c in panel.template.criteria}, actor=member.user)
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
    ranking = [awards.Ranked(r.proposal_id, r.rank, aggregate.fmt(r.final)) for r in services.results(panel)]
    return call, orgs, props, ranking
