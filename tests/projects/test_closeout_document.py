"""The close-out account as an official PDF (projects.closeout_document, POST /contracts/<id>/closeout/document):
its figures as the page shows them, in Chinese whatever the issuer's language, recorded with its SHA-256 and
verifiable; issued again after a return as a new version, the earlier one's verification page naming it; who may
issue and download; refused on a contract still in force, changing nothing; the audit events. Real WeasyPrint
output, read back with pypdf."""

import hashlib
import json

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.documents import IssuedDocument
from audit.models import AuditEvent
from core.db import db
from core.money import fen_in_capitals, format_fen
from core.timeutil import local_today
from projects import contract_changes, contract_money, contracts, tranches
from projects.closeout_document import DOC_TYPE, ISSUED, issue_closeout
from projects.contract_change_models import ChangeStatus
from projects.contract_closeout import closeout_account, record_return
from projects.contract_models import ContractStatus
from tests.factories import make_user
from tests.projects.contract_helpers import accepted_report, active_contract, last_event
from tests.projects.test_contract_document import text_of

EN = {"Accept-Language": "en"}
DEDUCTED, SPENT_FIRST, SPENT_THIRD = 100_000, 1_000_000, 234_567


def ended(app):
    """The prebuilt active contract (¥120,000 in tranches of 40/30/30): the first milestone's report accepted, its
    tranche reduced by ¥1,000 and paid (¥47,000), ¥500 moved by an approved budget change from the first line to
    the third, ¥10,000 and ¥2,345.67 spent, the second milestone's report accepted (its tranche payable), then
    terminated."""
    officer, manager, contract = active_contract(app)
    accepted_report(app, contract, officer, manager, index=0)
    with app.test_request_context():
        first, third = contract.lines[0], contract.lines[2]
        change = contract_changes.request_change(
            contract,
            contract_changes.ChangeInput("budget", "活动场次增加", from_line_id=first.id, to_line_id=third.id,
                                         amount_fen=50_000),
            actor=manager)
        contract_changes.transition_change(change, ChangeStatus.APPROVED, actor=officer, reason="同意")
        contract_money.record_expense(contract, first, local_today(), "张明", SPENT_FIRST, None, actor=manager)
        contract_money.record_expense(contract, third, local_today(), "场地方", SPENT_THIRD, None, actor=manager)
        tranches.deduct_tranche(contract.tranches[0], DEDUCTED, "少交一次活动记录", actor=officer)
        contract_money.pay_tranche(contract.tranches[0], "转账001", local_today(), actor=officer)
    accepted_report(app, contract, officer, manager, index=1)
    with app.test_request_context():
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="承接方无力继续履约")
    db.session.commit()
    db.session.expire_all()
    return officer, manager, contract


def closeouts(contract) -> list[IssuedDocument]:
    return list(db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.doc_type == DOC_TYPE, IssuedDocument.target_id == str(contract.id))
        .order_by(IssuedDocument.id)))


def member_of(app, contract, manager):
    from orgs import services as org_services

    member = make_user()
    with app.test_request_context():
        membership = org_services.invite_member(contract.org, member.username, "member", actor=manager)
        org_services.answer_invitation(membership, True, actor=member)
    db.session.commit()
    return member


def test_the_pdf_states_the_account_s_figures_and_verifies(app, session, client, login_as):
    officer, manager, contract = ended(app)
    with app.test_request_context():
        record_return(contract, 654_433, local_today(), "清退-0001", actor=officer)
    db.session.commit()
    login_as(officer)
    posted = client.post(f"/contracts/{contract.id}/closeout/document", headers=EN)  # an English-speaking officer
    assert posted.status_code == 302
    assert posted.location.endswith(f"/contracts/{contract.id}/closeout#closeout-documents")
    [document] = closeouts(contract)
    with app.test_request_context():
        a = closeout_account(contract)
    assert (a.paid_fen, a.deducted_fen, a.spent_fen) == (4_700_000, DEDUCTED, SPENT_FIRST + SPENT_THIRD)
    text = text_of(document)
    assert "政府购买服务项目决算" in text and "第1版" in text and contract.title in text
    assert f"合同金额{format_fen(a.amount_fen)}（大写：{fen_in_capitals(a.amount_fen)}）" in text
    assert f"已拨付{format_fen(4_700_000)}" in text and f"批次扣减（不予拨付）{format_fen(DEDUCTED)}" in text
    assert "已取消的拨付批次（其中合同结束时已可拨付" in text and format_fen(a.cancelled_fen) in text
    assert "经批准变更在预算科目间调整的金额" in text and format_fen(50_000) in text
    assert f"已支出（按预算科目登记的支出）{format_fen(a.spent_fen)}" in text
    assert f"结余（已拨付减已支出）{format_fen(a.balance_fen)}" in text  # ¥34,654.33
    assert f"已清退{format_fen(654_433)}" in text and f"尚待清退{format_fen(a.outstanding_fen)}" in text
    assert "清退-0001" in text and "转账001" in text and "少交一次活动记录" in text
    for line in a.lines:  # spending by budget line
        assert f"{line.line.item}{format_fen(line.signed_fen)}" in text and format_fen(line.spent_fen) in text
    assert f"经办人{officer.display_name}" in text
    assert "Close-out" not in text and "Paid" not in text  # Chinese, whoever issues it
    # recorded with its SHA-256 and verifiable in public
    assert document.sha256 == hashlib.sha256(document.content).hexdigest() and document.issuer_id == officer.id
    assert document.title == f"项目决算：{contract.title}（第 1 版）"
    client.get("/logout")
    verify = client.get(f"/verify/{document.code}").get_data(as_text=True)
    assert document.title in verify and document.sha256 in verify and 'id="doc-newer"' not in verify
    checked = client.post(f"/verify/{document.code}", data={"sha256": document.sha256})
    assert 'data-matched="yes"' in checked.get_data(as_text=True)
    # the audit events: the document's own, and the contract's naming its version
    event = last_event(ISSUED)
    data = json.loads(event.data)
    assert (event.actor_id, event.target_type, event.target_id) == (officer.id, "contracts", str(contract.id))
    assert (data["code"], data["version"], data["sha256"]) == (document.code, 1, document.sha256)
    assert data["returns"] == 1 and data["outstanding_fen"] == a.outstanding_fen
    assert json.loads(last_event("document.issued").data)["doc_type"] == DOC_TYPE


