"""The QA walk of the report lifecycle: no report before the contract's period starts, none without the evidence its
milestone requires nor one of words only; the officer's accept asks first, naming a fee its recipient denies; a
report returned is the next one's starting point (its reason shown, its rows filled in, its files offered again);
a fee's payment date is 发放日期, not the government's 拨付日期."""

import html
import re
from datetime import timedelta

import pytest
from flask_babel import gettext, pgettext
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from projects import contract_reports as reports
from projects import contracts
from projects.contract_models import MilestoneReport, ReportStatus, TrancheStatus
from projects.contract_report_input import ActivityInput, FeeInput, ReportInput, ReportRefused
from projects.contract_report_models import ReceiptStatus
from tests.factories import make_user
from tests.orgs.helpers import Upload
from tests.projects.contract_helpers import PNG_BYTES, active_contract, awarded_decision, bearer, counts

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
WORDS = "本阶段开展了入户探访与健康讲座。"


def signed_contract(app, starts_on, plan):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, starts_on, starts_on + timedelta(days=365), plan, [40, 30, 30],
                                            "", actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    db.session.commit()
    return officer, manager, contract


def report_url(contract, index: int = 0) -> str:
    return f"/contracts/milestones/{contract.milestones[index].id}/report"


# 1. Before the period starts: refused, by the service, the page and the API alike, naming the first day.

def test_a_report_before_the_contract_starts_is_refused_naming_the_start(app, client, login_as, session):
    starts = local_today() + timedelta(days=1)
    plan = [contracts.MilestonePlan("中期", starts + timedelta(days=60), "中期报告"),
            contracts.MilestonePlan("末期", starts + timedelta(days=300), "总结报告")]
    officer, manager, contract = signed_contract(app, starts, plan)
    assert contract.status == "active"
    before = counts()
    full = ReportInput(WORDS, outputs={"探访": 30}, evidence=[Upload()])
    with app.test_request_context(), pytest.raises(Conflict) as refused:
        reports.submit_report(contract.milestones[0], full, actor=manager)
    assert refused.value.code == "not_started"
    assert str(refused.value.message) == f"合同期自 {starts.isoformat()}（北京时间）开始，届时方可提交进度报告。"
    login_as(manager)
    page = client.get(report_url(contract), headers=ZH).text
    assert f"合同期自 {starts.isoformat()}（北京时间）开始" in page and 'id="report-form"' not in page
    posted = client.post(report_url(contract), headers=EN, data={"narrative": WORDS, "output-0": "30"})
    assert posted.status_code == 422 and f"starts on {starts.isoformat()}" in posted.text
    api = client.post(f"/api/v1/milestones/{contract.milestones[0].id}/reports", headers=bearer(manager),
                      json={"narrative": WORDS, "outputs": {"探访": 30}})
    assert api.status_code == 409 and api.json["error"]["code"] == "not_started"
    assert counts() | {"AuditEvent": 0} == before | {"AuditEvent": 0}  # (the API token's own event aside)
    assert db.session.scalar(select(func.count(MilestoneReport.id))) == 0
    assert all(t.status == TrancheStatus.PENDING for t in contract.tranches)


def test_from_the_first_day_a_report_is_taken(app, session):
    officer, manager, contract = active_contract(app)  # started yesterday
    contract.starts_on = local_today()
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], ReportInput(WORDS, outputs={"探访": 5}),
                                       actor=manager)
    assert report.status == ReportStatus.SUBMITTED


# 1. The evidence the milestone requires, and a report of words only.

@pytest.fixture
def evidence_world(app, session):
    today = local_today()
    plan = [contracts.MilestonePlan("中期", today + timedelta(days=60), "中期报告、服务台账", "签到表、活动照片"),
            contracts.MilestonePlan("末期", today + timedelta(days=300), "总结报告")]
    return signed_contract(app, today - timedelta(days=1), plan)


