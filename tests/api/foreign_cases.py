"""The worlds of tests/api/test_foreign_writes.py: for each write route of /api/v1, a valid request for a real record
of the demo data, the user for whom it succeeds, and the users for whom it must not.

Each builder takes a World (the demo data, loaded; tokens on demand) and returns a Case. Users a builder names as
`wrong` may not do the thing; anonymous (no token) is added to every case by the test."""

from dataclasses import dataclass, field

from sqlalchemy import select

from accounts import needs
from accounts.enums import Role
from accounts.models import Community, User
from accounts.resident_models import ResidentProfile
from accounts.tokens import create_token
from core.db import db
from core.timeutil import local_today
from evaluation import services as evaluation
from evaluation.models import Panel, PanelMember, ScoreSheet
from evaluation.project_models import EvaluationAssignment, ProjectEvaluation
from orgs import changes
from orgs.models import Membership, Organisation, ServiceCategory
from projects import proposals
from projects.contract_models import Contract, ContractLine, Expense, Milestone, MilestoneReport
from projects.contract_report_models import FeePayment
from projects.models import Call, Proposal
from tests.factories import make_user
from tests.orgs.helpers import make_uscc
from vouchers import catalogue, redemption
from vouchers.redemption_models import Redemption

API = "/api/v1"


@dataclass
class Case:
    method: str
    url: str
    body: dict | None
    right: User
    wrong: dict[str, User] = field(default_factory=dict)


class World:
    """The demo data, and what a case needs of it: users by role, tokens (made once per user)."""

    def __init__(self):
        self._tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        if user.id not in self._tokens:
            self._tokens[user.id] = create_token(user, "foreign writes", actor=user)[1]
            db.session.commit()
        return self._tokens[user.id]

    @staticmethod
    def named(username: str) -> User:
        return db.session.scalar(select(User).where(User.username == username))

    @staticmethod
    def nobody() -> User:
        """A signed-up user with no role and no organisation."""
        return make_user()

    @staticmethod
    def evaluator() -> User:
        return make_user(Role.EVALUATOR)

    @staticmethod
    def manager_of(org: Organisation) -> User:
        return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.org_id == org.id, Membership.role == "manager", Membership.status == "active")
            .order_by(User.id))

    def other_manager(self, *orgs: Organisation) -> User:
        """A manager of another approved organisation (none of `orgs`)."""
        other = db.session.scalar(select(Organisation).where(
            Organisation.status == "approved", Organisation.id.not_in([o.id for o in orgs])).order_by(Organisation.id))
        return self.manager_of(other)

    @staticmethod
    def member_of(org: Organisation) -> User:
        """A new active member of the organisation who is not a manager."""
        user = make_user()
        db.session.add(Membership(org_id=org.id, user_id=user.id, role="member", status="active"))
        db.session.flush()
        return user

    def staff(self) -> dict[str, User]:
        """The usual wrong users: a user with no role, an officer, an auditor, an administrator, a resident, an
        evaluator."""
        return {"no role": self.nobody(), "officer": self.named("officer"), "auditor": self.named("auditor"),
                "admin": self.named("admin"), "resident": self.named("resident1"), "evaluator": self.evaluator()}


def _first(stmt):
    found = db.session.scalar(stmt.limit(1))
    assert found is not None, f"the demo data has nothing for {stmt}"
    return found


def _org_wrong(w: World, org: Organisation) -> dict[str, User]:
    return {**w.staff(), "plain member": w.member_of(org), "other org's manager": w.other_manager(org)}


# --- proposals -----------------------------------------------------------------------------------------------------

def _open_call() -> Call:
    return _first(select(Call).where(Call.status == "published").order_by(Call.id))


def _org_without_proposal(call: Call) -> Organisation:
    taken = select(Proposal.org_id).where(Proposal.call_id == call.id)
    return _first(select(Organisation).where(Organisation.status == "approved", Organisation.id.not_in(taken))
                  .order_by(Organisation.id))


def start_proposal(w: World) -> Case:
    call = _open_call()
    org = _org_without_proposal(call)
    return Case("POST", f"{API}/calls/{call.id}/proposals", {"org_id": org.id}, w.manager_of(org), _org_wrong(w, org))


def save_proposal(w: World) -> Case:
    call = _open_call()
    org = _org_without_proposal(call)
    manager = w.manager_of(org)
    proposal = proposals.start_proposal(call, org, actor=manager)
    body = {"title": "社区助老服务项目", "summary": "为独居老人提供助餐。"}
    return Case("PUT", f"{API}/proposals/{proposal.id}", body, manager, _org_wrong(w, org))


