"""Accessibility (WCAG 2.1 AA) of the real pages, as each role sees them: axe-core (bundled by the
axe-playwright-python package, so no network) finds no serious or critical violation in Chinese on a 375px phone
nor in English on a desktop; the resident's pages do not scroll sideways on the phone, in either language, and
their buttons and links (and a project's satisfaction survey, which residents answer on their phones) are 44x44 CSS px
or have room around them (many residents are elderly)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from evaluation.project_models import ProjectEvaluation, Survey
from projects.contract_models import Contract
from projects.models import Call
from tests.e2e.test_org_registration import log_in
from vouchers.models import Programme
from vouchers.redemption_models import Settlement

AXE = Axe()
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
               "resultTypes": ["violations"]}
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
RESIDENT_PAGES = ["/", "/vouchers/me", "/vouchers/catalogue", "/vouchers/me/code", "/vouchers/me/redemptions",
                  "/notifications", "/account"]

# A target smaller than 44x44 passes when a 44px square centred on it touches no other target (WCAG 2.5.8's
# spacing rule, with 44 instead of 24). A labelled checkbox or radio counts with its label, which also takes taps.
SMALL_TARGETS = """() => {
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(e).visibility !== 'hidden' && !e.closest('.visually-hidden-focusable'); };
  const union = (a, b) => ({left: Math.min(a.left, b.left), top: Math.min(a.top, b.top),
                            right: Math.max(a.right, b.right), bottom: Math.max(a.bottom, b.bottom)});
  const box = e => [...(e.labels || [])].filter(visible).reduce((r, l) => union(r, l.getBoundingClientRect()),
                                                                  e.getBoundingClientRect());
  const hits = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(visible).map(e => ({e, r: box(e)}));
  return targets.filter(t => {
    const w = t.r.right - t.r.left, h = t.r.bottom - t.r.top;
    if (w >= 44 && h >= 44) return false;
    const x = (t.r.left + t.r.right) / 2, y = (t.r.top + t.r.bottom) / 2;
    const square = {left: x - 22, right: x + 22, top: y - 22, bottom: y + 22};
    return targets.some(o => o !== t && hits(square, o.r));
  }).map(t => `${t.e.outerHTML.slice(0, 90)} (${Math.round(t.r.right - t.r.left)}x`
                + `${Math.round(t.r.bottom - t.r.top)})`);
}"""


def serious_violations(page) -> list[str]:
    # Without transitions, and once any running have ended: a button just clicked (Bootstrap fades its colours over
    # .15 s) was measured half-way from red-on-white to white-on-red, a contrast failure that no one ever sees; and a
    # button that a removed row moved under the still pointer starts its hover fade only when Chromium next updates
    # hover, which waiting for the running animations misses (both flaky failures). Bootstrap drops its transitions
    # for readers who ask for reduced motion, so asking for it measures the colours anyone sees once they settle.
    page.emulate_media(reduced_motion="reduce")
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)))")
    results = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [f"{v['id']} ({v['impact']}): " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
            for v in results if v["impact"] in ("serious", "critical")]


def sideways(page) -> int:
    """How far the page scrolls sideways (0: it fits the window)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def pages_by_role(app) -> dict[str, list[str]]:
    with app.app_context():
        under_review = db.session.scalar(select(Call.id).where(Call.status == "under_review").order_by(Call.id))
        contract = db.session.scalar(select(Contract.id).where(Contract.status == "active").order_by(Contract.id))
        rectifying = db.session.scalar(select(ProjectEvaluation).where(ProjectEvaluation.status == "rectification"))
        programme = db.session.scalar(select(Programme.id).order_by(Programme.id))
        settlement = db.session.scalar(select(Settlement.id).order_by(Settlement.id))
        evaluation, project = rectifying.id, rectifying.contract_id
    return {
        "": ["/", "/login", "/calls/", "/orgs/", "/verify", "/audit/head", f"/projects/{project}"],
        "admin": ["/", "/admin/users", "/admin/users/new", "/admin/calendar", "/audit/"],
        "officer": ["/", f"/calls/{under_review}", f"/calls/{under_review}/screening",
                    f"/evaluation/calls/{under_review}/results", "/calls/new", f"/contracts/{contract}",
                    f"/evaluations/{evaluation}", "/orgs/review", f"/vouchers/programmes/{programme}",
                    f"/vouchers/settlements/{settlement}"],
        "auditor": ["/audit/", f"/evaluation/calls/{under_review}/results", f"/contracts/{contract}"],
        "expert1": ["/evaluation/assignments", "/evaluations/mine", "/evaluation/conflicts"],
        "staff1": ["/vouchers/residents", "/vouchers/residents/new"],
        "resident1": RESIDENT_PAGES,
        "org01": ["/orgs/mine", "/proposals/mine", "/contracts/", "/vouchers/provider"],
    }


