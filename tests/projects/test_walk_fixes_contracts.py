"""Fixes from a QA walk (organisation and officer, Chinese, desktop):

- an expense's receipt opens from the contract page ("附票据" was plain text, the file unreachable), for whoever the
  files' route serves, a withdrawn or corrected expense's too;
- the contract PDF names the purchaser (the office, PURCHASER_NAME, and the officer who confirmed for it) and carries
  each milestone's deliverables and required evidence, as confirmed; its verification block stays on page 1 beside
  the confirmations; the contract is always issued by the purchasing side's officer, whoever confirmed last; the
  award notice names the purchaser;
- the organisation's own proposal, submitted, screened or decided, opened at /edit (a bookmark, a second tab):
  its page, saying why, not a bare 403; a form sent there saves nothing and says so;
- an amount too large to be one is refused as too large, with the largest taken, not as "enter an amount in yuan".
"""

import html
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from accounts.enums import Role
from audit.documents import IssuedDocument
from core.db import db, utcnow
from core.money import MAX_FEN, AmountTooLarge, MoneyError, NegativeAmount, format_fen, parse_yuan
from core.timeutil import local_today
from orgs.models import Membership
from projects import calls, contract_money, contracts, proposals
from projects.award_models import AwardDecision
from projects.contract_models import Expense
from projects.enums import CallStatus, ProposalStatus
from projects.models import Proposal
from tests.factories import make_user
from tests.projects.contract_helpers import PNG_BYTES, awarded_decision, build_awarded_decision
from tests.projects.helpers import good_org, published_call, ready_proposal

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
PURCHASER = "幸福街道办事处"
HUGE = "1" + "0" * 23  # yuan: 10^23
TOO_LARGE_ZH = f"金额过大，最多为 {format_fen(MAX_FEN)}。"


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashed(client, response) -> str:
    """The page a redirect leads to, as read after following it."""
    assert response.status_code == 302
    return page_text(client.get(response.location, headers=ZH))


# ------------------------------------------------------------------------------------------------- receipts

def receipt_links(page: str) -> dict[int, str]:
    """Expense id -> the href of its receipt link on the contract page."""
    items = page.split('<li class="mb-3" id="expense-')[1:]
    link = re.compile(r'<a class="expense-receipt[^"]*" href="([^"]+)">附票据</a>')
    return {int(item.split('"', 1)[0]): found[1] for item in items
            if (found := link.search(item.split("</li>", 1)[0]))}


@pytest.fixture
def receipted(app, contract_world):
    """The active contract with an expense carrying a receipt, corrected (the correction keeps the receipt), and one
    without: (officer, manager, contract, old, new, bare)."""
    officer, manager, contract = contract_world
    line = contract.lines[0]
    with app.test_request_context():
        receipt = FileStorage(io.BytesIO(PNG_BYTES), filename="发票.png", content_type="image/png")
        old = contract_money.record_expense(contract, line, local_today(), "和平超市", 50_000, receipt, actor=manager)
        new = contract_money.correct_expense(old, line, local_today(), "和平超市", 45_000, None, actor=manager)
        bare = contract_money.record_expense(contract, line, local_today(), "印刷厂", 8_000, None, actor=manager)
    db.session.commit()
    return officer, manager, contract, old, new, bare


def test_a_receipt_opens_from_the_contract_page_also_a_withdrawn_expenses(client, login_as, receipted):
    officer, manager, contract, old, new, bare = receipted
    db.session.expire_all()
    old, new = db.session.get(Expense, old.id), db.session.get(Expense, new.id)
    assert old.withdrawn and old.replaced_by_id == new.id and new.receipt_id == old.receipt_id is not None
    member, auditor = make_user(), make_user(Role.AUDITOR)
    db.session.add(Membership(org_id=contract.org_id, user_id=member.id, role="member"))
    db.session.commit()
    href = f"/contracts/files/{old.receipt.key}"
    for user in (manager, member, officer, auditor):
        login_as(user)
        page = page_text(client.get(f"/contracts/{contract.id}", headers=ZH))
        links = receipt_links(page)
        assert links == {old.id: href, new.id: href}, user.username  # the expense without one: no link
        assert re.search(rf'<del class="text-muted">[^<]*<a class="expense-receipt[^"]*" href="{href}">', page)
        opened = client.get(href)
        assert opened.status_code == 200 and opened.data == PNG_BYTES
        client.post("/logout")


