"""Contract pages and API: the permission table (manager, member of another organisation, officer, auditor,
anonymous, fee recipient) for every new route and endpoint, the pages' forms, and API errors."""

import io

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from core.timeutil import local_today
from orgs.models import Membership
from projects import contract_reports
from projects.contract_change_models import ChangeRequest
from projects.contract_models import Expense, MilestoneReport
from projects.contract_report_input import FeeInput, ReportInput
from projects.contract_report_models import FeePayment
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES
from tests.projects.contract_helpers import PNG_BYTES, active_contract, last_event

ROLES = ["anonymous", "manager", "rival", "officer", "auditor", "recipient"]


@pytest.fixture
def world(app, session):
    officer, manager, contract = active_contract(app)
    rival = db.session.scalar(select(Membership).where(Membership.org_id != contract.org_id,
                                                       Membership.role == "manager")).user
    recipient = make_user(Role.EVALUATOR)
    with app.test_request_context():
        fee = FeeInput("expert_fee", "", 80_000, local_today(), username=recipient.username)
        report = contract_reports.submit_report(
            contract.milestones[0], ReportInput("完成第一阶段工作，附证据。", fees=[fee],
                                                evidence=[_upload(PDF_BYTES, "证据.pdf")]),
            actor=manager)
    db.session.commit()
    return {"officer": officer, "manager": manager, "rival": rival, "recipient": recipient, "contract": contract,
            "report": report, "fee": report.fees[0], "auditor": make_user(Role.AUDITOR),
            "file": report.evidence_files[0].file.key}


class _upload:
    def __init__(self, data, filename):
        self.filename, self._io = filename, io.BytesIO(data)

    def read(self, n=-1):
        return self._io.read(n)


LOGGED_IN = set(ROLES) - {"anonymous"}
PAGES = {
    "/contracts/": LOGGED_IN,
    "/contracts/{c}": {"manager", "officer", "auditor"},
    "/contracts/milestones/{m1}/report": {"manager"},
    "/contracts/receipts": LOGGED_IN,
    "/contracts/files/{file}": {"manager", "officer", "auditor"},
}
# POST -> who may do it (others get 403/404, or the login page when anonymous); ordered so that each succeeds
ACTIONS = [
    ("/contracts/{c}/expenses", {"line_id": "{line}", "spent_on": "{today}", "payee": "张明", "amount": "10"},
     {"manager"}),
    ("/contracts/milestones/{m1}/report", {"narrative": "第二阶段的工作已经完成。", "output-0": "10"}, {"manager"}),
    ("/contracts/{c}/changes", {"kind": "budget", "from_line_id": "{line}", "to_line_id": "{line2}", "amount": "5",
                                "reason": "调整"}, {"manager"}),
    ("/contracts/reports/{r}/accept", {}, {"officer"}),
    ("/contracts/tranches/{t}/approve", {}, {"officer"}),
    ("/contracts/tranches/{t}/pay", {"paid_on": "{today}", "reference": "转账001"}, {"officer"}),
    ("/contracts/receipts/{fee}/confirm", {}, {"recipient"}),
    ("/contracts/{c}/terminate", {"reason": "测试终止"}, {"officer"}),
]
API_GETS = {
    "/api/v1/contracts": LOGGED_IN,
    "/api/v1/contracts/watch": {"officer", "auditor"},
    "/api/v1/contracts/{c}": {"manager", "officer", "auditor"},
    "/api/v1/contracts/{c}/reports": {"manager", "officer", "auditor"},
    "/api/v1/contracts/{c}/expenses": {"manager", "officer", "auditor"},
    "/api/v1/fee-receipts": LOGGED_IN,
}
API_POSTS = [
    ("/api/v1/contracts/{c}/expenses", {"line_id": "{line}", "spent_on": "{today}", "payee": "张明",
                                        "amount_fen": 100}, {"manager"}),
    ("/api/v1/milestones/{m1}/reports", {"narrative": "第二阶段的工作已经完成。", "outputs": {"探访": 10}},
     {"manager"}),
    ("/api/v1/contracts/{c}/changes", {"kind": "schedule", "milestone_id": "{m1}", "new_due_on": "{today}",
                                       "reason": "延期"}, {"manager"}),
    ("/api/v1/fee-receipts/{fee}/deny", {"reason": "没收到"}, {"recipient"}),
]