@pytest.fixture(scope="module")
def role_pages(live_app):
    return pages_by_role(live_app)


@pytest.fixture(scope="module")
def open_survey(live_app) -> int:
    with live_app.app_context():
        return db.session.scalar(select(Survey.id).join(Survey.evaluation).where(
            ProjectEvaluation.status == "in_progress", ProjectEvaluation.issued_at.is_(None)).order_by(Survey.id))


def first_link(page, base: str, path: str, selector: str) -> str:
    page.goto(base + path)
    return page.locator(selector).first.get_attribute("href")


@pytest.mark.parametrize("role", ["", "admin", "officer", "auditor", "expert1", "staff1", "resident1", "org01"])
def test_no_serious_accessibility_violations(live_server, browser, role_pages, role):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    paths = list(role_pages[role])
    if role:
        log_in(page, live_server, role)
    if role == "expert1":  # a proposal's score sheet, as the expert opens it from the assignments
        paths.append(first_link(page, live_server, "/evaluation/assignments", "a[href*='/evaluation/members/']"))
    if role == "staff1":
        paths.append(first_link(page, live_server, "/vouchers/residents", "#residents a[href*='/residents/']"))
    problems = []
    for language, viewport in (("zh_Hans_CN", PHONE), ("en", DESKTOP)):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server}/lang/{language}?next=/")
        for path in paths:
            response = page.goto(live_server + path)
            assert response.ok, (path, response.status)
            problems += [f"{path} {language} {viewport['width']}px: {v}" for v in serious_violations(page)]
            if sideways(page):
                problems.append(f"{path} {language} {viewport['width']}px scrolls sideways by {sideways(page)}px")
        if not role:  # a form with its errors shown
            page.goto(live_server + "/login")
            page.locator("main form button[type=submit]").click()
            page.locator("#username.is-invalid").wait_for()
            problems += [f"/login with errors {language}: {v}" for v in serious_violations(page)]
    context.close()
    assert problems == [], "\n".join(problems)


def test_resident_pages_fit_a_phone_with_large_targets(live_server, browser, open_survey):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server, "resident1")
    problems = []
    for language in ("zh_Hans_CN", "en"):
        page.goto(f"{live_server}/lang/{language}?next=/")
        for path in RESIDENT_PAGES:
            page.goto(live_server + path)
            problems += [f"{path} {language} scrolls sideways by {sideways(page)}px"] if sideways(page) else []
            problems += [f"{path} {language}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
        page.goto(live_server + "/")
        page.locator(".navbar-toggler").click()  # the menu, opened as on a phone
        page.locator("#mainnav.show").wait_for()  # done sliding open
        # (a resident and nothing else has their vouchers, the catalogue and needs at the menu's top level)
        expect(page.locator("#mainnav a.nav-link[href='/vouchers/me']")).to_be_visible()
        problems += [f"menu {language}: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
        problems += [f"menu {language}: {v}" for v in serious_violations(page)]
    page.goto(live_server + "/vouchers/me/code")
    page.locator("#make-code").click()  # the code to show the provider
    page.locator("#one-time-code").wait_for()
    problems += [f"code: small target {t}" for t in page.evaluate(SMALL_TARGETS)]
    problems += [f"code: {v}" for v in serious_violations(page)]
    problems += [f"code scrolls sideways by {sideways(page)}px"] if sideways(page) else []
    context.close()
    survey = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()  # with the code on a card
    survey.goto(f"{live_server}/surveys/{open_survey}")
    survey.locator("#answer-form").wait_for()
    problems += [f"survey: small target {t}" for t in survey.evaluate(SMALL_TARGETS)]
    problems += [f"survey: {v}" for v in serious_violations(survey)]
    problems += [f"survey scrolls sideways by {sideways(survey)}px"] if sideways(survey) else []
    survey.context.close()
    assert problems == [], "\n".join(problems)