def test_no_receipt_link_or_file_for_those_the_route_refuses(client, login_as, receipted):
    """Another organisation's manager and a user of no organisation get neither the page (404) nor the file (404,
    as the route answers: they do not learn it exists)."""
    _officer, _manager, contract, old, _new, _bare = receipted
    href = f"/contracts/files/{db.session.get(Expense, old.id).receipt.key}"
    rival = db.session.scalar(select(Membership).where(Membership.org_id != contract.org_id,
                                                       Membership.role == "manager")).user
    for user in (rival, make_user(), make_user(Role.EVALUATOR)):
        db.session.commit()
        login_as(user)
        page = client.get(f"/contracts/{contract.id}", headers=ZH)
        assert page.status_code == 404 and "expense-receipt" not in page_text(page)
        assert client.get(href).status_code == 404
        client.post("/logout")
    assert client.get(href).status_code == 302  # anonymous: the login page


# ----------------------------------------------------------------------------------------------- contract PDF

MILESTONES = [("中期", 60, "中期报告及活动记录", "签到表、活动照片"),
              ("末期", 300, "服务总结报告", "服务对象满意度调查表")]


def signed(app, *, officer_last: bool, clauses: str = ""):
    """A contract drawn up with deliverables and required evidence, confirmed by both sides in the order asked:
    (officer, manager, contract, its issued document)."""
    officer, decision, manager = awarded_decision(app)
    today = local_today()
    plan = [contracts.MilestonePlan(t, today + timedelta(days=d), deliverables, evidence)
            for t, d, deliverables, evidence in MILESTONES]
    with app.test_request_context():
        contract = contracts.draft_contract(decision, today, today + timedelta(days=365), plan, [40, 30, 30], clauses,
                                            actor=officer)
        for signer in ((manager, officer) if officer_last else (officer, manager)):
            contracts.confirm(contract, actor=signer, terms=contracts.terms_digest(contract))
    db.session.commit()
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == contract.document_code))
    return officer, manager, contract, document


def pages_of(document) -> list[str]:
    return [page.extract_text().replace("\n", "") for page in PdfReader(io.BytesIO(document.content)).pages]


@pytest.fixture
def purchaser(app, monkeypatch):
    monkeypatch.setitem(app.config, "PURCHASER_NAME", PURCHASER)
    return PURCHASER


def test_the_contract_pdf_names_the_purchaser_and_what_each_milestone_delivers(app, purchaser):
    officer, _manager, contract, document = signed(app, officer_last=False)
    pages = pages_of(document)
    text = "".join(pages)
    assert f"购买方（甲方）{purchaser}" in text.replace(" ", "")
    assert f"经办人：{officer.display_name}" in text  # the officer who confirmed for the purchaser
    assert "购买方（甲方）确认" in text and "承接方（乙方）确认" in text
    for title, _days, deliverables, evidence in MILESTONES:
        assert title in text and deliverables in text and evidence in text, title
    # A contract of this size fits one page, its confirmations and verification block with it (the block was
    # pushed alone onto page 2).
    assert len(pages) == 1
    assert "验证码" in pages[0] and document.code[:4] in pages[0] and "经办人" in pages[0]


def test_a_long_contract_keeps_the_verification_block_with_the_confirmations(app, purchaser):
    clause = "双方应当按照本合同约定履行各自的义务，不得擅自变更或者解除合同。"
    clauses = "\n\n".join(f"第{i}条 {clause}" for i in range(1, 40))
    _officer, _manager, _contract, document = signed(app, officer_last=True, clauses=clauses)
    pages = pages_of(document)
    assert len(pages) > 1
    last = pages[-1]
    assert "验证码" in last and "购买方（甲方）确认" in last and "承接方（乙方）确认" in last
    assert all("验证码" not in page for page in pages[:-1])


