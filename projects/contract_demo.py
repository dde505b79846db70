"""Demo contracts at every stage the platform reaches on its own: awaiting signatures, on track (report accepted,
tranche paid), overdue, a budget line at its limit with a refused and an approved budget change (version 2) and a
schedule change waiting, a denied fee receipt, a terminated contract, and — paid in full after the project-evaluation
demo's passing final evaluation released its last tranche — a closed one."""

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from accounts.models import User
from core.db import db
from core.demo import register_demo
from core.timeutil import local_today, utcnow
from orgs.models import ServiceCategory

from . import (
    awards,
    calls,
    contract_changes,
    contract_money,
    contract_report_input,
    contract_reports,
    contracts,
    proposals,
)
from .award_models import AwardDecision
from .contract_change_models import ChangeStatus
from .contract_models import Contract, ContractStatus, Tranche, TrancheKind, TrancheStatus
from .contract_report_models import ReceiptStatus
from .demo import _make_call, _orgs_in, _submit, review_proposals
from .enums import CallStatus, ProposalStatus
from .models import Call

CALL_TITLE = "幸福街道2026年度社区居家养老服务项目（履约示范）"
AMOUNT = 10_000_000
PDF = b"%PDF-1.4\n%demo\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _manager(contract: Contract) -> User:
    return next(m.user for m in contract.org.memberships if m.role == "manager" and m.status == "active")


def _awarded_decisions(officer: User, now) -> list[AwardDecision]:
    past = now - timedelta(days=150)
    elderly = db.session.scalar(select(ServiceCategory).where(ServiceCategory.code == "elderly"))
    call = _make_call(CALL_TITLE, elderly, officer, past, 15, total=150_000_000)
    calls.transition_call(call, CallStatus.PUBLISHED, actor=officer, now=past)
    for org in _orgs_in("elderly", 6):
        _submit(call, org, past + timedelta(days=2))
    later = past + timedelta(days=16)
    calls.close_if_due(call, later)
    props = sorted(review_proposals(call), key=lambda p: p.id)
    for p in props:
        proposals.transition_proposal(p, ProposalStatus.ELIGIBLE, actor=officer, now=later)
    calls.transition_call(call, CallStatus.UNDER_REVIEW, actor=officer, now=later)
    ranking = [awards.Ranked(p.id, i, f"{90 - 2 * i}.00") for i, p in enumerate(props, start=1)]
    awards.decide(call, ranking, {p.id: AMOUNT for p in props}, "各项目均予立项，金额按统一标准核定（示范数据）。",
                  5, actor=officer, now=later)
    awards.finish_if_due(call, now)
    return list(db.session.scalars(select(AwardDecision).where(AwardDecision.call_id == call.id,
                                                               AwardDecision.awarded).order_by(AwardDecision.rank)))