def _submitted() -> Proposal:
    return _first(select(Proposal).join(Call).where(Call.status == "published", Proposal.status == "submitted")
                  .order_by(Proposal.id))


def withdraw_proposal(w: World) -> Case:
    proposal = _submitted()
    return Case("POST", f"{API}/proposals/{proposal.id}/withdraw", None, w.manager_of(proposal.org),
                _org_wrong(w, proposal.org))


def submit_proposal(w: World) -> Case:
    proposal = _submitted()
    manager = w.manager_of(proposal.org)
    proposals.transition_proposal(proposal, "draft", actor=manager)
    return Case("POST", f"{API}/proposals/{proposal.id}/submit", None, manager, _org_wrong(w, proposal.org))


# --- contracts -----------------------------------------------------------------------------------------------------

def _active_contract() -> Contract:
    today = local_today()
    return _first(select(Contract).where(Contract.status == "active", Contract.starts_on <= today,
                                         Contract.ends_on >= today).order_by(Contract.id))


def confirm_contract(w: World) -> Case:
    from projects.contracts import terms_digest

    contract = _first(select(Contract).where(Contract.status == "draft"))
    wrong = _org_wrong(w, contract.org)
    del wrong["officer"]  # (an officer signs for the street office: the other side of the contract)
    return Case("POST", f"{API}/contracts/{contract.id}/confirm", {"terms_digest": terms_digest(contract)},
                w.manager_of(contract.org), wrong)


def record_expense(w: World) -> Case:
    contract = _active_contract()
    line = _first(select(ContractLine).where(ContractLine.contract_id == contract.id).order_by(ContractLine.id))
    body = {"line_id": line.id, "spent_on": local_today().isoformat(), "payee": "社区超市", "amount_fen": 100}
    return Case("POST", f"{API}/contracts/{contract.id}/expenses", body, w.manager_of(contract.org),
                _org_wrong(w, contract.org))


def _expense() -> Expense:
    today = local_today()
    return _first(select(Expense).join(Contract).where(Contract.status == "active", Contract.starts_on <= today,
                                                       Contract.ends_on >= today, Expense.withdrawn_at.is_(None))
                  .order_by(Expense.id))


def withdraw_expense(w: World) -> Case:
    expense = _expense()
    contract = db.session.get(Contract, expense.contract_id)
    return Case("POST", f"{API}/contracts/{contract.id}/expenses/{expense.id}/withdraw", {"reason": "重复记录"},
                w.manager_of(contract.org), _org_wrong(w, contract.org))


def correct_expense(w: World) -> Case:
    expense = _expense()
    contract = db.session.get(Contract, expense.contract_id)
    body = {"line_id": expense.line_id, "spent_on": local_today().isoformat(), "payee": "社区超市", "amount_fen": 100}
    return Case("POST", f"{API}/contracts/{contract.id}/expenses/{expense.id}/correct", body,
                w.manager_of(contract.org), _org_wrong(w, contract.org))


def contract_change(w: World) -> Case:
    contract = _active_contract()
    lines = list(db.session.scalars(select(ContractLine).where(ContractLine.contract_id == contract.id)
                                    .order_by(ContractLine.id)))
    body = {"kind": "budget", "reason": "场地费用上涨", "from_line_id": lines[0].id, "to_line_id": lines[1].id,
            "amount_fen": 100}
    return Case("POST", f"{API}/contracts/{contract.id}/changes", body, w.manager_of(contract.org),
                _org_wrong(w, contract.org))


def milestone_report(w: World) -> Case:
    reported = select(MilestoneReport.milestone_id).where(MilestoneReport.status.in_(("submitted", "accepted")))
    milestone = _first(select(Milestone).join(Contract).where(Contract.status == "active",
                                                              Milestone.id.not_in(reported)).order_by(Milestone.id))
    org = db.session.get(Contract, milestone.contract_id).org
    body = {"narrative": "本阶段开展了三次助餐活动。", "outputs": {}, "activities": [], "fees": []}
    return Case("POST", f"{API}/milestones/{milestone.id}/reports", body, w.manager_of(org), _org_wrong(w, org))


