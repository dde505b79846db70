"""What an organisation and an officer read while a contract is delivered (QA walks): an overdue milestone says so in
words and how long; a report sent late stops the milestone counting as overdue (it is the officers' to review, and
its managers are not reminded); each pending tranche says what it waits for; the review's message says what was
done; an old notice's link to confirm a contract in force says it is in force; figures keep their units apart in a
spaced script; notices name the project, and one stored before its text did reads without placeholders. A fee
reported again with a returned report's next version is one payment: its recipient is asked once and their answer is
kept; the returned report's fees are listed to no one and cannot be answered."""

import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from accounts.enums import Role
from accounts.notifications import NOTIFICATION_TEXTS, Notification
from audit.services import decoded_data
from core.db import db
from core.i18n import with_unit
from core.timeutil import local_today
from projects import contract_changes, contract_reports, contract_watch
from projects.contract_report_input import FeeInput, ReportInput
from projects.contract_report_models import ReceiptStatus
from tests.factories import make_user
from tests.orgs.helpers import Upload
from tests.projects.contract_helpers import bearer, last_event

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def submit(app, contract, manager, index: int = 0):
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[index], ReportInput(
            "本阶段工作已完成，详见附件。", evidence=[Upload(filename="服务台账.pdf")]), actor=manager)
    db.session.commit()
    return report


def overdue_on_board(org_ids=None) -> list[str]:
    return [row.milestone for row in contract_watch.dashboard(org_ids=org_ids).overdue]


def overdue_notices(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.code == "contract.milestone_overdue"))


def test_an_overdue_milestone_says_how_late_until_its_report_is_sent(app, client, login_as, contract_world):
    officer, manager, contract = contract_world
    first = contract.milestones[0]
    first.due_on = local_today() - timedelta(days=3)
    db.session.commit()
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}", headers=ZH).text
    assert re.search(r'class="milestone-overdue[^"]*">已逾期 3 天<', page)
    assert "待“中期”报告通过" in page  # the first tranche waits for it
    assert first.title in overdue_on_board([contract.org_id]) and first.title in overdue_on_board()
    with app.test_request_context():
        contract_watch.remind()
    assert overdue_notices(manager) == 1

    submit(app, contract, manager)  # sent late: now the officers' to review
    page = client.get(f"/contracts/{contract.id}", headers=ZH).text
    assert "milestone-overdue" not in page and "已逾期" not in page
    assert "“中期”报告已提交，待审核" in page and "待“中期”报告通过" not in page
    assert first.title not in overdue_on_board([contract.org_id]) and first.title not in overdue_on_board()
    waiting = [row.milestone for row in contract_watch.dashboard().waiting]
    assert first.title in waiting
    with app.test_request_context():
        contract_watch.remind()
    assert overdue_notices(manager) == 1  # not reminded again
    english = client.get(f"/contracts/{contract.id}", headers=EN).text
    assert "the report on “中期” is awaiting review" in english


def test_one_day_overdue_is_singular_in_english(client, login_as, contract_world):
    _officer, manager, contract = contract_world
    contract.milestones[0].due_on = local_today() - timedelta(days=1)
    db.session.commit()
    login_as(manager)
    assert ">1 day overdue<" in client.get(f"/contracts/{contract.id}", headers=EN).text


def test_the_review_message_says_accepted_or_returned(app, client, login_as, contract_world):
    officer, manager, contract = contract_world
    report = submit(app, contract, manager)
    login_as(officer)
    page = client.post(f"/contracts/reports/{report.id}/return", data={"comment": "请补充签到表"}, headers=ZH,
                       follow_redirects=True).text
    assert "进度报告已退回。" in page and "进度报告已审核通过" not in page
    db.session.expire_all()  # (returned by the request)
    again = submit(app, contract, manager)
    page = client.post(f"/contracts/reports/{again.id}/accept", data={"comment": ""}, headers=ZH,
                       follow_redirects=True).text
    assert "进度报告已审核通过。" in page


def test_confirming_a_contract_in_force_says_it_is_in_force(client, login_as, contract_world):
    _officer, manager, contract = contract_world
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}/confirm", headers=ZH, follow_redirects=True).text
    assert "合同已经双方确认，正在履行。" in page
    assert "只有待双方确认的合同才能确认" not in page


def test_a_figure_and_its_unit():
    assert with_unit(80, "场") == "80场"
    assert with_unit(80, "sessions") == "80 sessions"
    assert with_unit("1200", " 人次 ") == "1200人次"
    assert with_unit(3, "%") == "3%" and with_unit(5, "") == "5" and with_unit(5, None) == "5"


def test_the_contracts_targets_keep_a_spaced_unit_apart(client, login_as, contract_world):
    _officer, manager, contract = contract_world
    contract.outputs = [{"indicator": "Sessions held", "target": "80", "unit": "sessions"},
                        {"indicator": "探访", "target": "1200", "unit": "人次"}]
    db.session.commit()
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}", headers=EN).text
    assert "80 sessions" in page and "80sessions" not in page and "1200人次" in page


def test_review_notices_name_the_project_and_an_older_notice_reads_without_placeholders(app, contract_world):
    officer, manager, contract = contract_world
    report = submit(app, contract, manager)
    with app.test_request_context():
        contract_reports.review_report(report, False, "请补充签到表", actor=officer)
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == manager.id,
                                                          Notification.code == "contract.report_returned"))
    with app.test_request_context(headers=ZH):
        assert notice.text == f"“{contract.title}”的“中期”进度报告已被退回，原因：请补充签到表"
        older = Notification(user_id=manager.id, code="contract.report_returned",
                             data=json.dumps({"milestone": "中期", "comment": "请补充"}))
        assert "%(" not in older.text and "…" in older.text
    assert "%(project)s" in str(NOTIFICATION_TEXTS["contract.report_accepted"])


