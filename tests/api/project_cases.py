"""Cases of tests/api/test_foreign_writes.py: proposals, contracts and evaluation (see foreign_cases.py)."""

from sqlalchemy import select

from core.db import db, utcnow
from core.timeutil import local_today
from evaluation import services as evaluation
from evaluation.models import Panel, PanelMember, ScoreSheet
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from orgs.models import Organisation
from projects import proposals
from projects.contract_models import Contract, ContractLine, Expense, Milestone, MilestoneReport
from projects.contract_report_models import FeePayment
from projects.models import Call, Proposal

from .world import API, Case, User, World, first, org_wrong

# --- proposals -----------------------------------------------------------------------------------------------------

def _open_call() -> Call:
    return first(select(Call).where(Call.status == "published").order_by(Call.id))


def _org_without_proposal(call: Call) -> Organisation:
    taken = select(Proposal.org_id).where(Proposal.call_id == call.id)
    return first(select(Organisation).where(Organisation.status == "approved", Organisation.id.not_in(taken))
                 .order_by(Organisation.id))


def _draft_wrong(w: World, org: Organisation) -> dict[str, User]:
    """Who may not start or write an organisation's draft: a plain member may (members write the draft, a manager
    submits it), so the wrong ones are the others of org_wrong, and a member not yet active."""
    wrong = {name: user for name, user in org_wrong(w, org).items() if name != "plain member"}
    return {**wrong, "invited member (not yet active)": w.member_of(org, status="invited")}


def start_proposal(w: World) -> Case:
    call = _open_call()
    org = _org_without_proposal(call)
    return Case("POST", f"{API}/calls/{call.id}/proposals", {"org_id": org.id}, w.member_of(org), _draft_wrong(w, org))


def save_proposal(w: World) -> Case:
    call = _open_call()
    org = _org_without_proposal(call)
    proposal = proposals.start_proposal(call, org, actor=w.manager_of(org))
    body = {"title": "社区助老服务项目", "summary": "为独居老人提供助餐。", "revision": 0}
    return Case("PUT", f"{API}/proposals/{proposal.id}", body, w.member_of(org), _draft_wrong(w, org))


def _submitted() -> Proposal:
    return first(select(Proposal).join(Call).where(Call.status == "published", Proposal.status == "submitted")
                 .order_by(Proposal.id))


def withdraw_proposal(w: World) -> Case:
    proposal = _submitted()
    return Case("POST", f"{API}/proposals/{proposal.id}/withdraw", None, w.manager_of(proposal.org),
                org_wrong(w, proposal.org))


def submit_proposal(w: World) -> Case:
    proposal = _submitted()
    manager = w.manager_of(proposal.org)
    proposals.transition_proposal(proposal, "draft", actor=manager)
    return Case("POST", f"{API}/proposals/{proposal.id}/submit", None, manager, org_wrong(w, proposal.org))


# --- contracts -----------------------------------------------------------------------------------------------------

def _active_contract() -> Contract:
    today = local_today()
    return first(select(Contract).where(Contract.status == "active", Contract.starts_on <= today,
                                         Contract.ends_on >= today).order_by(Contract.id))


def confirm_contract(w: World) -> Case:
    from projects.contracts import terms_digest

    contract = first(select(Contract).where(Contract.status == "draft"))
    wrong = org_wrong(w, contract.org)
    del wrong["officer"]  # (an officer signs for the street office: the other side of the contract)
    return Case("POST", f"{API}/contracts/{contract.id}/confirm", {"terms_digest": terms_digest(contract)},
                w.manager_of(contract.org), wrong)


def record_expense(w: World) -> Case:
    contract = _active_contract()
    line = first(select(ContractLine).where(ContractLine.contract_id == contract.id).order_by(ContractLine.id))
    body = {"line_id": line.id, "spent_on": local_today().isoformat(), "payee": "社区超市", "amount_fen": 100}
    return Case("POST", f"{API}/contracts/{contract.id}/expenses", body, w.manager_of(contract.org),
                org_wrong(w, contract.org))


def _expense() -> Expense:
    today = local_today()
    return first(select(Expense).join(Contract).where(Contract.status == "active", Contract.starts_on <= today,
                                                      Contract.ends_on >= today, Expense.withdrawn_at.is_(None))
                 .order_by(Expense.id))


def withdraw_expense(w: World) -> Case:
    expense = _expense()
    contract = db.session.get(Contract, expense.contract_id)
    return Case("POST", f"{API}/contracts/{contract.id}/expenses/{expense.id}/withdraw", {"reason": "重复记录"},
                w.manager_of(contract.org), org_wrong(w, contract.org))


def correct_expense(w: World) -> Case:
    expense = _expense()
    contract = db.session.get(Contract, expense.contract_id)
    body = {"line_id": expense.line_id, "spent_on": local_today().isoformat(), "payee": "社区超市", "amount_fen": 100}
    return Case("POST", f"{API}/contracts/{contract.id}/expenses/{expense.id}/correct", body,
                w.manager_of(contract.org), org_wrong(w, contract.org))


def contract_change(w: World) -> Case:
    contract = _active_contract()
    lines = list(db.session.scalars(select(ContractLine).where(ContractLine.contract_id == contract.id)
                                    .order_by(ContractLine.id)))
    body = {"kind": "budget", "reason": "场地费用上涨", "from_line_id": lines[0].id, "to_line_id": lines[1].id,
            "amount_fen": 100}
    return Case("POST", f"{API}/contracts/{contract.id}/changes", body, w.manager_of(contract.org),
                org_wrong(w, contract.org))