def _fee_case(w: World, answer: str) -> Case:
    fee = _first(select(FeePayment).where(FeePayment.status == "unconfirmed", FeePayment.recipient_user_id.is_not(None))
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
    assignment = _first(select(EvaluationAssignment).join(ProjectEvaluation).where(
        ProjectEvaluation.status == "in_progress", EvaluationAssignment.withdrawn_at.is_(None),
        EvaluationAssignment.declared_at.is_not(None)).order_by(EvaluationAssignment.id))
    evaluation_ = assignment.evaluation
    others = [a.user for a in evaluation_.assignments if a.user_id != assignment.user_id]
    wrong = {**w.staff(), "the project's manager": w.manager_of(evaluation_.contract.org)}
    if others:
        wrong["another evaluator of the project"] = others[0]
    return Case("PUT", f"{API}/evaluation/project-evaluations/{evaluation_.id}/sheet", {"scores": {}},
                assignment.user, wrong)


# --- residents' needs ----------------------------------------------------------------------------------------------

def raise_need(w: World) -> Case:
    staff = w.staff()
    resident = staff.pop("resident")
    wrong = {**staff, "community staff": make_user(Role.COMMUNITY_STAFF)}
    return Case("POST", f"{API}/needs", {"category": "meals", "description": "希望社区食堂送餐上门。"}, resident,
                wrong)


def _need_case(w: World, action: str) -> Case:
    resident = w.named("resident1")
    profile = db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == resident.id))
    need = needs.raise_need(profile, "meals", "希望社区食堂送餐上门。", False, actor=resident)
    elsewhere = _first(select(Community).where(Community.id != profile.community_id).order_by(Community.id))
    staff = w.staff()
    staff["resident who raised it"] = staff.pop("resident")
    wrong = {**staff, "staff of another community": make_user(Role.COMMUNITY_STAFF, communities=[elsewhere.id]),
             "another resident": w.named("resident2")}
    del wrong["officer"], wrong["admin"]  # (officers answer every need; administrators act as any community's staff)
    right = make_user(Role.COMMUNITY_STAFF, communities=[profile.community_id])
    return Case("POST", f"{API}/needs/{need.id}/{action}", {"reply": "已安排送餐。"}, right, wrong)


def acknowledge_need(w: World) -> Case:
    return _need_case(w, "acknowledge")


def close_need(w: World) -> Case:
    return _need_case(w, "close")


# --- organisations -------------------------------------------------------------------------------------------------

def create_org(w: World) -> Case:
    """Anyone signed in may apply to register an organisation (orgs.permissions.can_apply): only anonymous is wrong."""
    category = _first(select(ServiceCategory).order_by(ServiceCategory.id))
    community = _first(select(Community).order_by(Community.id))
    body = {"name": "外部写入测试服务中心", "kind": "agency", "uscc": make_uscc("2", 9_731),
            "legal_representative": "王五", "registration_authority": "东城区民政局", "registered_on": "2021-01-01",
            "address": "东城区1号", "contact_name": "王五", "contact_phone": "13800005555",
            "category_ids": [category.id], "community_ids": [community.id]}
    return Case("POST", f"{API}/orgs", body, w.nobody(), {})


def _approved_org() -> Organisation:
    return _first(select(Organisation).where(Organisation.status == "approved").order_by(Organisation.id))


def request_org_change(w: World) -> Case:
    org = _approved_org()
    body = {"name": "更名后的社会工作服务中心", "reason": "理事会决议更名"}
    return Case("POST", f"{API}/orgs/{org.id}/changes", body, w.manager_of(org), _org_wrong(w, org))


def _change_case(w: World, action: str) -> Case:
    org = _approved_org()
    manager = w.manager_of(org)
    items = changes.RegisteredItems(name="更名后的社会工作服务中心", uscc=org.uscc or "",
                                    legal_representative=org.legal_representative, address=org.address)
    change = changes.request_change(org, items, "理事会决议更名", actor=manager)
    wrong = _org_wrong(w, org)
    if action == "withdraw":
        right = manager
    else:
        right = wrong.pop("officer")
        wrong["the organisation's manager"] = manager
    return Case("POST", f"{API}/orgs/changes/{change.id}/{action}",
                {"reason": "材料不全"} if action == "reject" else None, right, wrong)


def approve_change(w: World) -> Case:
    return _change_case(w, "approve")


def reject_change(w: World) -> Case:
    return _change_case(w, "reject")


def withdraw_change(w: World) -> Case:
    return _change_case(w, "withdraw")


# --- vouchers ------------------------------------------------------------------------------------------------------

def _latest_redemption() -> Redemption:
    return _first(select(Redemption).where(Redemption.status == "completed").order_by(Redemption.id.desc()))


def _resident_wrong(w: World, found: Redemption) -> dict[str, User]:
    staff = w.staff()
    owner = found.resident.user_id
    other = _first(select(User).join(ResidentProfile, ResidentProfile.user_id == User.id).where(User.id != owner))
    staff["resident"] = other
    return {**staff, "the provider's manager": w.manager_of(found.provider)}