def test_moving_money_between_lines_is_offered_only_with_two_lines(client, login_as, contract_world):
    _officer, manager, contract = contract_world
    login_as(manager)
    assert len(contract.lines) > 1 and 'id="budget-change"' in client.get(f"/contracts/{contract.id}").text
    for line in contract.lines[1:]:
        db.session.delete(line)
    db.session.commit()
    page = client.get(f"/contracts/{contract.id}").text
    assert 'id="budget-change"' not in page and 'id="schedule-change"' in page


# A fee reported again with a returned report's next version is one payment: asked about once, its answer kept.

def fee_report(app, contract, manager, fees):
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            "本阶段开展了入户探访与健康讲座。", evidence=[Upload(filename="签到表.pdf")], fees=fees), actor=manager)
    db.session.commit()
    return report


def fee_notices(user) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.code == "contract.fee_listed"))


def test_a_fee_reported_again_is_asked_about_once_and_keeps_its_answer(app, client, login_as, contract_world):
    officer, manager, contract = contract_world
    expert, volunteer = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    day = local_today()

    def fees():
        return [FeeInput("expert_fee", "", 80_000, day, username=expert.username),
                FeeInput("volunteer_allowance", "", 5_000, day, username=volunteer.username)]

    first = fee_report(app, contract, manager, fees())
    with app.test_request_context():
        contract_reports.transition_receipt(first.fees[0], ReceiptStatus.CONFIRMED, actor=expert)
        contract_reports.review_report(first, False, "请补充签到表", actor=officer)
    db.session.commit()
    assert fee_notices(expert) == 1 and fee_notices(volunteer) == 1

    # Returned: its fees no longer stand, on the recipient's page and API, and cannot be answered.
    login_as(volunteer)
    assert "¥50.00" not in client.get("/contracts/receipts", headers=ZH).text
    refused = client.post(f"/contracts/receipts/{first.fees[1].id}/deny", data={"reason": "没收到"}, headers=ZH,
                          follow_redirects=True)
    assert "已被退回的进度报告" in refused.text
    db.session.expire_all()
    assert first.fees[1].status == ReceiptStatus.UNCONFIRMED
    api = client.get("/api/v1/fee-receipts", headers=bearer(volunteer))
    assert api.json["items"] == []

    again = fee_report(app, contract, manager, fees())  # the same two payments, reported again
    assert fee_notices(expert) == 1 and fee_notices(volunteer) == 1  # not asked twice
    by_kind = {fee.kind: fee for fee in again.fees}
    assert by_kind["expert_fee"].status == ReceiptStatus.CONFIRMED  # the answer kept
    assert by_kind["volunteer_allowance"].status == ReceiptStatus.UNCONFIRMED
    page = client.get("/contracts/receipts", headers=ZH).text
    assert page.count("¥50.00") == 1
    assert [item["id"] for item in client.get("/api/v1/fee-receipts", headers=bearer(volunteer)).json["items"]] == [
        by_kind["volunteer_allowance"].id]
    board = contract_watch.dashboard()
    assert [(row.recipient_name, row.amount_fen) for row in board.receipts] == [(volunteer.display_name, 5_000)]
    assert decoded_data(last_event("contract.report_submitted"))["fees_asked_before"] == 2
    carried = decoded_data(last_event("contract.fee_answer_carried"))  # the answer kept, in the trail
    assert carried == {"fee_id": by_kind["expert_fee"].id, "from_fee_id": first.fees[0].id, "status": "confirmed"}


def test_a_new_fee_on_the_next_version_is_asked_about(app, contract_world):
    officer, manager, contract = contract_world
    expert = make_user(Role.EVALUATOR)
    day = local_today()
    first = fee_report(app, contract, manager, [FeeInput("expert_fee", "", 80_000, day, username=expert.username)])
    with app.test_request_context():
        contract_reports.review_report(first, False, "金额有误", actor=officer)
    db.session.commit()
    again = fee_report(app, contract, manager, [FeeInput("expert_fee", "", 60_000, day, username=expert.username)])
    assert fee_notices(expert) == 2 and again.fees[0].status == ReceiptStatus.UNCONFIRMED


def test_a_change_decision_says_what_was_decided(app, client, login_as, contract_world):
    officer, manager, contract = contract_world
    source, target = contract.lines[0], contract.lines[1]
    with app.test_request_context():
        asked = [contract_changes.request_change(contract, contract_changes.ChangeInput(
            "budget", "活动场次增加，需要调整预算", from_line_id=source.id, to_line_id=target.id, amount_fen=amount),
            actor=manager) for amount in (10_000, 20_000)]
    db.session.commit()
    login_as(officer)
    said = {}
    for change, decision in zip(asked, ("approve", "reject"), strict=True):
        page = client.post(f"/contracts/changes/{change.id}/{decision}", data={"reason": "同意" if decision ==
                                                                                 "approve" else "理由不充分"},
                           headers=ZH, follow_redirects=True).text
        said[decision] = page
    assert "变更已批准，合同已相应更新。" in said["approve"] and "变更已驳回。" in said["reject"]
