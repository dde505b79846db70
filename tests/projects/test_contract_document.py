"""The contract PDF as a Chinese contract reads (projects.contract_document): amounts in financial capitals beside
the figures, who confirmed for each side and when, and, after an approved change, the contract issued again with its
version and the list of approved changes. Read from the real WeasyPrint output."""

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from accounts.enums import Role
from audit.documents import IssuedDocument, superseded_by
from core.db import db
from core.money import fen_in_capitals, format_fen
from core.timeutil import format_local
from projects import contract_changes as changes
from projects import contract_document
from projects.contract_change_models import ChangeStatus
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, last_event


def pages_of(document: IssuedDocument) -> list[str]:
    """Each page's text, with the line breaks and spaces pypdf puts into table cells taken out."""
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.content)).pages]


def text_of(document: IssuedDocument) -> str:
    return "".join(pages_of(document))


def documents_about(contract) -> int:
    return db.session.scalar(select(func.count()).select_from(IssuedDocument)
                             .where(IssuedDocument.target_type == "contracts",
                                    IssuedDocument.target_id == str(contract.id)))


def test_the_signed_contract_states_its_amounts_in_capitals_and_who_confirmed_for_each_side(app, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        document = contract_document.issue_signed_contract(contract, actor=manager)
    pages = pages_of(document)
    text = "".join(pages)
    amount = contract.amount_fen
    assert f"{format_fen(amount)}（大写：{fen_in_capitals(amount)}）" in text
    assert len(contract.tranches) == 3
    for tranche in contract.tranches:
        assert f"{format_fen(tranche.amount_fen)}{fen_in_capitals(tranche.amount_fen)}" in text
    # Both sides: the purchaser's officer and the organisation's manager who confirmed, each with the time.
    officer_at, org_at = (format_local(at).replace(" ", "")
                          for at in (contract.officer_confirmed_at, contract.org_confirmed_at))
    assert f"经办人：{officer.display_name}确认时间：{officer_at}" in text
    assert f"{contract.org.name}经办人：{manager.display_name}确认时间：{org_at}" in text
    assert "第1版" not in text and "合同变更" not in text  # as signed: no version line, no changes
    assert len(pages) == 1 and "验证码" in pages[0]  # still one page with its verification block
    assert document.issuer_id == officer.id  # the purchaser's document, whoever's action issued it
    assert (document.doc_type, document.target_id) == ("contract", str(contract.id))


def test_amounts_with_jiao_and_fen_are_written_out_in_the_pdf(app, session):
    officer, _manager, contract = active_contract(app)
    contract.amount_fen = 7_599_993  # ¥75,999.93, split 40/30/30 as drawn up would be
    for tranche, fen in zip(contract.tranches, (3_039_997, 2_279_998, 2_279_998), strict=True):
        tranche.amount_fen = fen
    db.session.flush()
    with app.test_request_context():
        text = text_of(contract_document.issue_signed_contract(contract, actor=officer))
    assert "¥75,999.93（大写：人民币柒万伍仟玖佰玖拾玖元玖角叁分）" in text
    assert "¥30,399.97人民币叁万零叁佰玖拾玖元玖角柒分" in text
    assert text.count("¥22,799.98人民币贰万贰仟柒佰玖拾玖元玖角捌分") == 2


def test_an_approved_change_issues_the_contract_again_at_its_version_listing_the_changes(app, session):
    officer, manager, contract = active_contract(app)
    approver = make_user(Role.OFFICER, display_name="审批科员")
    source, target = contract.lines[0], contract.lines[1]
    before = (source.budget_fen, target.budget_fen)
    milestone = contract.milestones[0]
    old_due, new_due = milestone.due_on, milestone.due_on + timedelta(days=20)
    first_code = contract.document_code
    with app.test_request_context():
        budget = changes.request_change(contract, changes.ChangeInput(
            "budget", "活动场次增加", from_line_id=source.id, to_line_id=target.id, amount_fen=500_000), actor=manager)
        changes.transition_change(budget, ChangeStatus.APPROVED, actor=approver, reason="理由充分")
        second = contract_document.after_change_decided(contract, budget, actor=approver)
        schedule = changes.request_change(contract, changes.ChangeInput(
            "schedule", "活动延后", milestone_id=milestone.id, new_due_on=new_due), actor=manager)
        changes.transition_change(schedule, ChangeStatus.APPROVED, actor=approver, reason="同意延期")
        third = contract_document.after_change_decided(contract, schedule, actor=approver)
    assert contract.version == 3 and contract.document_code == third.code != second.code != first_code
    text = text_of(third)
    assert "第3版（根据经批准的合同变更修订" in text
    approved_on = format_local(contract.amendments[-1].created_at, "%Y-%m-%d")
    assert (f"第2版{approved_on}预算调整：“{source.item}”{format_fen(before[0])}→{format_fen(before[0] - 500_000)}；"
            f"“{target.item}”{format_fen(before[1])}→{format_fen(before[1] + 500_000)}审批科员") in text
    assert f"第3版{approved_on}进度调整：里程碑“{milestone.title}”截止日期{old_due}→{new_due}审批科员" in text
    # The terms themselves are the current ones: the lines' budgets and the milestone's date after the changes.
    assert f"{source.item}{format_fen(before[0] - 500_000)}" in text and f"{new_due}" in text
    # Still signed as it was: both signers, the capitals.
    assert f"经办人：{officer.display_name}" in text and f"经办人：{manager.display_name}" in text
    assert fen_in_capitals(contract.amount_fen) in text
    # Issued by the approving officer and recorded; the earlier copies name the newer one.
    assert third.issuer_id == approver.id and last_event("document.issued").target_id == str(third.id)
    first = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == first_code))
    assert superseded_by(first).id == third.id and superseded_by(second).id == third.id
    assert "第2版（根据经批准的合同变更修订" in text_of(second) and "第3版" not in text_of(second)


def test_a_rejected_or_withdrawn_change_leaves_the_document_as_it_was(app, session):
    officer, manager, contract = active_contract(app)
    code, issued = contract.document_code, documents_about(contract)
    with app.test_request_context():
        for to, actor in ((ChangeStatus.REJECTED, officer), (ChangeStatus.WITHDRAWN, manager)):
            change = changes.request_change(contract, changes.ChangeInput(
                "budget", "调整", from_line_id=contract.lines[0].id, to_line_id=contract.lines[1].id,
                amount_fen=1_000), actor=manager)
            changes.transition_change(change, to, actor=actor, reason="不同意")
            assert contract_document.after_change_decided(contract, change, actor=actor) is None
    assert contract.version == 1 and contract.document_code == code and documents_about(contract) == issued


def test_the_verification_page_of_the_signed_copy_points_to_the_amended_one(app, client, session):
    officer, manager, contract = active_contract(app)
    first_code = contract.document_code
    with app.test_request_context():
        change = changes.request_change(contract, changes.ChangeInput(
            "budget", "调整", from_line_id=contract.lines[0].id, to_line_id=contract.lines[1].id, amount_fen=1_000),
            actor=manager)
        changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意")
        amended = contract_document.after_change_decided(contract, change, actor=officer)
    db.session.commit()
    page = client.get(f"/verify/{first_code}").get_data(as_text=True)
    assert 'id="doc-newer"' in page and f"/verify/{amended.code}" in page