def test_the_contract_is_issued_by_the_purchasers_officer_whoever_confirmed_last(app, client, purchaser):
    """Confirmed last by the officer in one contract and by the organisation's manager in another: both are issued
    by the officer, as the public verification page says (it named the manager, masked, for the second)."""
    officer_a, _m, _c, by_officer = signed(app, officer_last=True)
    officer_b, manager_b, _c, by_manager = signed(app, officer_last=False)
    assert by_officer.issuer_id == officer_a.id
    assert by_manager.issuer_id == officer_b.id != manager_b.id
    for document, officer in ((by_officer, officer_a), (by_manager, officer_b)):
        page = page_text(client.get(f"/verify/{document.code}", headers=ZH))
        # in the purchaser's name, with the officer who acted for it
        assert re.search(r'id="doc-issuer">([^<]*)<', page)[1] == f"{purchaser}（经办人：{officer.display_name}）"


def test_the_award_notice_names_the_purchaser(app, purchaser):
    _officer, decision, _manager = build_awarded_decision(app)  # (not one built before PURCHASER_NAME was set)
    notice = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == decision.notice_code))
    assert f"采购人：{purchaser}" in "".join(pages_of(notice)).replace(" ", "")


def test_the_verification_page_names_the_purchaser_as_the_award_notices_issuer(app, client, purchaser):
    """Issued when the publicity ends (by no one's action), in the purchaser's name: not "the platform"."""
    _officer, decision, _manager = build_awarded_decision(app)
    for headers, platform in ((ZH, "平台"), (EN, "the platform")):
        page = page_text(client.get(f"/verify/{decision.notice_code}", headers=headers))
        assert re.search(r'id="doc-issuer">([^<]*)<', page)[1] == purchaser != platform


# ------------------------------------------------------------------------------------- proposal edit bookmark

@pytest.fixture
def submitted(app, session):
    """A submitted proposal, its manager, a plain member of its organisation, an officer: (proposal, manager,
    member, officer)."""
    officer, manager, member = make_user(Role.OFFICER), make_user(), make_user()
    org = good_org(manager, officer)
    db.session.add(Membership(org_id=org.id, user_id=member.id, role="member"))
    with app.test_request_context():
        proposal = ready_proposal(published_call(officer), org, manager)
        proposals.transition_proposal(proposal, ProposalStatus.SUBMITTED, actor=manager)
    db.session.commit()
    return proposal, manager, member, officer


def snapshot(proposal) -> tuple:
    db.session.expire_all()
    found = db.session.get(Proposal, proposal.id)
    return found.status, found.title, found.summary, found.current_version


def test_a_submitted_proposals_edit_link_leads_to_its_page_saying_to_withdraw_first(client, login_as, submitted):
    proposal, manager, _member, _officer = submitted
    login_as(manager)
    response = client.get(f"/proposals/{proposal.id}/edit", headers=ZH)
    assert response.location.endswith(f"/proposals/{proposal.id}")
    page = flashed(client, response)
    assert "已提交，如需修改请先撤回。" in page and "您没有执行此操作的权限" not in page
    assert 'id="withdraw-proposal"' in page  # the way to do it is on the page it leads to


def test_a_form_sent_to_a_submitted_proposal_saves_nothing_and_says_so(client, login_as, submitted):
    proposal, manager, _member, _officer = submitted
    before = snapshot(proposal)
    login_as(manager)
    response = client.post(f"/proposals/{proposal.id}/edit", headers=ZH,
                           data={"title": "偷偷改过的标题", "summary": "改过"})
    assert response.location.endswith(f"/proposals/{proposal.id}")
    page = flashed(client, response)
    assert "已提交，如需修改请先撤回。您刚才填写的修改没有保存。" in page
    assert snapshot(proposal) == before and "偷偷改过的标题" not in page
    english = client.post(f"/proposals/{proposal.id}/edit", headers=EN, data={"title": "x"})
    assert "Submitted. To change it, withdraw it first. The changes you typed were not saved." in \
        page_text(client.get(english.location, headers=EN))