def test_a_report_without_the_required_evidence_is_refused_naming_it(app, client, login_as, evidence_world):
    officer, manager, contract = evidence_world
    login_as(manager)
    before = counts()
    data = ReportInput(WORDS, activities=[ActivityInput(local_today(), "和平社区活动室", 30)])
    with app.test_request_context(), pytest.raises(ReportRefused) as refused:
        reports.submit_report(contract.milestones[0], data, actor=manager)
    assert refused.value.fields == {"evidence": "该里程碑要求提交佐证材料：签到表、活动照片。请作为佐证文件上传。"}
    assert counts() == before
    page = html.unescape(client.post(report_url(contract), headers=EN, data={
        "narrative": WORDS, "activity-0-date": local_today().isoformat(), "activity-0-place": "和平社区活动室",
        "activity-0-participants": "30"}).text)
    assert ('id="evidence-error">This milestone requires evidence: 签到表、活动照片. Attach it as evidence files.'
            in page)
    assert counts() == before
    with app.test_request_context():
        data.evidence = [Upload(filename="签到表.pdf")]
        report = reports.submit_report(contract.milestones[0], data, actor=manager)
    assert len(report.evidence_files) == 1


def test_a_milestone_requiring_no_evidence_takes_a_report_without_files(app, evidence_world):
    officer, manager, contract = evidence_world
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[1], ReportInput(WORDS, outputs={"探访": 40}),
                                       actor=manager)
    assert report.evidence_files == []


def test_a_report_of_words_only_is_refused_as_empty(app, session):
    officer, manager, contract = active_contract(app)
    before = counts()
    for empty in (ReportInput(WORDS), ReportInput(WORDS, outputs={"探访": 0})):
        with app.test_request_context(), pytest.raises(ReportRefused) as refused:
            reports.submit_report(contract.milestones[0], empty, actor=manager)
        assert refused.value.fields == {"activities": "报告内容为空：请填写本期开展的活动、完成的产出或工作佐证文件。"}
    assert counts() == before
    with app.test_request_context():  # an activity alone, an evidence file alone: something was done
        reports.submit_report(contract.milestones[0], ReportInput(WORDS, activities=[
            ActivityInput(local_today(), "活动室", 12)]), actor=manager)
        reports.submit_report(contract.milestones[1], ReportInput(WORDS, evidence=[Upload()]), actor=manager)


# 2. Accepting asks first, and says so when a fee is denied by its recipient.

def test_accept_asks_first_and_names_a_denied_fee(app, client, login_as, session):
    officer, manager, contract = active_contract(app)
    payee, other = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    today = local_today()
    with app.test_request_context():
        denied = reports.submit_report(contract.milestones[0], ReportInput(WORDS, fees=[
            FeeInput("expert_fee", "", 80_000, today, username=payee.username),
            FeeInput("expert_fee", "", 30_000, today, username=other.username)]), actor=manager)
        reports.transition_receipt(denied.fees[0], ReceiptStatus.DENIED, actor=payee, reason="未收到")
        plain = reports.submit_report(contract.milestones[1], ReportInput(WORDS, outputs={"探访": 9}),
                                      actor=manager)
    db.session.commit()
    login_as(officer)
    page = client.get(f"/contracts/{contract.id}", headers=EN).text
    asks = dict(re.findall(r'id="accept-(\d+)" data-confirm="([^"]*)"', page))
    ask = "Accept this report? This cannot be undone: the payment tranche tied to this milestone becomes payable."
    assert html.unescape(asks[str(plain.id)]) == ask
    assert html.unescape(asks[str(denied.id)]) == (
        f"{ask} Warning: fees in this report that the recipient denies receiving: {payee.display_name} (¥800.00). "
        "Check them before accepting.")
    zh = client.get(f"/contracts/{contract.id}", headers=ZH).text
    assert f"注意：本报告中以下费用被收款人本人否认收款：{payee.display_name}（¥800.00）" in html.unescape(zh)


# 3. A returned report is where the next one starts.