def ids(world):
    c = world["contract"]
    return {"c": c.id, "m1": c.milestones[1].id, "line": c.lines[0].id, "line2": c.lines[1].id,
            "r": world["report"].id, "t": c.tranches[0].id, "fee": world["fee"].id, "file": world["file"],
            "today": local_today().isoformat()}


def fill(value, values):
    if isinstance(value, str):
        text = value.format(**values)
        return int(text) if value.startswith("{") and text.isdigit() else text
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def outcome(response):
    if response.status_code in (401, 403, 404):
        return "denied"
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return "login"
    return "ok" if response.status_code in (200, 201, 302) else f"status {response.status_code}"


def expected(role, allowed):
    return "ok" if role in allowed else ("login" if role == "anonymous" else "denied")


@pytest.mark.parametrize("role", ROLES)
def test_permission_table_pages_and_actions(client, login_as, world, role):
    if role != "anonymous":
        login_as(world[role])
    values, wrong = ids(world), {}
    for path, allowed in PAGES.items():
        got = outcome(client.get(path.format(**values)))
        if got != expected(role, allowed):
            wrong[path] = got
    for path, data, allowed in ACTIONS:
        form = {k: str(fill(v, values)) for k, v in data.items()}
        response = client.post(path.format(**values), data=form)
        got = outcome(response)
        if got != expected(role, allowed):
            wrong[f"POST {path}"] = got
    assert wrong == {}


@pytest.mark.parametrize("role", ROLES)
def test_permission_table_api(client, world, role):
    headers = {}
    if role != "anonymous":
        _t, plain = create_token(world[role], "t", actor=world[role])
        db.session.commit()
        headers = {"Authorization": f"Bearer {plain}"}
    values, wrong = ids(world), {}
    api_expected = {"anonymous": "denied"}
    for path, allowed in API_GETS.items():
        got = outcome(client.get(path.format(**values), headers=headers))
        if got != api_expected.get(role, expected(role, allowed)):
            wrong[path] = got
    for path, body, allowed in API_POSTS:
        response = client.post(path.format(**values), json=fill(body, values), headers=headers)
        got = outcome(response)
        if got != api_expected.get(role, expected(role, allowed)):
            wrong[f"POST {path}"] = (got, response.get_json())
    assert wrong == {}


def test_the_pages_actions_take_effect(client, login_as, world):
    values = ids(world)
    login_as(world["manager"])
    photo = (io.BytesIO(PNG_BYTES), "活动.png")
    response = client.post(f"/contracts/milestones/{values['m1']}/report", content_type="multipart/form-data", data={
        "narrative": "第二阶段：开展健康讲座两场。", "output-0": "40", "activity-0-date": values["today"],
        "activity-0-place": "和平社区活动室", "activity-0-participants": "28", "activity-0-photos": photo,
        "evidence": (io.BytesIO(PDF_BYTES), "签到表.pdf"), "fee-0-kind": "volunteer_allowance",
        "fee-0-name": "王强", "fee-0-phone": "13900001111", "fee-0-amount": "50", "fee-0-paid_on": values["today"]})
    assert response.status_code == 302
    report = db.session.scalar(select(MilestoneReport).where(MilestoneReport.milestone_id == values["m1"]))
    assert report.activities[0].photos[0].file.content_type == "image/png"
    assert report.fees[0].recipient_name == "王强" and report.fees[0].amount_fen == 5_000
    assert report.outputs == [{"indicator": "探访", "achieved": 40, "unit": "人次"}]
    assert last_event("contract.report_submitted").actor_id == world["manager"].id
    page = client.get(f"/contracts/{values['c']}").get_data(as_text=True)
    assert 'id="budget-chart"' in page and 'id="timeline"' in page and "王强" in page
    bad = client.post(f"/contracts/{values['c']}/expenses", data={"line_id": values["line"], "spent_on": "昨天",
                                                                  "payee": "张明", "amount": "10"})
    assert bad.status_code == 422 and db.session.scalar(select(Expense.id)) is None  # the page again, as typed
    assert 'id="expense-spent_on-error">日期格式为 YYYY-MM-DD。<' in bad.text and 'value="张明"' in bad.text
    below = client.post(f"/contracts/{values['c']}/expenses", data={"line_id": values["line"], "payee": "张明",
                                                                    "spent_on": "2026-01-05", "amount": "-500"})
    assert below.status_code == 422 and 'id="expense-amount-error">请填写大于 0 的金额。<' in below.text
    assert db.session.scalar(select(Expense.id)) is None


