"""What the public and an auditor see on a phone (375x740), in Chinese and then in English.

Someone without an account starts at the home page, goes to the organisation directory and an organisation's page, to
a call whose results are in publicity, to a project's page and back to its call, to the audit chain's head, and
verifies a document: a resident's printed vouchers, typed from the paper (her name masked, as in the title, never in
full), then by pasting its SHA-256 as sha256sum prints it; a mistyped code is said beside the field. She switches the
language from the menu. An auditor reads the audit log (one card per event), filters it, pages back and returns to
the newest events, follows an issued document's code from the log to its page and downloads its PDF, and issues a
head certificate. Every page fits the phone's width, no table is cut off at its edge, its targets are a finger's
(tests.e2e.test_phone_journey), with no serious accessibility fault (checked in Chinese; English reuses the markup)."""

import hashlib
import re

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import User
from accounts.resident_models import ResidentProfile
from audit.documents import document_content
from core.db import db
from core.personal import mask_name
from evaluation.project_models import ProjectEvaluation
from projects.enums import CallStatus
from projects.models import Call
from tests.e2e.test_accessibility import SMALL_TARGETS
from tests.e2e.test_officer_phone_journey import CUT_OFF_TABLES
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in
from vouchers import documents, redemption
from vouchers.models import Programme

MOBILE_OR_ID = re.compile(r"(?<![0-9A-Fa-f])(1[3-9]\d{9}|\d{17}[\dX])(?![0-9A-Fa-f])")  # not inside a hash


def scene(app) -> dict:
    """The demo's resident1 prints her vouchers herself (so she is the document's issuer); a call in publicity; a
    project with a published evaluation."""
    with app.app_context(), app.test_request_context():
        user = db.session.scalar(select(User).where(User.username == "resident1"))
        profile = db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == user.id))
        programme = db.session.get(Programme, redemption.balance(profile)[0].programme_id)
        document, _code = documents.issue_printed_vouchers(profile, actor=user, programme=programme)
        db.session.commit()
        publicity = db.session.scalar(select(Call.id).where(Call.status == CallStatus.PUBLICITY).order_by(Call.id))
        project = db.session.scalar(select(ProjectEvaluation.contract_id)
                                    .where(ProjectEvaluation.report_code.is_not(None)).order_by(ProjectEvaluation.id))
        return {"name": user.display_name, "real_name": profile.real_name, "code": document.display_code,
                "sha256": hashlib.sha256(document_content(document)).hexdigest(), "publicity": publicity,
                "project": project}


def fits(page, *, axe: bool) -> None:
    """As tests.e2e.test_phone_journey.fits_the_phone (axe-core's run only where asked: it takes a second a page)."""
    if axe:
        fits_the_phone(page)
    else:
        page.wait_for_load_state()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_SIZE["width"], page.url
        assert page.evaluate(SMALL_TARGETS) == [], page.url
    assert page.evaluate(CUT_OFF_TABLES) == [], page.url


def no_personal_data(page) -> None:
    text = page.locator("main").inner_text()
    assert MOBILE_OR_ID.findall(text) == [], page.url