def _fresh_redemption(w: World) -> Redemption:
    """A redemption made now (the demo's are days old: past the window for disputes), of the latest one's resident,
    service and provider."""
    found = _latest_redemption()
    code, _row = redemption.issue_code(found.resident, actor=found.resident.user)
    provider = w.manager_of(found.provider)
    return redemption.redeem(code, found.service, 100, "foreign-writes-0", actor=provider).redemption


def create_code(w: World) -> Case:
    found = _latest_redemption()
    return Case("POST", f"{API}/vouchers/codes", {}, found.resident.user,
                {k: v for k, v in _resident_wrong(w, found).items() if k != "resident"})


def create_redemption(w: World) -> Case:
    found = _latest_redemption()
    code, _row = redemption.issue_code(found.resident, actor=found.resident.user)
    body = {"code": code, "service_id": found.service_id, "amount_fen": 100, "idempotency_key": "foreign-writes-1"}
    wrong = {**w.staff(), "the resident": found.resident.user, "other org's manager": w.other_manager(found.provider)}
    return Case("POST", f"{API}/vouchers/redemptions", body, w.manager_of(found.provider), wrong)


def dispute(w: World) -> Case:
    found = _fresh_redemption(w)
    return Case("POST", f"{API}/vouchers/redemptions/{found.id}/dispute", {"reason": "服务时间不足"},
                found.resident.user, _resident_wrong(w, found))


def rate(w: World) -> Case:
    found = _fresh_redemption(w)
    return Case("POST", f"{API}/vouchers/redemptions/{found.id}/rating", {"stars": 4, "comment": "不错"},
                found.resident.user, _resident_wrong(w, found))


def change_rating(w: World) -> Case:
    found = _fresh_redemption(w)
    catalogue.rate(found, 3, "一般", actor=found.resident.user)
    return Case("PUT", f"{API}/vouchers/redemptions/{found.id}/rating", {"stars": 5, "comment": "很好"},
                found.resident.user, _resident_wrong(w, found))


# Every write route of /api/v1 (its rule and method, as app.url_map has them) -> its cases (one per action of a rule
# with <any(...)>). A route missing here fails test_every_write_route_has_a_case: add its world and body.
CASES = {
    ("POST", "/api/v1/calls/<int:call_id>/proposals"): [start_proposal],
    ("PUT", "/api/v1/proposals/<int:proposal_id>"): [save_proposal],
    ("POST", "/api/v1/proposals/<int:proposal_id>/<any(submit, withdraw):action>"): [submit_proposal,
                                                                                     withdraw_proposal],
    ("POST", "/api/v1/contracts/<int:contract_id>/confirm"): [confirm_contract],
    ("POST", "/api/v1/contracts/<int:contract_id>/expenses"): [record_expense],
    ("POST", "/api/v1/contracts/<int:contract_id>/expenses/<int:expense_id>/withdraw"): [withdraw_expense],
    ("POST", "/api/v1/contracts/<int:contract_id>/expenses/<int:expense_id>/correct"): [correct_expense],
    ("POST", "/api/v1/contracts/<int:contract_id>/changes"): [contract_change],
    ("POST", "/api/v1/milestones/<int:milestone_id>/reports"): [milestone_report],
    ("POST", "/api/v1/fee-receipts/<int:fee_id>/<any(confirm, deny):answer>"): [confirm_fee, deny_fee],
    ("POST", "/api/v1/evaluation/members/<int:member_id>/declarations"): [declare],
    ("PUT", "/api/v1/evaluation/members/<int:member_id>/sheets/<int:proposal_id>"): [panel_sheet],
    ("PUT", "/api/v1/evaluation/project-evaluations/<int:evaluation_id>/sheet"): [project_sheet],
    ("POST", "/api/v1/needs"): [raise_need],
    ("POST", "/api/v1/needs/<int:need_id>/<any(acknowledge, close):action>"): [acknowledge_need, close_need],
    ("POST", "/api/v1/orgs"): [create_org],
    ("POST", "/api/v1/orgs/<int:org_id>/changes"): [request_org_change],
    ("POST", "/api/v1/orgs/changes/<int:change_id>/<any(approve, reject, withdraw):action>"): [
        approve_change, reject_change, withdraw_change],
    ("POST", "/api/v1/vouchers/codes"): [create_code],
    ("POST", "/api/v1/vouchers/redemptions"): [create_redemption],
    ("POST", "/api/v1/vouchers/redemptions/<int:redemption_id>/dispute"): [dispute],
    ("POST", "/api/v1/vouchers/redemptions/<int:redemption_id>/rating"): [rate],
    ("PUT", "/api/v1/vouchers/redemptions/<int:redemption_id>/rating"): [change_rating],
}
