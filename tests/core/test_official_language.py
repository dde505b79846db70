"""Official PDFs are Chinese whatever the language of the person issuing them: labels, figures and titles used to
come out in an English-speaking officer's language, in the middle of a Chinese contract or report."""

import io
from datetime import timedelta

from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from accounts.enums import Role
from audit.documents import IssuedDocument
from core.db import db
from core.timeutil import local_today
from evaluation import project_report
from projects import contracts
from projects.contract_models import ContractLine
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all
from tests.factories import make_user
from tests.projects.contract_helpers import awarded_decision, plan


def pdf_text(code: str) -> str:
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)


def test_a_contract_signed_in_english_names_its_budget_categories_in_chinese(app, session):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context(), force_locale("en"):
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        assert contract.lines[0].category_label in {"Personnel", "Activities", "Management fee"}  # the page's
    text = pdf_text(contract.document_code)
    assert "人员费" in text and "管理费" in text and "活动费" in text
    assert "Personnel" not in text and "Management fee" not in text


def test_the_other_costs_line_reads_as_the_pages_call_it(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert ContractLine(category="other").category_label == "其他费用"  # the PDF used to say 其他


def test_an_evaluation_report_issued_in_english_states_its_figures_in_chinese(app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context(), force_locale("en"):
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 150)})
        project_report.issue_report(evaluation, "项目基本完成合同约定。", [], actor=ev)
    text = pdf_text(evaluation.report_code)
    assert "预算执行率" in text and "待本人确认收款" in text
    assert "Budget execution" not in text and "Receipt" not in text


def test_a_head_certificate_asked_for_in_english_has_a_chinese_title(client, session, login_as):
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)
    client.get("/lang/en")
    response = client.post("/audit/head/certificate")
    assert response.status_code == 302
    document = db.session.scalar(select(IssuedDocument))
    assert document.title == "审计链状态证明"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Verify" in page and "审计链状态证明" in page  # the page in English, the document's title as issued