def milestone_report(w: World) -> Case:
    reported = select(MilestoneReport.milestone_id).where(MilestoneReport.status.in_(("submitted", "accepted")))
    today = local_today()
    milestone = first(select(Milestone).join(Contract).where(Contract.status == "active", Contract.starts_on <= today,
                                                              Milestone.id.not_in(reported)).order_by(Milestone.id))
    milestone.evidence_required = ""  # (JSON carries no evidence files; the report records an activity instead)
    org = db.session.get(Contract, milestone.contract_id).org
    body = {"narrative": "本阶段开展了三次助餐活动。", "outputs": {}, "fees": [],
            "activities": [{"held_on": today.isoformat(), "place": "和平社区活动室", "participants": 12}]}
    return Case("POST", f"{API}/milestones/{milestone.id}/reports", body, w.manager_of(org), org_wrong(w, org))


def _fee_case(w: World, answer: str) -> Case:
    fee = first(select(FeePayment).where(FeePayment.status == "unconfirmed", FeePayment.recipient_user_id.is_not(None))
                .order_by(FeePayment.id))
    org = db.session.get(Contract, fee.contract_id).org
    return Case("POST", f"{API}/fee-receipts/{fee.id}/{answer}", {"reason": "未收到"} if answer == "deny" else None,
                db.session.get(User, fee.recipient_user_id), {**w.staff(), "the payer's manager": w.manager_of(org)})


def confirm_fee(w: World) -> Case:
    return _fee_case(w, "confirm")


def deny_fee(w: World) -> Case:
    return _fee_case(w, "deny")


# --- evaluation ----------------------------------------------------------------------------------------------------

def _seat_and_proposal() -> tuple[PanelMember, Proposal]:
    """An active seat on the panel of a call under review, and an eligible proposal of that call it has declared no
    conflict with (declared now if it had not declared) and not yet submitted a sheet for."""
    for member in db.session.scalars(select(PanelMember).join(Panel).join(Call, Call.id == Panel.call_id).where(
            Call.status == "under_review", PanelMember.status == "active").order_by(PanelMember.id)):
        done = evaluation.declarations(member)
        submitted = set(db.session.scalars(select(ScoreSheet.proposal_id).where(
            ScoreSheet.member_id == member.id, ScoreSheet.status != "draft")))
        for proposal in db.session.scalars(select(Proposal).where(Proposal.call_id == member.panel.call_id,
                                                                  Proposal.status == "eligible").order_by(Proposal.id)):
            if proposal.id not in submitted and (proposal.id not in done
                                                              or not done[proposal.id].has_conflict):
                if proposal.id not in done:
                    evaluation.declare(member, proposal, False, "", actor=member.user)
                return member, proposal
    raise AssertionError("the demo data has no seat on a panel under review with a proposal to declare or score")


def _panel_wrong(w: World, member: PanelMember, proposal: Proposal) -> dict[str, User]:
    other_seat = db.session.scalar(select(PanelMember).where(PanelMember.panel_id == member.panel_id,
                                                             PanelMember.id != member.id))
    wrong = {**w.staff(), "the proposal's manager": w.manager_of(proposal.org)}
    if other_seat is not None:
        wrong["another evaluator of the panel"] = other_seat.user
    return wrong


def declare(w: World) -> Case:
    """A conflict found later replaces a declaration of none while the review is open (evaluation.services.declare):
    the demo's panel has declared on every proposal."""
    member, proposal = _seat_and_proposal()
    return Case("POST", f"{API}/evaluation/members/{member.id}/declarations",
                {"proposal_id": proposal.id, "conflict": True, "relationship": "曾任该机构督导"}, member.user,
                _panel_wrong(w, member, proposal))


def panel_sheet(w: World) -> Case:
    member, proposal = _seat_and_proposal()
    return Case("PUT", f"{API}/evaluation/members/{member.id}/sheets/{proposal.id}", {"scores": {}},
                member.user, _panel_wrong(w, member, proposal))


def project_sheet(w: World) -> Case:
    assignment = first(select(EvaluationAssignment).join(ProjectEvaluation).where(
        ProjectEvaluation.status == "in_progress", EvaluationAssignment.withdrawn_at.is_(None),
        EvaluationAssignment.declared_at.is_not(None)).order_by(EvaluationAssignment.id))
    evaluation_ = assignment.evaluation
    others = [a.user for a in evaluation_.assignments if a.user_id != assignment.user_id]
    wrong = {**w.staff(), "the project's manager": w.manager_of(evaluation_.contract.org)}
    if others:
        wrong["another evaluator of the project"] = others[0]
    withdrawn = w.evaluator()
    db.session.add(EvaluationAssignment(evaluation_id=evaluation_.id, user_id=withdrawn.id, declared_at=utcnow(),
                                        has_conflict=False, withdrawn_at=utcnow(), withdrawn_reason="回避"))
    wrong["an evaluator withdrawn from it"] = withdrawn
    return Case("PUT", f"{API}/evaluation/project-evaluations/{evaluation_.id}/sheet", {"scores": {}},
                assignment.user, wrong)