@pytest.fixture
def returned(app, session):
    officer, manager, contract = active_contract(app)
    linked = make_user(Role.EVALUATOR, phone="13900002222")
    by_name = make_user(Role.EVALUATOR)
    day = local_today()
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], ReportInput(
            "第一阶段：入户探访 120 户，健康讲座两场。", outputs={"探访": 120},
            activities=[ActivityInput(day, "和平社区活动室", 35, "健康讲座",
                                      photos=[Upload(PNG_BYTES, "讲座.png")])],
            evidence=[Upload(filename="签到表.pdf")],
            fees=[FeeInput("expert_fee", "", 80_000, day, username=by_name.username),
                  FeeInput("volunteer_allowance", "王阿姨", 5_050, day, phone="139 0000 2222")]),
            actor=manager)
        reports.review_report(report, False, "请补充第二场讲座的签到表", actor=officer)
    db.session.commit()
    return manager, contract, report, by_name, linked


def attribute(tag: str, name: str) -> str | None:
    found = re.search(rf' {name}="([^"]*)"', tag)
    return found and html.unescape(found[1])


def values_of(page: str) -> dict[str, str]:
    """The report form's text, number and date inputs, its selects (the chosen option) and its narrative."""
    form = page[page.index('id="report-form"'):]
    found = {attribute(tag, "name"): attribute(tag, "value") or "" for tag in re.findall(r"<input [^>]*>", form)
             if attribute(tag, "type") not in ("file", "checkbox", "hidden") and attribute(tag, "name")}
    for name, options in re.findall(r'<select [^>]*name="([\w-]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options) or re.search(r'<option value="([^"]*)"',
                                                                                        options)
        found[name] = chosen[1]
    found["narrative"] = html.unescape(re.search(r'<textarea[^>]*name="narrative"[^>]*>([^<]*)</textarea>', form)[1])
    return found


def test_the_form_after_a_return_shows_the_reason_and_starts_from_the_report(client, login_as, returned):
    manager, contract, report, by_name, linked = returned
    login_as(manager)
    page = client.get(report_url(contract), headers=ZH).text
    assert 'id="returned-reason"' in page and "请补充第二场讲座的签到表" in page
    values = values_of(page)
    assert values["narrative"] == "第一阶段：入户探访 120 户，健康讲座两场。"
    assert values["output-0"] == "120"
    assert (values["activity-0-date"], values["activity-0-place"], values["activity-0-participants"],
            values["activity-0-description"]) == (local_today().isoformat(), "和平社区活动室", "35", "健康讲座")
    expert, helper = "fee-0", "fee-1"  # (in the order they were reported)
    assert values[f"{expert}-username"] == by_name.username and values[f"{expert}-amount"] == "800.00"
    # Named by phone, as typed: the phone's platform user is linked again, their user name never shown.
    assert (values[f"{helper}-name"], values[f"{helper}-phone"], values[f"{helper}-amount"]) == (
        "王阿姨", "13900002222", "50.50")
    assert values[f"{helper}-username"] == "" and linked.username not in page
    assert (values[f"{expert}-kind"], values[f"{helper}-kind"]) == ("expert_fee", "volunteer_allowance")
    evidence, photo = report.evidence_files[0].file, report.activities[0].photos[0].file
    assert re.search(rf'name="evidence-reuse" value="{evidence.id}" id="[\w-]+" checked', page)
    assert re.search(rf'name="activity-0-photos-reuse" value="{photo.id}" id="[\w-]+" checked', page)


def form_of(page: str, **changes) -> dict:
    """The form as the browser posts it, opened after the return: its values, and the ticked files."""
    data = {k: v for k, v in values_of(page).items() if not k.endswith("-reuse")}
    for name, value in re.findall(r'name="([\w-]+-reuse)" value="(\d+)" id="[\w-]+" checked', page):
        data.setdefault(name, []).append(value)
    return data | changes


def test_sent_again_the_report_keeps_its_rows_and_uses_the_same_files(client, login_as, returned):
    manager, contract, report, by_name, linked = returned
    login_as(manager)
    page = client.get(report_url(contract), headers=EN).text
    answer = client.post(report_url(contract), headers=EN, data=form_of(page, narrative=report.narrative + "已补充。"))
    assert answer.status_code == 302, html.unescape(answer.text)
    again = db.session.scalar(select(MilestoneReport).where(MilestoneReport.id != report.id))
    assert again.status == ReportStatus.SUBMITTED and again.outputs == report.outputs
    assert [e.file_id for e in again.evidence_files] == [e.file_id for e in report.evidence_files]
    assert [p.file_id for p in again.activities[0].photos] == [p.file_id for p in report.activities[0].photos]
    assert sorted((f.kind, f.recipient_name, f.recipient_user_id, f.amount_fen) for f in again.fees) == sorted(
        (f.kind, f.recipient_name, f.recipient_user_id, f.amount_fen) for f in report.fees)
    assert {f.recipient_user_id for f in again.fees} == {by_name.id, linked.id}


