"""A registered organisation's manager on a phone (375x740) keeps its record current: ticks another service category
on the 44 px rows and saves (no officer deciding), uploads a newer charter, its kind ticked on the same rows (the
old one stays, superseded). The
organisation's page has no target too small or crowded (its annual reports' years were 18 px tall links), and the
application's three staff fields are stacked on the phone, in line, not squeezed side by side."""

import itertools
from pathlib import Path

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from orgs import standing
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import PDF_BYTES, Upload, approved_org, category, make_uscc

_serial = itertools.count(7_730_001)  # own credit codes on the shared live app (7_700_901: the draw-up test's)


def seed(app) -> dict:
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager = make_user(Role.OFFICER), make_user()
        org = approved_org(manager, officer, name=f"乐和社区服务中心{n}", uscc=make_uscc("2", n),
                           category_ids=[category("elderly").id])
        report = standing.submit_annual_report(org, 2024, Upload(filename="年报.pdf"), actor=manager)
        standing.review_annual_report(report, True, "", actor=officer)
        db.session.commit()
        return {"org": org.id, "manager": manager.username, "education": category("education").id}


def test_a_manager_updates_services_and_a_document_on_a_phone(live_server, live_app, browser, tmp_path):
    scene = seed(live_app)
    charter = Path(tmp_path) / "章程（修订）.pdf"
    charter.write_bytes(PDF_BYTES + b"%v2\n")
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/orgs/{scene['org']}")
    year = page.locator("#reports a", has_text="2024")
    assert year.bounding_box()["height"] >= 44
    assert page.evaluate(SMALL_TARGETS) == []

    page.locator("#edit-services").click()
    expect(page.locator("h1")).to_have_text("更新服务类别和社区")
    row = page.locator(f"input[name=categories][value='{scene['education']}']").locator("xpath=..")
    assert row.bounding_box()["height"] >= 44
    assert page.evaluate(SMALL_TARGETS) == []
    assert serious_violations(page) == []
    row.locator("label").click()
    page.locator("#services-form button[type=submit]").click()
    expect(page.get_by_role("alert").first).to_contain_text("服务类别和服务社区已保存。")
    expect(page.locator("main dl")).to_contain_text("社区教育")

    page.locator("#upload-document label[for=kind-charter]").click()
    page.locator("#upload-document #file").set_input_files(str(charter))
    page.locator("#upload-document button[type=submit]").click()
    expect(page.get_by_role("alert").first).to_contain_text("已上传")
    expect(page.locator("#documents")).to_contain_text("章程（修订）.pdf")
    expect(page.locator("#documents .badge", has_text="已被替换")).to_have_count(1)
    page.wait_for_load_state()  # (its stylesheet applied: measured before, a flaky failure)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_SIZE["width"]
    assert page.evaluate(SMALL_TARGETS) == []
    assert serious_violations(page) == []
    page.context.close()


def test_the_staff_fields_are_stacked_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="en-GB", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/lang/en?next=/orgs/apply")
    expect(page.locator("label[for=certified_social_workers]")).to_have_text("Certified social workers")
    boxes = [page.locator(f"#{name}").bounding_box()
             for name in ("full_time_staff", "certified_social_workers", "volunteers")]
    assert len({round(b["x"]) for b in boxes}) == 1  # one above the other, in line
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert min(b["width"] for b in boxes) > PHONE_SIZE["width"] / 2  # each the width of the form, not a third
    page.context.close()
