"""An officer publishes a call; an organisation writes and submits a proposal with an attachment; after the
deadline the officer screens it."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from core.db import db
from core.timeutil import to_local, utcnow
from projects.models import Call
from tests.e2e.test_org_registration import log_in
from tests.orgs.helpers import PDF_BYTES


def test_publish_write_submit_screen(live_server, live_app, browser, tmp_path):
    attachment = tmp_path / "盖章申报书.pdf"
    attachment.write_bytes(PDF_BYTES)
    officer = browser.new_context(locale="zh-CN").new_page()
    log_in(officer, live_server, "officer")
    officer.goto(live_server + "/calls/new")
    officer.get_by_label("标题").fill("和平社区高龄老人助餐服务项目")
    officer.locator("#description").fill("## 服务内容\n为高龄老人提供助餐服务。")
    officer.locator("#category_id").select_option(label="养老服务")
    officer.locator("#total_budget_fen").fill("300,000")
    officer.locator("#max_per_proposal_fen").fill("100000")
    now = to_local(utcnow())
    officer.locator("#questions_until").fill((now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    officer.locator("#submission_deadline").fill((now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"))
    officer.locator("#review_planned_on").fill((now + timedelta(days=5)).strftime("%Y-%m-%d"))
    officer.locator("#award_planned_on").fill((now + timedelta(days=9)).strftime("%Y-%m-%d"))
    officer.locator("#min_eligible_proposals").fill("1")
    officer.locator("#required_attachments").fill("盖章申报书")
    officer.get_by_role("button", name="保存").click()
    expect(officer.locator("#call-status")).to_have_text("草稿")
    asked = []
    officer.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    officer.locator("#publish").click()  # publishing asks first: the announcement is public at once
    expect(officer.locator("#call-status")).to_have_text("正在征集")
    assert asked == ["确定发布此项目征集吗？公告将立即公开，此后只能通过发布更正公告修改。"]
    call_url = officer.url

    org = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    log_in(org, live_server, "org01")  # manager of 幸福家园社会工作服务中心 (elderly care, 5A)
    org.goto(call_url)
    org.locator("#start-proposal").click()
    org.get_by_label("项目名称").fill("银龄助餐暖心行动")
    org.get_by_label("项目概述").fill("为 120 名高龄老人提供每周五次助餐。")
    org.get_by_label("需求分析").fill("走访发现独居高龄老人就餐困难。")
    org.get_by_label("项目目标").fill("一年内助餐 2.4 万人次。")
    org.locator("#work_plan-0-month").fill("第1月")
    org.locator("#work_plan-0-activity").fill("建档与配餐点布置")
    org.locator("#outputs-0-indicator").fill("助餐")
    org.locator("#outputs-0-target").fill("24,000")  # typed as a Chinese user types it: read, not refused
    org.locator("#outputs-0-unit").fill("人次")
    org.locator("#team-0-person").fill("张明")
    org.locator("#team-0-role").fill("项目主管")
    org.locator("#team-0-qualification").fill("中级社工师")
    rows = [("personnel", "社工补贴", "１２", "¥3,000"), ("activities", "餐费补贴", "1", "55 000元"),
            ("management_fee", "管理费", "1", "￥５，０００．００")]
    for i, (category, item, qty, price) in enumerate(rows):
        if i:  # the form opens with one empty row; "Add a row" gives the next
            org.locator("#budget_lines-add").click()
            expect(org.locator(f"#budget_lines-{i}-category")).to_be_focused()
        org.locator(f"#budget_lines-{i}-category").select_option(category)
        org.locator(f"#budget_lines-{i}-item").fill(item)
        org.locator(f"#budget_lines-{i}-quantity").fill(qty)
        org.locator(f"#budget_lines-{i}-unit_price_fen").fill(price)
    expect(org.locator("#budget-sum")).to_have_text(re.compile(r"96,000\.00"))
    org.get_by_role("button", name="保存草稿").click()
    expect(org.locator("#requested-total")).to_contain_text("96,000.00")
    expect(org.get_by_text("助餐：24000人次")).to_be_visible()
    org.locator("#requirement").select_option("盖章申报书")
    org.locator("#file").set_input_files(str(attachment))
    org.get_by_role("button", name="上传").click()
    expect(org.locator("#attachments")).to_contain_text("盖章申报书.pdf")
    submitting = []
    org.once("dialog", lambda dialog: (submitting.append(dialog.message), dialog.accept()))
    org.locator("#submit-proposal").click()  # asked first: once the deadline passes it can no longer be changed
    expect(org.locator("#proposal-status")).to_have_text("已提交")
    assert submitting and submitting[0].startswith("确定提交申报书吗？")
    expect(org.locator("#content-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    # Time passes: the deadline is now behind us (the one step a browser cannot take).
    with live_app.app_context():
        call_id = db.session.scalar(select(Call.id).where(Call.title == "和平社区高龄老人助餐服务项目"))
        db.session.execute(update(Call).where(Call.id == call_id).values(
            questions_until=utcnow() - timedelta(minutes=2), submission_deadline=utcnow() - timedelta(minutes=1)))
        db.session.commit()

    officer.goto(f"{live_server}/calls/{call_id}/screening")
    card = officer.locator("[id^=screen-]").first
    expect(card).to_contain_text("幸福家园社会工作服务中心")
    expect(card).to_contain_text("✔")
    card.get_by_role("button", name="符合资格", exact=True).click()
    expect(officer.locator("[id^=screen-]").first).to_contain_text("符合资格")
    officer.goto(f"{live_server}/calls/{call_id}")
    expect(officer.locator("#call-status")).to_have_text("已截止")
    org.goto(live_server + "/notifications")
    expect(org.locator("#notifications")).to_contain_text("资格审查")
