"""A small social organisation's journey on a phone (375x740), in Chinese and then in English, as its one member of
staff walks it: she signs up and applies to register (a contact phone typed with spaces and full-width digits is
taken, a wrong one refused beside the field), manages members; as the manager of a registered organisation she browses
the calls, writes a draft with a budget typed the Chinese way, sees her awarded proposal's result, confirms the
contract, reports progress with a fee recipient's phone typed with spaces (a wrong one refused beside its row), and
lists a voucher service. Every page fits the phone's width, no table is cut off at its edge, and its targets are a
finger's (tests.e2e.test_phone_journey); the forms she corrects have no serious accessibility fault."""

import itertools
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from core.db import db, utcnow
from core.timeutil import local_today
from orgs.models import Organisation
from projects import awards, calls, contracts, proposals
from projects.award_models import AwardDecision
from projects.contract_models import Contract
from projects.contract_report_models import FeePayment
from projects.enums import CallStatus, ProposalStatus
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_officer_phone_journey import CUT_OFF_TABLES
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import make_uscc
from tests.projects.helpers import good_org, published_call, ready_proposal

_serial = itertools.count(7_700_401)
# A field squeezed too narrow to show what is typed in it (a table of inputs on a phone: the category "人" of 人员费,
# the item "社" of 社工补贴).
NARROW_FIELDS = """() => [...document.querySelectorAll(
    'main input:not([type=checkbox]):not([type=radio]):not([type=hidden]), main select, main textarea')]
  .map(e => ({e, w: e.getBoundingClientRect().width})).filter(f => f.w > 0 && f.w < 72)
  .map(f => `${f.e.id || f.e.name} (${Math.round(f.w)})`)"""


