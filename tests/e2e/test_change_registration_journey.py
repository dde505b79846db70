"""Change registration (变更登记) in a browser, in Chinese: a registered organisation's manager, on a phone, asks to
change its name with a reason and the members' meeting's decision attached; an officer approves it from the review
desk, and the organisation's page carries the new name. Then a change of address: rejected without a reason it is
refused and still waits; rejected with one, the manager reads the officer's reason on the organisation's page. Every
page the manager sees fits the phone."""

import hashlib
import itertools

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from orgs.models import ChangeRequest, Organisation
from tests.e2e.test_org_phone_journey import fits
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import PDF_BYTES, approved_org, make_uscc

_serial = itertools.count(7_700_801)
DESK = {"width": 1280, "height": 800}


def seed(app) -> dict:
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager = make_user(Role.OFFICER), make_user()
        org = approved_org(manager, officer, name=f"晨光社工服务中心{n}", uscc=make_uscc("2", n))
        db.session.commit()
        return {"n": n, "officer": officer.username, "manager": manager.username, "org": org.id,
                "name": org.name, "address": org.address}


def open_request(app, org_id: int) -> ChangeRequest:
    with app.app_context():
        change = db.session.scalars(select(ChangeRequest).where(ChangeRequest.org_id == org_id)
                                    .order_by(ChangeRequest.id.desc())).first()
        db.session.expunge(change)
        return change


def ask_for_a_change(page, base, org_id: int, fill: dict, reason: str, document: bool) -> None:
    page.goto(f"{base}/orgs/{org_id}")
    fits(page)
    page.locator("#request-change").click()
    expect(page.locator("#change-form")).to_be_visible()
    fits(page)
    for field, value in fill.items():
        page.locator(f"#{field}").fill(value)
    page.locator("#reason").fill(reason)
    if document:
        page.locator("#document").set_input_files(
            {"name": "会员大会决议.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    page.locator("#change-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("变更申请已提交")
    expect(page.locator("#request-change")).to_have_count(0)  # one request at a time
    fits(page)


def test_a_name_change_approved_and_an_address_change_rejected(live_server, live_app, browser):
    scene = seed(live_app)
    new_name = f"晨光社会工作服务中心{scene['n']}"
    manager = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    officer = browser.new_context(locale="zh-CN", viewport=DESK).new_page()
    log_in(manager, live_server, scene["manager"], PASSWORD)
    log_in(officer, live_server, scene["officer"], PASSWORD)

    # The name, with the members' meeting's decision.
    ask_for_a_change(manager, live_server, scene["org"], {"name": new_name}, "会员大会决议更名", document=True)
    change = open_request(live_app, scene["org"])
    item = manager.locator(f"#change-{change.id}")
    expect(item).to_contain_text("待审核")
    expect(item).to_contain_text(new_name)
    expect(item.locator("a", has_text="证明材料")).to_have_count(1)
    expect(manager.locator("#org-name")).to_have_text(scene["name"])  # not before it is approved
    with live_app.app_context():
        stored = db.session.get(ChangeRequest, change.id).document
        assert stored.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()

    # The officer finds it on the review desk and approves it.
    officer.goto(f"{live_server}/orgs/review")
    officer.locator("#change-queue a", has_text=scene["name"]).click()
    asked = []

    def accept(dialog):  # approving rewrites the registered name: the button asks first
        asked.append(dialog.message)
        dialog.accept()

    officer.once("dialog", accept)
    officer.locator(f"#change-{change.id} button", has_text="核准变更").click()
    expect(officer.locator(".alert-success")).to_contain_text("变更已核准")
    expect(officer.locator("#org-name")).to_have_text(new_name)
    assert asked == ["确定核准此变更吗？登记事项将立即改写，此后只能通过新的变更登记再作更改。"]

    manager.goto(f"{live_server}/orgs/{scene['org']}")
    expect(manager.locator("#org-name")).to_have_text(new_name)
    expect(manager.locator(f"#change-{change.id}")).to_contain_text("已批准")
    fits(manager)
    with live_app.app_context():
        assert db.session.get(Organisation, scene["org"]).name == new_name

    # The address: rejected, and the manager is told why.
    ask_for_a_change(manager, live_server, scene["org"], {"address": "东城区光明路99号"}, "办公地点迁移",
                     document=False)
    moved = open_request(live_app, scene["org"])
    officer.goto(f"{live_server}/orgs/review")
    officer.locator("#change-queue a", has_text=new_name).click()
    officer.locator(f"#change-{moved.id} button", has_text="驳回").click()  # no reason yet
    expect(officer.locator(".alert-danger")).to_contain_text("请填写原因")
    expect(officer.locator(f"#change-{moved.id}")).to_contain_text("待审核")
    officer.locator(f"#change-reason-{moved.id}").fill("请补充新址的租赁合同")
    officer.locator(f"#change-{moved.id} button", has_text="驳回").click()
    expect(officer.locator(".alert-success")).to_contain_text("已驳回")

    manager.goto(f"{live_server}/orgs/{scene['org']}")
    rejected = manager.locator(f"#change-{moved.id}")
    expect(rejected).to_contain_text("已驳回")
    expect(rejected).to_contain_text("审核意见： 请补充新址的租赁合同")
    expect(manager.locator("#request-change")).to_have_count(1)  # and a new request may be made
    fits(manager)
    with live_app.app_context():
        assert db.session.get(Organisation, scene["org"]).address == scene["address"]
    manager.context.close()
    officer.context.close()
