"""Demo project evaluations: a final evaluation finished 合格 (its last tranche payable), a final evaluation 不合格
with rectification under way, a mid-term evaluation in progress, and resident survey answers. Uses the demo's
active contracts; when there are none it draws up three from a demo call awarded in the past."""

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from accounts.models import User
from core.db import db
from core.demo import register_demo
from core.timeutil import local_today, utcnow
from orgs.models import ServiceCategory
from projects import awards, calls, contract_money, contract_report_input, contract_reports, contracts, proposals
from projects.award_models import AwardDecision
from projects.contract_models import Contract, ContractStatus
from projects.demo import _make_call, _orgs_in, _submit, review_proposals
from projects.enums import CallStatus, ProposalStatus

from . import project_report, project_services, project_sheets, rectification, score_sheets, surveys, templates
from .enums import SheetStatus
from .project_enums import TaskStatus
from .project_models import ProjectEvaluation

PDF = b"%PDF-1.4\n%demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _manager(contract: Contract) -> User:
    return next(m.user for m in contract.org.memberships if m.role == "manager" and m.status == "active")


def _awarded_call(officer: User, now):
    past = now - timedelta(days=220)
    elderly = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "elderly"))
    call = _make_call("幸福街道2026年度为老服务项目（评估示范）", elderly, officer, past, 15)
    calls.transition_call(call, CallStatus.PUBLISHED, actor=officer, now=past)
    for org in _orgs_in("elderly", 3):
        _submit(call, org, past + timedelta(days=2))
    later = past + timedelta(days=16)
    calls.close_if_due(call, later)
    props = review_proposals(call)
    for p in props:
        proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=later)
    calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=later)
    ranking = [awards.Ranked(p.id, i, f"{88 - 3 * i}.00") for i, p in enumerate(props, start=1)]
    awards.decide(call, ranking, {p.id: awards.requested(p) for p in props}, "三个项目均予立项（评估示范数据）。", 5,
                  actor=officer, now=later)
    awards.finish_if_due(call, now)
    return call


def _deliver(contract: Contract, manager: User, officer: User, share: int) -> None:
    """Reports on every milestone (accepted), activities, a fee, and expenses of `share` percent of each line."""
    today = local_today()
    for i, milestone in enumerate(contract.milestones):
        achieved = {o["indicator"]: int(o.get("target") or 0) * share // 100 // len(contract.milestones)
                    for o in contract.outputs or []}
        report = contract_reports.submit_report(milestone, contract_report_input.ReportInput(
            f"第{i + 1}阶段：完成入户探访与社区活动，建立服务档案。", outputs=achieved,
            activities=[contract_report_input.ActivityInput(today - timedelta(days=3), "幸福街道社区活动中心", 30 + i,
                                                            "健康讲座")],
            fees=[contract_report_input.FeeInput("volunteer_allowance", "赵阿姨", 20_000, today - timedelta(days=2),
                                                 phone="13700000009")]), actor=manager)
        contract_reports.review_report(report, True, "", actor=officer)
    for line in contract.lines:
        if amount := line.budget_fen * share // 100:
            contract_money.record_expense(contract, line, today - timedelta(days=1), "幸福街道供应商", amount, None,
                                     actor=manager)


def _new_contracts(officer: User, now) -> list[Contract]:
    call = _awarded_call(officer, now)
    today = local_today()
    made = []
    awarded = db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id, AwardDecision.awarded)
                                 .order_by(AwardDecision.rank))
    for decision in awarded:
        plan = [contracts.MilestonePlan("中期", today - timedelta(days=60), "中期报告"),
                contracts.MilestonePlan("末期", today - timedelta(days=5), "总结报告")]
        contract = contracts.draft_contract(decision, today - timedelta(days=180), today + timedelta(days=10), plan,
                                            [40, 30, 30], "按合同约定提供服务，接受第三方评估。", actor=officer)
        manager = _manager(contract)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        made.append(contract)
    return made