def test_a_return_after_issue_makes_a_new_version_and_the_first_is_superseded(app, session, client, login_as):
    officer, manager, contract = ended(app)
    login_as(officer)
    url = f"/contracts/{contract.id}/closeout"
    assert 'id="closeout-none"' in client.get(url, headers=EN).get_data(as_text=True)
    assert client.post(f"{url}/document").status_code == 302
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Version 1 is current: it states the account as it stands." in page and 'id="issue-closeout"' not in page
    # asked again, nothing changed: the version issued is the answer, nothing is recorded
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    again = client.post(f"{url}/document", headers=EN, follow_redirects=True).get_data(as_text=True)
    assert "has not changed since version 1 was issued" in again
    assert len(closeouts(contract)) == 1 and db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    # a return recorded: the page says the current version is out of date, and a new one is issued
    with app.test_request_context():
        record_return(contract, 500_000, local_today(), "清退-0002", actor=officer)
    db.session.commit()
    assert "第 1 版为当前版本，但签发后其所载内容已有变化" in client.get(url).get_data(as_text=True)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Version 1 is current, but what it states has changed" in page and "Issue a new version (PDF)" in page
    client.post(f"{url}/document")
    first, second = closeouts(contract)
    assert second.title.endswith("（第 2 版）") and "清退-0002" in text_of(second) and "清退-0002" not in text_of(first)
    page = client.get(url, headers=EN).get_data(as_text=True)
    assert "Version 2 is current" in page
    current, older = page.index('id="closeout-version-2"'), page.index('id="closeout-version-1"')
    assert current < older and "Current version" in page[current:older] and "Current version" not in page[older:]
    assert "Superseded by a later version" in page[older:]
    verify = client.get(f"/verify/{first.code}").get_data(as_text=True)
    assert 'id="doc-newer"' in verify and second.code in verify
    assert 'id="doc-newer"' not in client.get(f"/verify/{second.code}").get_data(as_text=True)
    assert json.loads(last_event(ISSUED).data)["version"] == 2


@pytest.mark.parametrize(
    ("who", "issue", "download"),
    [
        ("officer", 302, 200),
        ("auditor", 403, 200),
        ("manager", 403, 200),
        ("member", 403, 200),
        ("outsider", 404, 403),
        ("resident", 404, 403),
    ],
)
def test_who_issues_and_who_downloads(app, session, client, login_as, who, issue, download):
    officer, manager, contract = ended(app)
    with app.test_request_context():
        issued = issue_closeout(contract, actor=officer).version.document
    db.session.commit()
    users = {"officer": make_user(Role.OFFICER), "auditor": make_user(Role.AUDITOR), "manager": manager,
             "outsider": make_user(), "resident": make_user(Role.RESIDENT)}
    if who == "member":
        users["member"] = member_of(app, contract, manager)
    login_as(users[who])
    assert client.post(f"/contracts/{contract.id}/closeout/document").status_code == issue
    assert len(closeouts(contract)) == 1  # (the officer's click found the account unchanged)
    got = client.get(f"/documents/{issued.code}.pdf")
    assert got.status_code == download
    if download == 200:
        assert got.mimetype == "application/pdf" and got.data == issued.content
        page = client.get(f"/contracts/{contract.id}/closeout").get_data(as_text=True)
        assert f"/documents/{issued.code}.pdf" in page and ('id="issue-closeout"' in page) is False


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_file(app, session, client):
    officer, manager, contract = ended(app)
    with app.test_request_context():
        issued = issue_closeout(contract, actor=officer).version.document
    db.session.commit()
    got = client.get(f"/documents/{issued.code}.pdf")
    assert got.status_code == 302 and "login" in got.location


def test_issuing_on_a_contract_in_force_is_refused_and_changes_nothing(app, session, client, login_as):
    officer, manager, contract = active_contract(app)
    db.session.commit()
    login_as(officer)  # (its login is an event too)
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    documents = db.session.scalar(select(func.count()).select_from(IssuedDocument))
    refused = client.post(f"/contracts/{contract.id}/closeout/document", headers=EN)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert 'id="refusal"' in page and "drawn up once the contract is completed or terminated" in page
    assert closeouts(contract) == [] and db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == documents
    zh = client.post(f"/contracts/{contract.id}/closeout/document")
    assert zh.status_code == 409 and "合同结项或终止后，才生成项目决算。" in zh.get_data(as_text=True)


def test_a_long_title_is_shortened_to_fit_the_record(app, session):
    officer, manager, contract = ended(app)
    contract.title = "长" * 200
    with app.test_request_context():
        document = issue_closeout(contract, actor=officer).version.document
    assert len(document.title) == 200 and document.title.endswith("…（第 1 版）")