def test_an_unticked_file_is_left_out(client, login_as, returned):
    manager, contract, report, by_name, linked = returned
    login_as(manager)
    page = client.get(report_url(contract), headers=EN).text
    data = form_of(page)
    del data["evidence-reuse"]
    answer = client.post(report_url(contract), headers=EN, data=data)
    assert answer.status_code == 302
    again = db.session.scalar(select(MilestoneReport).where(MilestoneReport.id != report.id))
    assert again.evidence_files == [] and len(again.activities[0].photos) == 1


def test_a_file_not_of_the_milestones_reports_is_refused(app, client, login_as, returned):
    manager, contract, report, by_name, linked = returned
    with app.test_request_context():  # another milestone's report: its file is not this milestone's
        other = reports.submit_report(contract.milestones[1], ReportInput(
            WORDS, evidence=[Upload(filename="别的.pdf")]), actor=manager)
    db.session.commit()
    login_as(manager)
    page = client.get(report_url(contract), headers=EN).text
    before = counts()
    foreign = str(other.evidence_files[0].file_id)
    for data in (form_of(page) | {"evidence-reuse": foreign}, form_of(page) | {"activity-0-photos-reuse": foreign},
                 form_of(page) | {"evidence-reuse": "abc"}):
        answer = client.post(report_url(contract), headers=EN, data=data)
        assert answer.status_code == 422
        assert "Only files of this milestone's earlier reports can be used again." in html.unescape(answer.text)
        assert counts() == before
    # Refused, the form shows the ticks as posted: an unticked file stays unticked.
    data = form_of(page, narrative="短")
    del data["evidence-reuse"]
    shown = client.post(report_url(contract), headers=EN, data=data).text
    evidence = report.evidence_files[0].file_id
    assert re.search(rf'name="evidence-reuse" value="{evidence}" id="[\w-]+">', shown)
    assert re.search(r'name="activity-0-photos-reuse" value="\d+" id="[\w-]+" checked', shown)


def test_a_returned_report_with_more_rows_than_the_form_names_the_rest(app, client, login_as, session):
    officer, manager, contract = active_contract(app)
    day = local_today()
    with app.test_request_context():
        report = reports.submit_report(contract.milestones[0], ReportInput(WORDS, activities=[
            ActivityInput(day, f"第{i}活动室", 10 + i) for i in range(1, 5)]), actor=manager)
        reports.review_report(report, False, "请说明各场次", actor=officer)
    db.session.commit()
    login_as(manager)
    page = client.get(report_url(contract), headers=EN).text
    values = values_of(page)
    carried = {values[f"activity-{i}-place"] for i in range(3)}
    left = {f"第{i}活动室" for i in range(1, 5)} - carried
    assert len(carried) == 3 and len(left) == 1
    note = html.unescape(re.search(r'<p [^>]*id="returned-left-over">(.*?)</p>', page, re.S)[1])
    assert f"{day.isoformat()} {left.pop()}" in note


# 4. A fee's payment date is 发放日期 (the organisation paid a person), not 拨付日期 (the government's allocation).

def test_the_fee_rows_say_paid_out_on_not_allocated_on(client, login_as, contract_world):
    officer, manager, contract = contract_world
    login_as(manager)
    page = client.get(report_url(contract), headers=ZH).text
    assert page.count(">发放日期</label>") == 4 and "拨付日期" not in page
    assert client.get(report_url(contract), headers=EN).text.count(">Paid on</label>") == 4
    with client.application.test_request_context(headers=ZH):  # a tranche's payment keeps its own word
        assert gettext("Paid on") == "拨付日期" and pgettext("fee payment", "Paid on") == "发放日期"
