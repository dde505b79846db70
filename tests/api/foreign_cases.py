"""The worlds of tests/api/test_foreign_writes.py: for each write route of /api/v1, a valid request for a real record
of the demo data, the user for whom it succeeds, and the users for whom it must not (here residents' needs,
organisations and vouchers; proposals, contracts and evaluation in project_cases.py; the World in world.py).

Each builder takes a World (the demo data, loaded; tokens on demand) and returns a Case. Users a builder names as
`wrong` may not do the thing; the test adds anonymous, the right user's revoked token and the right user's account
deactivated to every case."""

from datetime import timedelta

from sqlalchemy import select

from accounts import needs
from accounts.enums import Role
from accounts.models import Community
from accounts.resident_models import ResidentProfile
from core.db import db
from orgs import changes
from orgs.models import Organisation, ServiceCategory
from tests.factories import make_user
from tests.orgs.helpers import make_uscc
from vouchers import catalogue, redemption, settlement
from vouchers.enums import SettlementStatus
from vouchers.programmes import period_bounds
from vouchers.redemption_models import Redemption

from .project_cases import (
    confirm_contract,
    confirm_fee,
    contract_change,
    correct_expense,
    declare,
    deny_fee,
    milestone_report,
    panel_sheet,
    project_sheet,
    record_expense,
    save_proposal,
    start_proposal,
    submit_proposal,
    withdraw_expense,
    withdraw_proposal,
)
from .world import API, Case, User, World, first, org_wrong

# --- residents' needs ----------------------------------------------------------------------------------------------

def raise_need(w: World) -> Case:
    staff = w.staff()
    resident = staff.pop("resident")
    suspended = w.named("resident2")
    db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == suspended.id)).status = "suspended"
    wrong = {**staff, "community staff": make_user(Role.COMMUNITY_STAFF), "suspended resident": suspended}
    return Case("POST", f"{API}/needs", {"category": "meals", "description": "希望社区食堂送餐上门。"}, resident,
                wrong)


def _need_case(w: World, action: str) -> Case:
    resident = w.named("resident1")
    profile = db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == resident.id))
    need = needs.raise_need(profile, "meals", "希望社区食堂送餐上门。", False, actor=resident)
    if action == "reply":  # only a need taken on is written to without closing it
        needs.transition_need(need, "acknowledged", actor=w.named("officer"))
    elsewhere = first(select(Community).where(Community.id != profile.community_id).order_by(Community.id))
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


def reply_to_need(w: World) -> Case:
    return _need_case(w, "reply")


# --- organisations -------------------------------------------------------------------------------------------------

def create_org(w: World) -> Case:
    """Anyone signed in may apply to register an organisation (orgs.permissions.can_apply): only anonymous is wrong."""
    category = first(select(ServiceCategory).order_by(ServiceCategory.id))
    community = first(select(Community).order_by(Community.id))
    body = {"name": "外部写入测试服务中心", "kind": "agency", "uscc": make_uscc("2", 9_731),
            "legal_representative": "王五", "registration_authority": "东城区民政局", "registered_on": "2021-01-01",
            "address": "东城区1号", "contact_name": "王五", "contact_phone": "13800005555",
            "category_ids": [category.id], "community_ids": [community.id]}
    return Case("POST", f"{API}/orgs", body, w.nobody(), {})


def _approved_org() -> Organisation:
    return first(select(Organisation).where(Organisation.status == "approved").order_by(Organisation.id))


def request_org_change(w: World) -> Case:
    org = _approved_org()
    body = {"name": "更名后的社会工作服务中心", "reason": "理事会决议更名"}
    return Case("POST", f"{API}/orgs/{org.id}/changes", body, w.manager_of(org), org_wrong(w, org))


def _change_case(w: World, action: str) -> Case:
    org = _approved_org()
    manager = w.manager_of(org)
    items = changes.RegisteredItems(name="更名后的社会工作服务中心", uscc=org.uscc or "",
                                    legal_representative=org.legal_representative, address=org.address)
    change = changes.request_change(org, items, "理事会决议更名", actor=manager)
    wrong = org_wrong(w, org)
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
    return first(select(Redemption).where(Redemption.status == "completed").order_by(Redemption.id.desc()))


def _resident_wrong(w: World, found: Redemption) -> dict[str, User]:
    staff = w.staff()
    owner = found.resident.user_id
    other = first(select(User).join(ResidentProfile, ResidentProfile.user_id == User.id).where(User.id != owner))
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


def cancel_printed_code(w: World) -> Case:
    """A live printed code (a sheet's) of the latest redemption's resident: theirs to cancel, nobody else's."""
    found = _latest_redemption()
    _code, row = redemption.issue_code(found.resident, actor=found.resident.user,
                                       valid_for=redemption.PRINTED_CODE_TTL, printed=True)
    return Case("POST", f"{API}/vouchers/printed-codes/{row.id}/cancel", None, found.resident.user,
                _resident_wrong(w, found))


def _drawn_up_statement(w: World, *, approved: bool):
    """A statement of a redemption made now, drawn up as if its month had ended and its dispute window passed (the
    demo's own statement is paid); approved when asked. Returns it with the officer who settles it."""
    found = _fresh_redemption(w)
    officer = w.named("officer")
    later = max(period_bounds(found.period)[1], found.created_at + settlement.DISPUTE_WINDOW) + timedelta(minutes=1)
    statement = settlement.prepare_settlement(found.programme, found.provider, found.period, actor=officer, now=later)
    if approved:
        settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=officer)
    wrong = {k: v for k, v in w.staff().items() if k not in ("officer", "admin")}  # (administrators settle too)
    return statement, officer, {**wrong, "the provider's manager": w.manager_of(found.provider)}


def approve_statement(w: World) -> Case:
    statement, officer, wrong = _drawn_up_statement(w, approved=False)
    return Case("POST", f"{API}/vouchers/settlements/{statement.id}/approve", None, officer, wrong)


def pay_statement(w: World) -> Case:
    statement, officer, wrong = _drawn_up_statement(w, approved=True)
    return Case("POST", f"{API}/vouchers/settlements/{statement.id}/pay", {"reference": "BANK-FOREIGN-1"}, officer,
                wrong)


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
    ("POST", "/api/v1/needs/<int:need_id>/<any(acknowledge, close, reply):action>"): [acknowledge_need, close_need,
                                                                                       reply_to_need],
    ("POST", "/api/v1/orgs"): [create_org],
    ("POST", "/api/v1/orgs/<int:org_id>/changes"): [request_org_change],
    ("POST", "/api/v1/orgs/changes/<int:change_id>/<any(approve, reject, withdraw):action>"): [
        approve_change, reject_change, withdraw_change],
    ("POST", "/api/v1/vouchers/codes"): [create_code],
    ("POST", "/api/v1/vouchers/redemptions"): [create_redemption],
    ("POST", "/api/v1/vouchers/redemptions/<int:redemption_id>/dispute"): [dispute],
    ("POST", "/api/v1/vouchers/redemptions/<int:redemption_id>/rating"): [rate],
    ("PUT", "/api/v1/vouchers/redemptions/<int:redemption_id>/rating"): [change_rating],
    ("POST", "/api/v1/vouchers/printed-codes/<int:code_id>/cancel"): [cancel_printed_code],
    ("POST", "/api/v1/vouchers/settlements/<int:settlement_id>/approve"): [approve_statement],
    ("POST", "/api/v1/vouchers/settlements/<int:settlement_id>/pay"): [pay_statement],
}