def test_the_recipient_denies_on_the_receipts_page_and_the_officer_sees_it(client, login_as, world):
    login_as(world["recipient"])
    assert "800.00" in client.get("/contracts/receipts").get_data(as_text=True)
    client.post(f"/contracts/receipts/{world['fee'].id}/deny", data={"reason": "从未收到"})
    db.session.expire_all()
    assert db.session.get(FeePayment, world["fee"].id).status == "denied"
    assert last_event("contract.fee_denied").actor_id == world["recipient"].id
    client.post("/logout")
    login_as(world["officer"])
    board = client.get("/contracts/").get_data(as_text=True)
    assert 'id="count-receipts">1<' in board and world["recipient"].display_name in board


@pytest.mark.parametrize("path, body, status, code", [
    ("/api/v1/contracts/{c}/expenses", {"line_id": "x"}, 422, "invalid"),
    ("/api/v1/contracts/{c}/expenses", {"line_id": "{line}", "spent_on": "{today}", "payee": "张明",
                                        "amount_fen": 10**12}, 409, "conflict"),
    ("/api/v1/contracts/{c}/expenses", [1, 2], 422, "bad_json"),
    ("/api/v1/milestones/{m1}/reports", {"narrative": "短"}, 422, "invalid"),
    ("/api/v1/milestones/{m1}/reports", {"narrative": "足够长的一段工作描述", "activities": "x"}, 422, "invalid"),
    ("/api/v1/milestones/999999/reports", {}, 404, "not_found"),
    ("/api/v1/contracts/{c}/changes", {"kind": "amount", "reason": "追加", "amount_fen": 1}, 409, "amount_fixed"),
    ("/api/v1/contracts/{c}/changes", {"kind": "schedule", "milestone_id": "{m1}", "new_due_on": "2020-13-01"},
     422, "invalid"),
])
def test_api_errors_are_json_and_change_nothing(client, world, path, body, status, code):
    _t, plain = create_token(world["manager"], "t", actor=world["manager"])
    db.session.commit()
    values = ids(world)
    response = client.post(path.format(**values), json=fill(body, values),
                           headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(Expense.id)) is None and db.session.scalar(select(ChangeRequest.id)) is None


def test_api_report_with_photos_as_multipart(client, world):
    import json

    _t, plain = create_token(world["manager"], "t", actor=world["manager"])
    db.session.commit()
    values = ids(world)
    body = {"narrative": "第二阶段：健康讲座两场，附照片。", "outputs": {"探访": 20},
            "activities": [{"held_on": values["today"], "place": "和平社区活动室", "participants": 30}]}
    response = client.post(f"/api/v1/milestones/{values['m1']}/reports", content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {plain}"},
                           data={"data": json.dumps(body), "activity-0-photos": (io.BytesIO(PNG_BYTES), "1.png"),
                                 "evidence": (io.BytesIO(PDF_BYTES), "签到表.pdf")})
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert len(report["activities"][0]["photos"]) == 1 and len(report["evidence"]) == 1
    bad = client.post(f"/api/v1/milestones/{values['m1']}/reports", content_type="multipart/form-data",
                      headers={"Authorization": f"Bearer {plain}"}, data={"data": "[1]"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "bad_json"