def seed(app) -> dict:
    """A registered organisation in good standing whose proposal was awarded (its contract drawn up, to confirm), and
    a call still open."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager = make_user(Role.OFFICER), make_user()
        org = good_org(manager, officer, name=f"心远社工服务中心{n}", uscc=make_uscc("2", n))
        awarded = published_call(officer, title=f"幸福街道助老服务项目{n}")
        proposal = ready_proposal(awarded, org, manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
        after = awarded.submission_deadline + timedelta(minutes=1)
        calls.close_if_due(awarded, now=after)
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer, now=after)
        calls.transition_call(awarded, CallStatus.UNDER_REVIEW, actor=officer, now=after)
        publicity = awards.decide(awarded, [awards.Ranked(proposal.id, 1, "86.50")], {proposal.id: 12_000_000},
                                  "一个名额", 5, actor=officer)
        awards.finish_if_due(awarded, now=datetime.combine(publicity.ends_on + timedelta(days=1), datetime.min.time(),
                                                           tzinfo=UTC))
        decision = db.session.scalar(select(AwardDecision).where(AwardDecision.proposal_id == proposal.id))
        decision.decided_at = utcnow() - timedelta(days=30)
        contract = contracts.draft_contract(
            decision, local_today() - timedelta(days=1), local_today() + timedelta(days=365),
            [contracts.MilestonePlan("中期", local_today() + timedelta(days=90), "中期报告"),
             contracts.MilestonePlan("末期", local_today() + timedelta(days=300), "总结报告")], [40, 30, 30], "",
            actor=officer)
        open_call = published_call(officer, title=f"幸福街道居家养老上门服务项目{n}")
        db.session.commit()
        return {"n": n, "officer": officer.id, "manager": manager.username, "org": org.id, "proposal": proposal.id,
                "contract": contract.id, "milestones": [m.id for m in contract.milestones], "call": open_call.id}


def fits(page) -> None:
    """The page fits the phone: no sideways scrolling, no table cut off at its edge, no field squeezed too narrow to
    read, no target too small or crowded."""
    page.wait_for_load_state()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_SIZE["width"], page.url
    assert page.evaluate(CUT_OFF_TABLES) == [], page.url
    assert page.evaluate(NARROW_FIELDS) == [], page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url


def sign_up_and_apply(page, base, n) -> None:
    page.goto(base + "/signup")
    fits(page)
    page.locator("#purpose-organisation").check()
    page.locator("#display_name").fill("林心远")
    page.locator("#username").fill(f"xinyuan{n}")
    page.locator("#password").fill("xinyuan-pass-1")
    page.locator("#confirm").fill("xinyuan-pass-1")
    page.locator("main button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("我的组织")  # the next step: apply to register
    page.goto(base + "/orgs/apply")
    fits(page)
    page.locator("#name").fill(f"心远青少年成长服务中心{n}")
    page.locator("#kind").select_option("community")
    page.locator("#legal_representative").fill("林心远")
    page.locator("#registration_authority").fill("东城区民政局")
    page.locator("#registered_on").fill("2021-03-15")
    page.locator("#address").fill("东城区光明路8号")
    page.locator("#categories-1").check()
    page.locator("#communities-0").check()
    page.locator("#contact_name").fill("林心远")
    page.locator("#contact_phone").fill("138 0013 800")  # a digit short
    page.locator("main button[type=submit]").click()
    expect(page.locator("#contact_phone-error")).to_have_text("请填写 11 位手机号，或带区号的固定电话。")
    expect(page.locator("#contact_phone")).to_have_value("138 0013 800")
    assert serious_violations(page) == [], page.url
    fits(page)
    page.locator("#contact_phone").fill("１３８ ００１３ ８０００")  # as a Chinese keyboard types it
    page.locator("main button[type=submit]").click()
    expect(page.locator("#org-status")).to_have_text("草稿")
    expect(page.locator("main")).to_contain_text("13800138000")
    fits(page)
    page.locator("main a[href$='/members']").first.click()
    expect(page.locator("#members .last-manager")).to_have_count(1)  # told why, not offered buttons that fail
    fits(page)


def write_a_draft(page, base, scene) -> None:
    page.goto(base + "/calls/")
    fits(page)
    page.goto(f"{base}/calls/{scene['call']}")
    fits(page)
    page.locator("#start-proposal").click()
    expect(page.locator("#proposal-form")).to_be_visible()
    fits(page)
    page.locator("#title").fill("银龄上门关爱")
    page.locator("#budget_lines-0-category").select_option("personnel")
    page.locator("#budget_lines-0-item").fill("社工补贴")
    page.locator("#budget_lines-0-quantity").fill("12")
    page.locator("#budget_lines-0-unit_price_fen").fill("￥３，０００")  # full-width, with the yuan sign
    expect(page.locator("#budget-sum")).to_contain_text("36,000.00")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#requested-total")).to_contain_text("36,000.00")
    fits(page)


def confirm_and_report(page, base, live_app, scene) -> None:
    page.goto(f"{base}/proposals/{scene['proposal']}")
    expect(page.locator("#outcome")).to_have_text("已确定承接方 ¥120,000.00")
    fits(page)
    page.locator("#open-contract").click()
    expect(page).to_have_url(f"{base}/contracts/{scene['contract']}")  # measured there, not on the page it left
    fits(page)
    page.goto(f"{base}/contracts/{scene['contract']}/confirm")
    fits(page)
    page.locator("#confirm-form input[type=checkbox]").check()
    page.locator("#confirm-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("已确认")
    with live_app.app_context(), live_app.test_request_context():  # the street office signs too
        contract = db.session.get(Contract, scene["contract"])
        officer = db.session.get(type(contract.org.memberships[0].user), scene["officer"])
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        db.session.commit()
    page.goto(f"{base}/contracts/milestones/{scene['milestones'][0]}/report")
    fits(page)
    page.locator("#narrative").fill("本期上门探访 200 人次，开展健康讲座 2 场。")
    page.locator("#activity-0-place").fill("和平社区活动室")
    page.locator("#activity-0-participants").fill("３０")
    page.locator("#fee-0-kind").select_option("volunteer_allowance")
    page.locator("#fee-0-name").fill("王强")
    page.locator("#fee-0-phone").fill("139 0013 900")  # a digit short
    page.locator("#fee-0-amount").fill("２００")
    page.locator("#submit-report").click()
    expect(page.locator("#fee-0-error")).to_have_text("费用第 1 行：大陆手机号为 11 位数字，以 1 开头。")
    expect(page.locator("#fee-0-phone")).to_have_value("139 0013 900")
    assert serious_violations(page) == [], page.url
    fits(page)
    page.locator("#fee-0-phone").fill("139 0013 9000")
    page.locator("#submit-report").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    fits(page)
    with live_app.app_context():
        assert db.session.scalar(select(FeePayment.recipient_phone).where(
            FeePayment.contract_id == scene["contract"])) == "13900139000"


def list_a_service(page, base, scene) -> None:
    page.goto(f"{base}/vouchers/provider/{scene['org']}")
    fits(page)
    page.goto(f"{base}/vouchers/provider/{scene['org']}/services/new")
    fits(page)


def test_a_small_organisation_on_a_phone_in_chinese_and_english(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    sign_up_and_apply(page, live_server, scene["n"])
    with live_app.app_context():
        applied = db.session.scalar(select(Organisation).where(
            Organisation.name == f"心远青少年成长服务中心{scene['n']}"))
        assert applied.contact_phone == "13800138000"
    page.context.clear_cookies()

    log_in(page, live_server, scene["manager"], PASSWORD)
    write_a_draft(page, live_server, scene)
    confirm_and_report(page, live_server, live_app, scene)
    list_a_service(page, live_server, scene)

    # The same pages in English (the language chosen stays chosen).
    page.goto(f"{live_server}/lang/en?next=/orgs/mine")
    fits(page)
    for path in (f"/orgs/{scene['org']}", f"/orgs/{scene['org']}/members", "/calls/", f"/calls/{scene['call']}",
                 "/proposals/mine", f"/proposals/{scene['proposal']}", "/contracts/", f"/contracts/{scene['contract']}",
                 f"/contracts/milestones/{scene['milestones'][1]}/report", f"/vouchers/provider/{scene['org']}",
                 f"/vouchers/provider/{scene['org']}/services/new", "/notifications"):
        response = page.goto(live_server + path)
        assert response.ok, (path, response.status)
        fits(page)
    page.goto(f"{live_server}/proposals/{scene['proposal']}")
    expect(page.locator("#outcome")).to_have_text("Awarded ¥120,000.00")
    page.context.close()
