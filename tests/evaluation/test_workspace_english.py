"""The workspace in English: no Chinese gloss in its rectification wording, and a denied fee receipt's note in the
reader's brackets (it had full-width brackets in every language)."""

from core.timeutil import local_today
from projects import contract_reports
from projects.contract_report_input import FeeInput, ReportInput
from projects.contract_report_models import ReceiptStatus
from tests.evaluation.project_helpers import commissioned
from tests.factories import make_user


def _fees(page: str) -> str:
    return page.split('id="fees"')[1].split("</ul>")[0]


def test_a_denied_fee_note_takes_the_brackets_of_the_language(app, client, login_as):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    payee = make_user()
    with app.test_request_context():
        fee = FeeInput("expert_fee", "", 50_000, local_today(), username=payee.username)
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            "完成入户探访 300 人次。", outputs={"探访": 300}, fees=[fee]), actor=manager)
        contract_reports.review_report(report, True, "", actor=officer)
        contract_reports.transition_receipt(report.fees[0], ReceiptStatus.DENIED, actor=payee, reason="未收到")
    login_as(ev)
    path = f"/evaluations/{evaluation.id}/workspace"
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "</strong>（未收到）</li>" in _fees(chinese)
    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "</strong> (未收到)</li>" in _fees(english) and "（" not in _fees(english)
    assert '<h2 class="h5 mt-3">Rectification</h2>' in english and "整改" not in english
