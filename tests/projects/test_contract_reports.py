"""Progress reports (outputs, activities with photos, evidence, fees) and fee receipts, through their transition
tables, each with its audit event."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from projects import contract_reports as reports
from projects.contract_models import ReportStatus, TrancheStatus
from projects.contract_report_input import ActivityInput, FeeInput, ReportInput
from projects.contract_report_models import FeePayment, ReceiptStatus
from tests.factories import make_user
from tests.orgs.helpers import Upload
from tests.projects.contract_helpers import PNG_BYTES, accepted_report, active_contract, last_event

SIMPLE = ReportInput("本期完成了一些工作记录文字", outputs={"探访": 10})  # (words only: empty, refused)


def full_input(recipient, **overrides):
    today = local_today()
    data = dict(
        narrative="完成入户走访 120 户，建立服务档案。", outputs={"探访": 300},
        activities=[ActivityInput(today, "和平社区活动室", 35, "健康讲座",
                                  photos=[Upload(PNG_BYTES, "讲座.png")])],
        evidence=[Upload(), Upload(filename="签到表.pdf")],
        fees=[FeeInput("expert_fee", "", 80_000, today, username=recipient.username),
              FeeInput("volunteer_allowance", "王强", 5_000, today, phone="13900001111")])
    data.update(overrides)
    return ReportInput(**data)


def test_a_full_report_keeps_outputs_activities_photos_evidence_and_fees(app, session):
    officer, manager, contract = active_contract(app)
    expert = make_user(Role.EVALUATOR)
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], full_input(expert), actor=manager)
    assert report.status == ReportStatus.SUBMITTED
    assert report.outputs == [{"indicator": "探访", "achieved": 300, "unit": "人次"}]
    assert report.activities[0].participants == 35
    assert report.activities[0].photos[0].file.content_type == "image/png"
    assert len(report.evidence_files) == 2
    fees = {f.recipient_name: f for f in report.fees}
    assert fees[expert.display_name].recipient_user_id == expert.id
    assert fees["王强"].recipient_user_id is None and fees["王强"].status == ReceiptStatus.UNCONFIRMED
    event = last_event("contract.report_submitted")
    assert event.target_id == str(contract.id) and '"activities":1' in event.data.replace(" ", "")
    note = db.session.scalar(select(Notification).where(Notification.user_id == expert.id))
    assert note.code == "contract.fee_listed"


@pytest.mark.parametrize("overrides, field", [
    ({"outputs": {"不存在的指标": 3}}, "outputs"),
    ({"outputs": {"探访": -1}}, "outputs"),
    ({"activities": [ActivityInput(local_today(), "活动室", 10, photos=[Upload()])]}, "photos"),
    ({"activities": [ActivityInput(local_today() + timedelta(days=1), "活动室", 10)]}, "activities"),
    ({"activities": [ActivityInput(local_today(), " ", 10)]}, "activities"),
    ({"fees": [FeeInput("expert_fee", "李四", 100, local_today(), phone="123")]}, "fees"),
    ({"fees": [FeeInput("expert_fee", "", 100, local_today(), username="nobody-here")]}, "fees"),
    ({"fees": [FeeInput("bribe", "李四", 100, local_today(), phone="13900001111")]}, "fees"),
    ({"fees": [FeeInput("expert_fee", "李四", 0, local_today(), phone="13900001111")]}, "fees"),
    ({"narrative": "太短"}, "narrative"),
])
def test_bad_report_input_is_refused_and_changes_nothing(app, session, overrides, field):
    officer, manager, contract = active_contract(app)
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        reports.submit_report(contract.milestones[0], full_input(officer, **overrides), actor=manager)
    assert field in caught.value.fields
    assert contract.milestones[0].reports == []


def test_photos_are_checked_by_content_not_by_name(app, session):
    officer, manager, contract = active_contract(app)
    fake = ActivityInput(local_today(), "活动室", 10, photos=[Upload(b"%PDF-1.4 not an image", "照片.png")])
    with app.test_request_context(), pytest.raises(ServiceError) as caught:
        reports.submit_report(contract.milestones[0], full_input(officer, activities=[fake]), actor=manager)
    assert "photos" in caught.value.fields


def test_only_the_manager_reports_and_only_once_while_waiting(app, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        with pytest.raises(Forbidden):
            reports.submit_report(contract.milestones[0], SIMPLE, actor=officer)
        reports.submit_report(contract.milestones[0], SIMPLE, actor=manager)
        with pytest.raises(Conflict):
            reports.submit_report(contract.milestones[0], SIMPLE, actor=manager)


@pytest.mark.parametrize("start", list(ReportStatus))
@pytest.mark.parametrize("to", [ReportStatus.ACCEPTED, ReportStatus.RETURNED])
def test_report_transition_table(app, session, start, to):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], SIMPLE, actor=manager)
        if start is not ReportStatus.SUBMITTED:
            reports.transition_report(report, start, actor=officer, reason="材料不全")
        allowed = to in reports.REPORT_TRANSITIONS[start]
        if allowed:
            reports.transition_report(report, to, actor=officer, reason="材料不全")
            assert report.status == to
            assert last_event(f"contract.report_{to.value}").target_id == str(contract.id)
            tranche = contract.tranches[0]
            db.session.refresh(tranche)
            assert tranche.status == (TrancheStatus.PAYABLE if to is ReportStatus.ACCEPTED else TrancheStatus.PENDING)
        else:
            with pytest.raises(Conflict):
                reports.transition_report(report, to, actor=officer, reason="材料不全")


def test_returning_needs_a_reason_and_only_officers_review(app, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], SIMPLE, actor=manager)
        with pytest.raises(ServiceError):
            reports.transition_report(report, ReportStatus.RETURNED, actor=officer)
        with pytest.raises(Forbidden):
            reports.transition_report(report, ReportStatus.ACCEPTED, actor=manager)
        reports.transition_report(report, ReportStatus.RETURNED, actor=officer, reason="缺少签到表")
        again = reports.submit_report(contract.milestones[0], SIMPLE, actor=manager)
    assert [r.status for r in contract.milestones[0].reports] == ["returned", "submitted"] and again.id


@pytest.mark.parametrize("to", [ReceiptStatus.CONFIRMED, ReceiptStatus.DENIED])
def test_the_recipient_confirms_or_denies_receipt(app, session, to):
    officer, manager, contract = active_contract(app)
    expert = make_user(Role.EVALUATOR)
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], full_input(expert), actor=manager)
        fee = next(f for f in report.fees if f.recipient_user_id == expert.id)
        with pytest.raises(Forbidden):
            reports.transition_receipt(fee, to, actor=manager)  # the organisation cannot answer for them
        reports.transition_receipt(fee, to, actor=expert, reason="未收到" if to is ReceiptStatus.DENIED else "")
        with pytest.raises(Conflict):
            reports.transition_receipt(fee, ReceiptStatus.CONFIRMED, actor=expert)
    assert db.session.get(FeePayment, fee.id).status == to
    event = last_event(f"contract.fee_{to.value}")
    assert event.actor_id == expert.id and f'"fee_id":{fee.id}' in event.data.replace(" ", "")
    officer_notes = db.session.scalars(select(Notification.code).where(Notification.user_id == officer.id)).all()
    assert ("contract.fee_denied" in officer_notes) == (to is ReceiptStatus.DENIED)


def test_output_progress_counts_accepted_reports_only(app, session):
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, outputs={"探访": 600})
    with app.test_request_context():
        reports.submit_report(contract.milestones[1], ReportInput("第二阶段的工作记录已整理完毕",
                                                                  outputs={"探访": 900}), actor=manager)
    assert reports.output_progress(contract) == [{"indicator": "探访", "target": 1200, "unit": "人次", "achieved": 600}]


@pytest.mark.parametrize("value, whole", [("120", 120), (35.7, 35), ("inf", 0), ("-inf", 0), ("nan", 0), ("abc", 0),
                                          (None, 0), (-5, 0)])
def test_output_targets_read_as_whole_numbers(value, whole):
    from projects.contract_reports import _whole

    assert _whole(value) == whole
