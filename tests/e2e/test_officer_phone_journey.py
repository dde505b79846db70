"""The procurement officer's main pages on a phone (375x740), in Chinese and then in English: the calls, a new
call's form refused (what to correct listed at the top), a call in review with its screening and dashboard, a call
whose results are in publicity with an objection to answer, the projects board, drawing up a contract, a contract
awaiting signatures with its budget lines, and an active one whose payment is refused for want of a reference (the
reason beside the field, the payment not made). Every page fits the phone's width, no table is cut off at its edge,
its targets are a finger's, with no serious accessibility fault (tests.e2e.test_phone_journey.fits_the_phone)."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import User
from core.db import db
from core.timeutil import local_today
from projects import contracts
from projects.award_models import AwardDecision
from projects.contract_models import Contract, Tranche
from projects.enums import CallStatus
from projects.models import Call, Proposal
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in

# A table too wide for the phone scrolls inside its box: its last columns are out of sight.
CUT_OFF_TABLES = """() => [...document.querySelectorAll('.table-responsive')]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => (e.querySelector('table') || e).id || e.className)"""


def officer_pages(app) -> dict[str, str]:
    """The demo's calls and projects; of the demo's two awards still without a contract, one is drawn up here (the
    demo's own draft is signed by another test) and the other is for the page that draws one up."""
    with app.app_context():
        def call_in(*statuses):
            return db.session.scalar(select(Call.id).where(Call.status.in_(statuses)).order_by(Call.id))

        awardable = list(db.session.scalars(
            select(AwardDecision).join(Proposal, Proposal.id == AwardDecision.proposal_id)
            .join(Call, Call.id == Proposal.call_id)
            .where(AwardDecision.awarded, Call.status == CallStatus.AWARDED,
                   AwardDecision.proposal_id.not_in(select(Contract.proposal_id))).order_by(AwardDecision.id)))
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        with app.test_request_context():
            draft = contracts.draft_contract(awardable[0], local_today(), local_today() + timedelta(days=365),
                                             [contracts.MilestonePlan("中期", local_today() + timedelta(days=90))],
                                             [60, 40], "", actor=officer)
        db.session.commit()
        payable = db.session.scalar(select(Tranche).join(Contract).where(
            Contract.status == "active", Tranche.status == "payable", Tranche.approved_by_id.is_(None),
            Tranche.amount_fen <= app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]).order_by(Tranche.id))
        review = call_in(CallStatus.UNDER_REVIEW, CallStatus.CLOSED)
        return {"calls": "/calls/", "review": f"/calls/{review}", "screening": f"/calls/{review}/screening",
                "dashboard": f"/calls/{review}/dashboard",
                "publicity": f"/calls/{call_in(CallStatus.PUBLICITY, CallStatus.AWARDED)}",
                "board": "/contracts/", "draw up": f"/contracts/new/{awardable[1].id}",
                "draft": f"/contracts/{draft.id}", "paying": f"/contracts/{payable.contract_id}",
                "tranche": str(payable.id)}


def fits(page) -> None:
    fits_the_phone(page)
    assert page.evaluate(CUT_OFF_TABLES) == [], page.url


def test_the_officers_pages_fit_a_phone_in_chinese_and_english(live_server, live_app, browser):
    paths = officer_pages(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, "officer", "gongzhi-demo")
    expect(page.locator("h1")).to_contain_text("王芳")
    for language, words in (("zh_Hans_CN", {"save": "保存", "correct": "请按提示修改标出的内容。",
                                            "reference": "请填写付款凭证号。", "pay": "登记第 1 批拨付"}),
                            ("en", {"save": "Save", "correct": "Please correct the marked fields.",
                                    "reference": "Enter the payment reference.", "pay": "Record the payment of"})):
        page.goto(f"{live_server}/lang/{language}?next=/")
        fits(page)
        for name in ("calls", "review", "screening", "dashboard", "publicity", "board", "draw up", "draft"):
            response = page.goto(live_server + paths[name])
            assert response.ok, (name, response.status)
            fits(page)

        # A new call saved with nothing in it: what to correct is listed at the top, each linked to its field.
        page.goto(live_server + "/calls/new")
        fits(page)
        page.get_by_role("button", name=words["save"], exact=True).click()
        expect(page.locator("#form-errors")).to_contain_text(words["correct"])
        expect(page.locator("#form-errors a[href='#title']")).to_have_count(1)
        fits(page)

        # A payment without its reference: asked first (with its amount), refused beside the field, not made.
        page.goto(live_server + paths["paying"])
        form = page.locator(f"form[action$='/tranches/{paths['tranche']}/pay']")
        asked = []
        page.once("dialog", lambda dialog, asked=asked: (asked.append(dialog.message), dialog.accept()))
        form.locator("button[type=submit]").click()
        expect(page.locator(f"#reference-{paths['tranche']}-error")).to_have_text(words["reference"])
        assert asked and asked[0].startswith(words["pay"])
        fits(page)
    with live_app.app_context():
        assert db.session.get(Tranche, int(paths["tranche"])).status == "payable"
    page.context.close()