def _evaluate(contract: Contract, kind: str, usernames: list[str], officer: User, template):
    return project_services.commission(contract, kind, template, local_today() + timedelta(days=30),
                                       actor=officer, evaluator_ids=[_user(u).id for u in usernames])


def _score(evaluation: ProjectEvaluation, share: int, submit: bool = True) -> None:
    for a in evaluation.assignments:
        project_services.declare(a, False, "", actor=a.user)
        sheet = project_sheets.sheet_for(a)
        score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * share // 100, "依据档案与现场核查评分")
                                         for c in evaluation.template.criteria}, actor=a.user)
        if submit:
            score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=a.user)


def _survey(evaluation: ProjectEvaluation, officer: User, residents: list[str], codes: int) -> None:
    survey = surveys.create_survey(evaluation, "居民满意度调查", surveys.parse_outline(surveys.DEFAULT_OUTLINE),
                                   actor=officer)
    ratings = [(5, 5, 4), (4, 4, 5), (3, 4, 4), (5, 4, 3)]
    for i, username in enumerate(residents):
        r = ratings[i % len(ratings)]
        surveys.answer(survey, {"q0": r[0], "q1": r[1], "q2": r[2], "q3": "2–5 次", "q4": "服务很贴心"},
                       user=_user(username))
    for i, code in enumerate(surveys.issue_codes(survey, codes, actor=officer)[:2]):
        r = ratings[(i + 2) % len(ratings)]
        surveys.answer(survey, {"q0": r[0], "q1": r[1], "q2": r[2], "q3": "1 次", "q4": ""}, code=code)


@register_demo(60, "project_evaluation")
def load() -> list[str]:
    if db.session.scalar(select(ProjectEvaluation.id).limit(1)):
        return ["project evaluation: demo already there"]
    officer = _user("officer")
    now = utcnow().replace(microsecond=0)
    active = list(db.session.scalars(select(Contract).where(Contract.status == ContractStatus.ACTIVE)
                                     .order_by(Contract.id)))
    if len(active) < 3:
        active += _new_contracts(officer, now)
        for contract, share in zip(active[-3:], (85, 45, 70), strict=True):
            _deliver(contract, _manager(contract), officer, share)
    passed, failed, running = active[:3]
    template = templates.default_template("project", actor=officer)  # (the one the templates page offers)

    finished = _evaluate(passed, "final", ["expert1"], officer, template)
    _survey(finished, officer, ["resident1", "resident2", "resident3"], 5)
    _score(finished, 78)
    project_report.issue_report(finished, "项目按合同完成主要服务内容，档案基本完整，居民满意度较高，评定为合格。", [],
                                actor=_user("expert1"))

    failing = _evaluate(failed, "final", ["expert3"], officer, template)
    _score(failing, 55)
    flagged = failing.template.criteria[5]  # output completion
    project_report.issue_report(
        failing, "产出指标完成率偏低，部分活动缺少签到记录，评定为不合格，须限期整改。",
        [project_report.Flag(flagged.id, "补齐未完成的探访服务并提交服务记录", local_today() + timedelta(days=20))],
        actor=_user("expert3"))
    first = failing.tasks[0]
    rectification.transition_task(first, TaskStatus.RESPONDED, actor=_manager(failed),
                                  text="已补充完成 320 人次探访，附服务记录。",
                                  evidence=FileStorage(io.BytesIO(PDF), filename="整改报告.pdf",
                                                       content_type="application/pdf"))

    midterm = _evaluate(running, "midterm", ["expert1", "expert4"], officer, template)
    _survey(midterm, officer, ["resident4", "resident5"], 10)
    project_services.declare(midterm.assignments[0], False, "", actor=midterm.assignments[0].user)
    sheet = project_sheets.sheet_for(midterm.assignments[0])
    score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * 3 // 4, "") for c in midterm.template.criteria[:4]},
                             actor=midterm.assignments[0].user)
    return ["project evaluation: a final evaluation 合格 (last tranche released), a final evaluation 不合格 with "
            "rectification under way, a mid-term evaluation in progress, survey answers"]