def test_a_plain_member_is_told_a_manager_withdraws_it(client, login_as, submitted):
    proposal, _manager, member, _officer = submitted
    login_as(member)
    page = flashed(client, client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert "已提交，如需修改请由组织负责人先撤回。" in page


def test_after_the_deadline_and_after_screening_the_message_says_so(app, client, login_as, submitted):
    proposal, manager, _member, officer = submitted
    call = proposal.call
    call.questions_until = utcnow() - timedelta(days=2)
    call.submission_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login_as(manager)
    page = flashed(client, client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert "申报截止时间已过，已提交的申报书不能再修改。" in page
    with app.test_request_context():
        calls.close_if_due(call)
        proposals.transition_proposal(proposal, ProposalStatus.ELIGIBLE, actor=officer)
    db.session.commit()
    before = snapshot(proposal)
    page = flashed(client, client.post(f"/proposals/{proposal.id}/edit", headers=ZH, data={"title": "改"}))
    assert "申报书已完成资格审查（符合资格），不能再修改。您刚才填写的修改没有保存。" in page
    assert snapshot(proposal) == before


def test_a_decided_proposal_says_the_results_are_decided(app, client, login_as):
    _officer, decision, manager = awarded_decision(app)
    db.session.commit()
    proposal = db.session.get(Proposal, decision.proposal_id)
    assert proposal.call.status == CallStatus.AWARDED
    login_as(manager)
    page = flashed(client, client.get(f"/proposals/{proposal.id}/edit", headers=ZH))
    assert "该项目征集的结果已确定，申报书不能再修改。" in page
    assert db.session.scalar(select(AwardDecision.id).where(AwardDecision.proposal_id == proposal.id))


def test_others_still_get_403_or_404(client, login_as, submitted):
    proposal, _manager, _member, officer = submitted
    login_as(officer)  # staff, not a member: may read it, not edit it
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403
    assert client.post(f"/proposals/{proposal.id}/edit", data={"title": "改"}).status_code == 403
    client.post("/logout")
    stranger = make_user()
    db.session.commit()
    login_as(stranger)
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 404


# ----------------------------------------------------------------------------------------- too large amounts

def test_the_parser_says_too_large_apart_from_not_an_amount():
    with pytest.raises(AmountTooLarge):
        parse_yuan(HUGE)
    with pytest.raises(AmountTooLarge):
        parse_yuan(format_fen(MAX_FEN + 1, symbol=False).replace(",", ""))
    assert parse_yuan(format_fen(MAX_FEN, symbol=False)) == MAX_FEN
    with pytest.raises(NegativeAmount):  # a huge negative is below zero first
        parse_yuan("-" + HUGE)
    with pytest.raises(MoneyError) as caught:
        parse_yuan("1e23")
    assert not isinstance(caught.value, AmountTooLarge)


def test_a_huge_expense_is_refused_as_too_large(client, login_as, contract_world):
    _officer, manager, contract = contract_world
    login_as(manager)
    response = client.post(f"/contracts/{contract.id}/expenses", headers=ZH, data={
        "line_id": contract.lines[0].id, "spent_on": str(local_today()), "payee": "超市", "amount": HUGE})
    page = page_text(response)
    assert response.status_code == 422
    assert TOO_LARGE_ZH in page.split('id="expense-amount-error"', 1)[1].split("</div>", 1)[0]
    assert "请以元为单位" not in page.split('id="expense-amount-error"', 1)[1].split("</div>", 1)[0]
    assert not db.session.scalars(select(Expense).where(Expense.contract_id == contract.id)).all()


def test_a_huge_fee_is_refused_as_too_large(client, login_as, contract_world):
    _officer, manager, contract = contract_world
    login_as(manager)
    response = client.post(f"/contracts/milestones/{contract.milestones[0].id}/report", headers=ZH, data={
        "narrative": "第一阶段的工作已经完成。", "fee-0-kind": "expert_fee", "fee-0-name": "张明",
        "fee-0-phone": "13912345678", "fee-0-amount": HUGE, "fee-0-paid_on": str(local_today())})
    assert response.status_code == 422 and TOO_LARGE_ZH in page_text(response)


def test_a_huge_amount_on_a_money_field_is_refused_as_too_large(client, login_as, draft):
    """The proposal form's co-funding (core.forms.MoneyField, as every page's amount field), in both languages."""
    _officer, manager, _call, proposal = draft
    login_as(manager)
    for headers, message in ((ZH, TOO_LARGE_ZH), (EN, f"The amount is too large: at most {format_fen(MAX_FEN)}.")):
        response = client.post(f"/proposals/{proposal.id}/edit", headers=headers,
                               data={"title": "标题", "co_funding_fen": HUGE})
        page = page_text(response)
        assert response.status_code == 422
        assert message in page.split('id="co_funding_fen-error"', 1)[1].split("</div>", 1)[0]
    db.session.expire_all()
    assert proposal.title != "标题"