def _contract(decision: AwardDecision, officer: User, sign: bool = True, advance: bool = False) -> Contract:
    """A demo contract of two milestones; `advance`: 30% paid once in force (预付款), then 30/20/20."""
    today = local_today()
    plan = [contracts.MilestonePlan("中期", today - timedelta(days=30), "中期报告、服务台账", "签到表、活动照片"),
            contracts.MilestonePlan("末期", today + timedelta(days=120), "总结报告", "服务档案")]
    contract = contracts.draft_contract(decision, today - timedelta(days=120), today + timedelta(days=245), plan,
                                        [30, 20, 20] if advance else [40, 30, 30],
                                        "按合同约定提供服务，接受第三方评估。", actor=officer,
                                        advance_percent=30 if advance else None)
    if sign:
        contracts.confirm(contract, actor=_manager(contract), terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    return contract


def _report(contract: Contract, index: int, *, accept: bool, officer: User, fees=(), visits: int = 600):
    today = local_today()
    data = contract_report_input.ReportInput(
        f"第{index + 1}阶段：完成入户探访与健康讲座，建立服务档案。", outputs={"上门探访": visits, "社区活动": 6},
        activities=[contract_report_input.ActivityInput(today - timedelta(days=35), "和平社区活动室", 32, "健康讲座")],
        fees=list(fees), evidence=[FileStorage(io.BytesIO(PDF), filename=f"{name}.pdf", content_type="application/pdf")
                                   for name in contract.milestones[index].evidence_required.split("、") if name])
    report = contract_reports.submit_report(contract.milestones[index], data, actor=_manager(contract))
    if accept:
        contract_reports.review_report(report, True, "材料齐全，予以通过。", actor=officer)
    return report


def _spend(contract: Contract, shares: dict[int, int]) -> None:
    for position, share in shares.items():
        line = contract.lines[position]
        contract_money.record_expense(contract, line, local_today() - timedelta(days=10), "幸福街道供应商",
                                 line.budget_fen * share // 100, None, actor=_manager(contract))


@register_demo(65, "contracts")
def load() -> list[str]:
    if db.session.scalar(select(Call.id).where(Call.title == CALL_TITLE)):
        return ["contracts: demo contracts already there"]
    officer, today = _user("officer"), local_today()
    decisions = _awarded_decisions(officer, utcnow().replace(microsecond=0))
    if len(decisions) < 6:
        return [f"contracts: only {len(decisions)} demo organisations to contract with; skipped"]
    _contract(decisions[0], officer, sign=False)  # awaiting signatures

    on_track = _contract(decisions[1], officer, advance=True)  # its advance paid once in force, then milestone 1
    contract_money.pay_tranche(on_track.tranches[0], "国库集中支付2026-0301", today, actor=officer)
    expert2 = contract_report_input.FeeInput("expert_fee", "", 80_000, today - timedelta(days=40), username="expert2")
    first = _report(on_track, 0, accept=True, officer=officer, fees=[expert2])
    contract_reports.transition_receipt(first.fees[0], ReceiptStatus.CONFIRMED, actor=_user("expert2"))
    contract_money.pay_tranche(on_track.tranches[1], "国库集中支付2026-0412", today, actor=officer)
    _spend(on_track, {0: 35, 1: 30, 2: 20})

    _spend(_contract(decisions[2], officer), {0: 10})  # overdue: the mid-term report never came

    at_limit = _contract(decisions[3], officer)
    _report(at_limit, 0, accept=True, officer=officer)  # its tranche waits for payment
    _spend(at_limit, {2: 100, 0: 40})  # materials spent to the last fen
    materials, activities = at_limit.lines[2], at_limit.lines[1]
    manager = _manager(at_limit)
    refused = contract_changes.request_change(at_limit, contract_changes.ChangeInput(
        "budget", "物资采购价格上涨，申请从人员费调入。", from_line_id=at_limit.lines[0].id, to_line_id=materials.id,
        amount_fen=2_000_000), actor=manager)
    contract_changes.transition_change(refused, ChangeStatus.REJECTED, actor=officer,
                                       reason="人员费为核心支出，不同意调减；请压缩物资采购。")
    approved = contract_changes.request_change(at_limit, contract_changes.ChangeInput(
        "budget", "社区活动改为线上线下结合，节余活动费调入物资。", from_line_id=activities.id,
        to_line_id=materials.id, amount_fen=300_000), actor=manager)
    contract_changes.transition_change(approved, ChangeStatus.APPROVED, actor=officer, reason="理由充分，同意调整。")
    contract_changes.request_change(at_limit, contract_changes.ChangeInput(
        "schedule", "末期活动与社区换届冲突，申请推迟两周。", milestone_id=at_limit.milestones[1].id,
        new_due_on=at_limit.milestones[1].due_on + timedelta(days=14)), actor=manager)

    denied = _contract(decisions[4], officer)
    _report(denied, 0, accept=True, officer=officer)
    contract_money.pay_tranche(denied.tranches[0], "国库集中支付2026-0518", today, actor=officer)
    fees = [contract_report_input.FeeInput("expert_fee", "", 150_000, today - timedelta(days=5), username="expert1"),
            contract_report_input.FeeInput("volunteer_allowance", "赵阿姨", 20_000, today - timedelta(days=5),
                                           phone="13700000009")]
    second = _report(denied, 1, accept=False, officer=officer, fees=fees, visits=900)
    contract_reports.transition_receipt(second.fees[0], ReceiptStatus.DENIED, actor=_user("expert1"),
                                        reason="本人未参加该机构任何督导活动，也未收到任何费用。")

    terminated = _contract(decisions[5], officer)
    contracts.transition_contract(terminated, ContractStatus.TERMINATED, actor=officer,
                                  reason="承接方主要负责人变更，双方协商一致解除合同。")
    closed = _close_after_final_evaluation(officer, today)
    return ["contracts: 6 demo contracts (awaiting signatures, on track with its advance paid, overdue, a line at "
            "its limit with budget "
            f"changes, a denied fee receipt, terminated){'; one closed after its final evaluation' if closed else ''}"]


def _close_after_final_evaluation(officer: User, today) -> bool:
    """The project-evaluation demo's project that passed its final evaluation (its last tranche released) is paid
    in full, which closes it: the last stage a contract reaches."""
    released = db.session.scalar(select(Tranche).where(Tranche.kind == TrancheKind.FINAL,
                                                       Tranche.status == TrancheStatus.PAYABLE).limit(1))
    if released is None:
        return False
    contract = db.session.get(Contract, released.contract_id)
    for n, tranche in enumerate(t for t in contract.tranches if t.status == TrancheStatus.PAYABLE):
        contract_money.pay_tranche(tranche, f"国库集中支付2026-09{n + 1:02d}", today, actor=officer)
    db.session.refresh(contract)
    return contract.status == ContractStatus.CLOSED
