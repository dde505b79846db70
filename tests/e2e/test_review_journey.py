"""An officer draws a panel once the call has closed; a member declares a conflict on one proposal and no conflict on
the others, and can read them but not score yet; the results page says the review has not started and starts it
(asking first); the member then scores; the officer awards (asking first); the publicity ends; the winner receives
the award notice."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select, update

from accounts.models import User
from core.db import db
from core.timeutil import local_today
from evaluation import score_sheets, services
from evaluation.enums import SheetStatus
from evaluation.models import Panel
from projects.award_models import AwardDecision, Publicity
from projects.models import Call, Proposal
from tests.e2e.test_org_registration import log_in

CALL_TITLE = "光明社区困难群众帮扶服务项目"  # closed in the demo data, its proposals waiting for screening


def test_draw_declare_score_award_notice(live_server, live_app, browser):
    with live_app.app_context():
        call_id = db.session.scalar(select(Call.id).where(Call.title == CALL_TITLE))
        count = db.session.scalar(select(func.count(Proposal.id)).where(Proposal.call_id == call_id,
                                                                        Proposal.status == "submitted"))
    assert count >= 2
    officer = browser.new_context(locale="zh-CN").new_page()
    log_in(officer, live_server, "officer")
    officer.goto(f"{live_server}/calls/{call_id}/screening")
    unscreened = officer.locator("[id^=screen-]").filter(has=officer.locator("button[value=eligible]"))
    left = unscreened.count()
    for _ in range(count):
        unscreened.first.get_by_role("button", name="符合资格", exact=True).click()
        left -= 1
        # the answer has come before the next click (or page.goto) is made on the page it replaces
        expect(unscreened).to_have_count(left)
    # the panel is drawn and conflicts declared while the call is still closed (已截止); scoring waits for the review
    officer.goto(f"{live_server}/evaluation/calls/{call_id}/panel")
    for seat, seats in (("social_service", "0"), ("finance", "1"), ("service_user", "1"), ("community_staff", "1")):
        officer.locator(f"#{seat}").fill(seats)
    officer.locator("#draw").click()
    expect(officer.locator("#members")).to_contain_text("刘洋")  # the only finance/audit expert in the pool
    expect(officer.locator("#redraw-ok")).to_be_visible()

    member_page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    submitting = []  # submitting a sheet locks it: the button asks first
    member_page.on("dialog", lambda dialog: (submitting.append(dialog.message), dialog.accept()))
    log_in(member_page, live_server, "expert2")
    member_page.goto(live_server + "/evaluation/assignments")
    items = member_page.locator(f"#panel-call-{call_id} [id^=assignment-]")
    expect(items).to_have_count(count)
    first = items.nth(0)
    first.locator("select[name=conflict]").select_option("yes")
    first.locator("input[name=relationship]").fill("本人曾任该机构财务顾问")
    first.get_by_role("button", name=re.compile("声明|申报")).click()
    expect(member_page.locator(f"#panel-call-{call_id} [id^=assignment-]").nth(0)).to_contain_text("回避")
    for index in range(1, count):
        item = member_page.locator(f"#panel-call-{call_id} [id^=assignment-]").nth(index)
        item.locator("select[name=conflict]").select_option("no")  # no answer is preselected: the expert chooses
        item.get_by_role("button", name=re.compile("声明|申报")).click()
        expect(member_page.locator(f"#panel-call-{call_id} [id^=assignment-]").nth(index)
               .get_by_role("link")).to_have_text("阅读申报书")
    member_page.locator(f"#panel-call-{call_id} [id^=assignment-]").nth(1).get_by_role("link").click()
    expect(member_page.locator("#review-not-started")).to_contain_text("工作人员开始评审后才能评分")
    expect(member_page.locator("#submit-sheet")).to_have_count(0)

    officer.goto(f"{live_server}/evaluation/calls/{call_id}/results")
    expect(officer.locator("#review-not-started")).to_contain_text("评审尚未开始：开始评审后，专家才能评分，之后才能定标。")
    expect(officer.locator("#decide")).to_have_count(0)
    asked = []
    officer.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    officer.locator("#start-review").click()  # started from here: back on the results page, the experts to score
    expect(officer.locator("#nothing-scored")).to_be_visible()

    member_page.goto(live_server + "/evaluation/assignments")
    for index in range(1, count):
        member_page.locator(f"#panel-call-{call_id} [id^=assignment-]").nth(index).get_by_role("link").click()
        # .all() does not wait: once the submit button (after the fields) is there, every field is.
        expect(member_page.locator("#submit-sheet")).to_be_visible()
        for field in member_page.locator("input[inputmode=decimal][id^=c]").all():
            maximum = int(re.search(r"0–(\d+)", field.evaluate("e => e.labels[0].textContent")).group(1))
            half_points = round(maximum * 2 * (3 if index == 1 else 2) / 4)
            field.fill(str(half_points / 2).removesuffix(".0"))
        member_page.locator("#submit-sheet").click()
        expect(member_page.locator("#sheet-status")).to_contain_text("锁定")
        member_page.goto(live_server + "/evaluation/assignments")
    assert submitting == ["确定提交并锁定这份评分表吗？提交后您不能再修改，只有工作人员可以退回重评。"] * (count - 1)

    with live_app.app_context():  # the two other members do their part through the same services
        panel = db.session.scalar(select(Panel).where(Panel.call_id == call_id))
        for member in panel.members:
            if member.user.username == "expert2":
                continue
            for i, proposal in enumerate(services.reviewable(call_id)):
                services.declare(member, proposal, False, "", actor=member.user)
                sheet = score_sheets.sheet_for(member, proposal)
                score_sheets.save_scores(sheet, {c.id: (c.max_points * 2 * (80 - 5 * i) // 100, "")
                                                 for c in panel.template.criteria}, actor=member.user)
                score_sheets.transition_sheet(sheet, SheetStatus.SUBMITTED, actor=member.user)
        db.session.commit()

    officer.goto(f"{live_server}/evaluation/calls/{call_id}/results")
    expect(officer.locator("#ranking tbody tr")).to_have_count(count)
    expect(officer.locator("#decide")).to_be_visible()
    expect(officer.locator("#decision-blocked")).to_have_count(0)
    officer.locator("#decide").click()
    expect(officer.locator("#decision-summary")).to_be_visible()  # decided (a page.goto() at once could abort it)
    assert [message[:8] for message in asked] == ["确定开始评审吗？", "确定定标并公示结"]
    officer.goto(f"{live_server}/calls/{call_id}")
    expect(officer.locator("#call-status")).to_have_text("结果公示")
    expect(officer.locator("#publicity")).to_be_visible()

    with live_app.app_context():  # time passes: the last publicity day was yesterday
        db.session.execute(update(Publicity).where(Publicity.call_id == call_id)
                           .values(ends_on=local_today() - timedelta(days=1)))
        db.session.commit()
        winner = db.session.scalar(select(AwardDecision).where(AwardDecision.call_id == call_id,
                                                               AwardDecision.rank == 1))
        manager = db.session.scalar(select(User).where(User.id == next(
            m.user_id for m in winner.proposal.org.memberships if m.role == "manager")))
        username = manager.username

    org = browser.new_context(locale="zh-CN").new_page()
    log_in(org, live_server, username)
    org.goto(f"{live_server}/calls/{call_id}")
    expect(org.locator("#call-status")).to_have_text("已确定承接方")
    org.goto(live_server + "/notifications")
    expect(org.locator("#notifications")).to_contain_text(CALL_TITLE)
    org.goto(f"{live_server}/calls/{call_id}")
    org.locator("#results a").first.click()
    expect(org.locator("#doc-title")).to_contain_text("中标（成交）通知书")
