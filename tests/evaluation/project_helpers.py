"""Project evaluations built through the real services (contracts from tests.projects.contract_helpers)."""

from datetime import timedelta

from accounts.enums import Role
from core.timeutil import local_today
from evaluation import candidates, project_services, project_sheets, score_sheets, templates
from evaluation.enums import SeatType, SheetStatus, TemplatePurpose
from orgs import services as org_services
from projects import contract_reports
from projects.contract_report_input import ReportInput
from tests.evaluation.helpers import expert
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org
from tests.projects.contract_helpers import active_contract


def project_template(actor):
    return templates.build("项目评估标准", templates.DEFAULT_PROJECT_EVALUATION, actor=actor,
                           purpose=TemplatePurpose.PROJECT_EVALUATION)


def agency_with_evaluators(officer, n=2):
    manager = make_user()
    org = approved_org(manager, officer, name=f"公益评估中心{manager.id}")
    evaluators = []
    for _ in range(n):
        user = make_user(Role.EVALUATOR)
        membership = org_services.invite_member(org, user.username, "member", actor=manager)
        org_services.answer_invitation(membership, True, actor=user)
        evaluators.append(user)
    candidates.register_agency(org, True, actor=officer)
    return org, evaluators


def commissioned(app, kind="final", n=1, declare=True):
    """An active contract with an evaluation commissioned from n pool evaluators (declared no conflict). A final one
    after the report on the last milestone is submitted (not accepted: the last tranche waits for both)."""
    officer, manager, contract = active_contract(app)
    evaluators = [expert(SeatType.SOCIAL_SERVICE, officer=officer) for _ in range(n)]
    with app.test_request_context():
        if kind == "final":
            final_report(contract, manager)
        evaluation = project_services.commission(contract, kind, project_template(officer),
                                                 local_today() + timedelta(days=30), actor=officer,
                                                 evaluator_ids=[u.id for u in evaluators])
        if declare:
            for a in evaluation.assignments:
                project_services.declare(a, False, "", actor=a.user)
    return officer, manager, contract, evaluation, evaluators


def final_report(contract, manager=None):
    """The organisation's report on the contract's last milestone (末期), submitted (by `manager`, or a manager of the
    organisation): a final evaluation can then be commissioned."""
    manager = manager or next(m.user for m in contract.org.memberships if m.role == "manager" and m.status == "active")
    return contract_reports.submit_report(contract.milestones[-1], ReportInput(
        "项目已全部完成，详见总结报告。", evidence=[Upload(filename="总结报告.pdf")]), actor=manager)


def score_all(evaluation, half_points_by_user: dict[int, dict[int, int] | int], submit=True):
    """Scores per evaluator: a dict criterion -> half points, or one percentage for every criterion."""
    for a in evaluation.assignments:
        if not a.cleared:
            continue
        wanted = half_points_by_user[a.user_id]
        criteria = evaluation.template.criteria
        entries = ({c.id: (wanted[c.id], "依据核查材料") for c in criteria} if isinstance(wanted, dict)
                   else {c.id: (c.max_points * 2 * wanted // 100, "依据核查材料") for c in criteria})
        sheet = project_sheets.sheet_for(a)
        score_sheets.save_scores(sheet, entries, actor=a.user)
        if submit:
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=a.user)


def half_points_for_total(evaluation, total_half: int) -> dict[int, int]:
    """Half points per criterion adding up to total_half, filling criteria in order."""
    left, out = total_half, {}
    for c in evaluation.template.criteria:
        out[c.id] = min(left, 2 * c.max_points)
        left -= out[c.id]
    return out
