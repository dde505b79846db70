"""The contract PDF as the services issue it, with no call to projects.contract_document from the test: both sides
confirm (contracts.confirm), and the contract in force carries a PDF stating its amount in capitals and both signers;
an officer approves a change (contract_changes.transition_change), and the contract points at a new PDF, version 2,
whose earlier copy's verification page names it. Real WeasyPrint output, read back with pypdf."""

from datetime import timedelta

from sqlalchemy import select

from accounts.enums import Role
from audit.documents import IssuedDocument
from core.db import db
from core.money import fen_in_capitals, format_fen
from core.timeutil import format_local, local_today
from projects import contract_changes, contracts
from projects.contract_change_models import ChangeStatus
from projects.contract_models import ContractStatus
from tests.factories import make_user
from tests.projects.contract_helpers import awarded_decision, plan
from tests.projects.test_contract_document import text_of


def document(code: str) -> IssuedDocument:
    return db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == code))


def test_signing_and_an_approved_change_each_issue_the_contract_pdf(app, client, session):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today() - timedelta(days=1),
                                            local_today() + timedelta(days=365), plan(), [40, 30, 30], "",
                                            actor=officer, amount_fen=11_999_999)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        assert contract.document_code is None  # one side only: nothing issued yet
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    assert contract.status == ContractStatus.ACTIVE and contract.document_code
    signed_code = contract.document_code
    signed = text_of(document(signed_code))
    assert f"{format_fen(11_999_999)}（大写：{fen_in_capitals(11_999_999)}）" in signed
    assert "人民币壹拾壹万玖仟玖佰玖拾玖元玖角玖分" in signed
    officer_at, org_at = (format_local(at).replace(" ", "")
                          for at in (contract.officer_confirmed_at, contract.org_confirmed_at))
    assert f"经办人：{officer.display_name}确认时间：{officer_at}" in signed
    assert f"{contract.org.name}经办人：{manager.display_name}确认时间：{org_at}" in signed
    assert "第2版" not in signed

    approver = make_user(Role.OFFICER, display_name="变更审批员")
    source, target = contract.lines[0], contract.lines[1]
    with app.test_request_context():
        change = contract_changes.request_change(contract, contract_changes.ChangeInput(
            "budget", "增加活动物资。", from_line_id=source.id, to_line_id=target.id, amount_fen=200_000),
            actor=manager)
        assert contract.document_code == signed_code  # asked only: the PDF stands
        contract_changes.transition_change(change, ChangeStatus.APPROVED, actor=approver, reason="同意调整。")
    assert contract.version == 2 and contract.document_code != signed_code
    amended_code = contract.document_code
    amended = text_of(document(amended_code))
    assert "第2版（根据经批准的合同变更修订" in amended and "变更审批员" in amended
    assert f"经办人：{officer.display_name}" in amended and f"经办人：{manager.display_name}" in amended
    db.session.commit()
    page = client.get(f"/verify/{signed_code}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    newer = page[page.index('id="doc-newer"'):][:800]
    assert f"/verify/{amended_code}" in newer
    assert 'id="doc-newer"' not in client.get(f"/verify/{amended_code}").get_data(as_text=True)