def test_the_public_and_an_auditor_on_a_phone_in_chinese_and_english(live_server, live_app, browser):
    seen = scene(live_app)
    public = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    public.goto(live_server + "/")
    for language, words in (("zh", {"look": "查询", "check": "核验", "match": "一致", "newest": "最新事件"}),
                            ("en", {"look": "Look up", "check": "Check", "match": "Match", "newest": "Newest events"})):
        axe = language == "zh"
        fits(public, axe=axe)
        links = public.locator("main .card a")  # each card's one link: a finger's target, not a 20 px line of text
        assert links.count() == 4 and all(links.nth(i).bounding_box()["height"] >= 44 for i in range(4))

        # The home page leads to the organisations and to an organisation's page.
        public.locator("#go-directory").click()
        expect(public.locator("#directory a").first).to_be_visible()
        fits(public, axe=axe)
        public.locator("#directory a").first.click()
        expect(public).to_have_url(re.compile(r"/orgs/\d+$"))  # (the directory's own h1 is not empty either)
        expect(public.locator("h1")).not_to_be_empty()
        fits(public, axe=axe)
        no_personal_data(public)

        # A call whose results are in publicity; a project's page, and back to its call.
        public.goto(live_server + "/")
        public.locator("#go-calls").click()
        expect(public).to_have_url(live_server + "/calls/")  # measured once there, not on the page it left
        fits(public, axe=axe)
        public.goto(f"{live_server}/calls/{seen['publicity']}")
        fits(public, axe=axe)
        no_personal_data(public)
        public.goto(f"{live_server}/projects/{seen['project']}")
        fits(public, axe=axe)
        public.locator("#project-call").click()
        expect(public).to_have_url(re.compile(r"/calls/\d+$"))

        # The chain's head: the hash wraps, the time it was read is given.
        public.goto(live_server + "/audit/head")
        expect(public.locator("#head-read-at")).not_to_be_empty()
        fits(public, axe=axe)

        # The resident's printed vouchers, verified from the paper: her name masked, never in full.
        public.goto(live_server + "/verify")
        fits(public, axe=axe)
        public.locator("#code").fill(seen["code"].lower().replace("-", " "))
        public.get_by_role("button", name=words["look"], exact=True).click()
        expect(public.locator("#issued-confirmation")).to_be_visible()
        expect(public.locator("#doc-issuer")).to_have_text(mask_name(seen["name"]))
        assert seen["name"] not in public.content() and seen["real_name"] not in public.content()
        fits(public, axe=axe)
        public.locator("#sha256").fill(f"{seen['sha256'].upper()}  printed.pdf")
        public.get_by_role("button", name=words["check"], exact=True).click()
        expect(public.locator("#check-result")).to_contain_text(words["match"])
        fits(public, axe=axe)
        public.locator("#another-code").click()
        expect(public).to_have_url(live_server + "/verify")  # the code typed on the form's page, not the one left
        public.locator("#code").fill(seen["code"][:-1] + ("A" if seen["code"][-1] != "A" else "B"))
        public.get_by_role("button", name=words["look"], exact=True).click()
        expect(public.locator("#code-error")).to_be_visible()
        expect(public.locator("#code")).to_have_attribute("aria-invalid", "true")
        fits(public, axe=axe)

        if language == "zh":  # the language, from the menu behind its button
            public.goto(live_server + "/")
            public.locator(".navbar-toggler").click()
            public.locator("#langmenu").click()
            public.locator("a[data-lang=en]").click()
            expect(public.locator("#go-calls")).to_have_text("See the calls")
    public.context.close()

    auditor = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(auditor, live_server, "auditor", "gongzhi-demo")
    for language, words in (("zh_Hans_CN", {"newest": "最新事件", "issue": "签发"}),
                            ("en", {"newest": "Newest events", "issue": "certificate"})):
        axe = language == "zh_Hans_CN"
        auditor.goto(f"{live_server}/lang/{language}?next=/audit/")
        expect(auditor.locator("#audit-events tbody tr").first).to_be_visible()
        fits(auditor, axe=axe)
        auditor.locator("#older-events").click()
        expect(auditor.locator("#newest-events")).to_be_visible()  # an older page (the newest has no such link)
        fits(auditor, axe=axe)
        auditor.locator("#newest-events").click()
        expect(auditor.locator("#newest-events")).to_have_count(0)  # back on the newest
        expect(auditor.locator("#older-events")).to_be_visible()
        auditor.locator("#action").select_option("document.issued")
        auditor.locator("form[method=get] button[type=submit]").click()
        expect(auditor).to_have_url(re.compile(r"[?&]action=document\.issued"))
        fits(auditor, axe=axe)
        auditor.locator("#audit-events a[href^='/verify/']").first.click()
        expect(auditor).to_have_url(re.compile(r"/verify/[A-Z0-9]+$"))
        download = auditor.locator("a[href^='/documents/']")
        pdf = auditor.request.get(live_server + download.get_attribute("href"))
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        fits(auditor, axe=axe)
        auditor.goto(live_server + "/audit/head")
        auditor.get_by_role("button", name=re.compile(words["issue"])).click()
        expect(auditor.locator("#issued-confirmation")).to_be_visible()
        fits(auditor, axe=axe)
    auditor.context.close()
