"""Signing a contract (found by a user-journey test: the organisation's manager confirmed from a page that did not
show the clauses). The confirmation page shows everything signed — amount, period, budget, milestones with due
dates, tranches with shares and amounts, output targets, the clauses as the PDF renders them — and a confirmation
without the tick 'I have read the clauses' is refused beside the box (422), the contract unconfirmed."""

import html
import re

import pytest
import sqlalchemy as sa

from core.db import db
from projects import contracts
from projects.contract_models import ContractLine
from projects.permissions import can_confirm_contract
from tests.factories import logout, make_user
from tests.projects.contract_helpers import drawn_contract, last_event
from tests.test_no_duplicate_ids import repeated_ids

ZH = {"Accept-Language": "zh-CN"}
CLAUSES = "1. 乙方应按季度提交**服务台账**。\n2. 甲方可对服务质量进行抽查。\n\n<script>alert(1)</script>"


@pytest.fixture
def drawn(app, session):
    """A contract drawn up, awaiting both signatures: (officer, manager, contract)."""
    return drawn_contract(app, CLAUSES)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def section(page: str, element_id: str) -> str:
    return page.split(f'id="{element_id}"', 1)[1].split("</table>" if "confirm-" in element_id else "</div>", 1)[0]


def test_the_contract_page_sends_the_manager_to_read_before_confirming(client, login_as, drawn):
    _officer, manager, contract = drawn
    login_as(manager)
    page = page_text(client.get(f"/contracts/{contract.id}", headers=ZH))
    assert re.search(rf'<a [^>]*href="/contracts/{contract.id}/confirm"[^>]*id="confirm"', page)
    assert f'<form method="post" action="/contracts/{contract.id}/confirm"' not in page  # no one-click signing
    assert "<strong>服务台账</strong>" in section(page, "clauses")  # the clauses are on the contract page too


def test_the_confirmation_page_shows_everything_signed(client, login_as, drawn):
    _officer, manager, contract = drawn
    login_as(manager)
    response = client.get(f"/contracts/{contract.id}/confirm", headers=ZH)
    page = page_text(response)
    assert response.status_code == 200
    clauses = section(page, "clauses")
    assert "<li>乙方应按季度提交<strong>服务台账</strong>。</li>" in clauses  # Markdown, as in the PDF
    assert "甲方可对服务质量进行抽查。" in clauses
    raw = section(response.get_data(as_text=True), "clauses")
    assert "<script>" not in raw and "&lt;script&gt;alert(1)" in raw  # raw HTML stays text
    assert "¥120,000.00" in page.split('id="contract-amount"', 1)[1]
    milestones = page.split('id="confirm-milestones"', 1)[1].split("</ol>", 1)[0]
    for m in contract.milestones:
        assert m.title in milestones and m.due_on.isoformat() in milestones
    tranches = section(page, "confirm-tranches")
    for t in contract.tranches:
        assert f"{t.percent}%" in tranches
    assert [f"¥{t.amount_fen // 100:,}.00" for t in contract.tranches] == ["¥48,000.00", "¥36,000.00", "¥36,000.00"]
    assert all(f"¥{t.amount_fen // 100:,}.00" in tranches for t in contract.tranches)
    assert f"“{contract.milestones[0].title}”" in tranches and "终期评估后" in tranches
    lines = section(page, "confirm-lines")
    assert all(line.item in lines for line in contract.lines)
    assert 'name="acknowledged"' in page and 'type="checkbox"' in page


def post_confirm(client, contract, **data):
    page = client.get(f"/contracts/{contract.id}/confirm")
    terms = re.search(r'name="terms" type="hidden" value="([0-9a-f]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"/contracts/{contract.id}/confirm", headers=ZH, data={"terms": terms, **data})


def test_confirming_without_the_tick_is_refused_beside_it(client, login_as, drawn):
    _officer, manager, contract = drawn
    login_as(manager)
    response = post_confirm(client, contract)
    page = page_text(response)
    assert response.status_code == 422
    assert "请勾选" in page.split('id="acknowledged-error"', 1)[1].split("</div></div>", 1)[0]
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="acknowledged"[^>]*>', page).group(0)
    assert "<strong>服务台账</strong>" in section(page, "clauses")  # the terms are still there to read
    db.session.expire_all()
    assert contract.org_confirmed_at is None and contract.status == "draft"
    assert last_event("contract.confirmed") is None


def test_confirming_with_the_tick_signs(client, login_as, drawn):
    officer, manager, contract = drawn
    login_as(manager)
    response = post_confirm(client, contract, acknowledged="y")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract.id}")
    db.session.expire_all()
    assert contract.org_confirmed_at is not None and contract.org_confirmed_by_id == manager.id
    assert contract.status == "draft"  # the officer has not signed yet
    logout(client)
    login_as(officer)
    assert post_confirm(client, contract, acknowledged="y").status_code == 302
    db.session.expire_all()
    assert contract.status == "active" and contract.document_code
    assert client.get(f"/contracts/{contract.id}/confirm").status_code == 302  # nothing left to confirm


def test_terms_changed_while_reading_are_not_signed(app, client, login_as, drawn):
    officer, manager, contract = drawn
    login_as(manager)
    page = client.get(f"/contracts/{contract.id}/confirm").get_data(as_text=True)
    terms = re.search(r'name="terms" type="hidden" value="([0-9a-f]+)"', page).group(1)
    first, second = contract.lines[0], contract.lines[1]
    with app.test_request_context():  # the officer moves ¥1,000 between two lines meanwhile
        contracts.edit_lines(contract, {line.id: line.budget_fen + {first.id: -100_000, second.id: 100_000}.get(
            line.id, 0) for line in contract.lines}, actor=officer)
    db.session.commit()
    response = client.post(f"/contracts/{contract.id}/confirm", headers=ZH,
                           data={"terms": terms, "acknowledged": "y"})
    page = page_text(response)
    assert response.status_code == 422
    assert "合同在您阅读期间已更改" in page.split('id="acknowledged-error"', 1)[1]
    assert not re.search(r'<input[^>]*id="acknowledged"[^>]*checked', page)  # to be ticked again, after reading
    db.session.expire_all()
    assert contract.org_confirmed_at is None


def test_the_service_compares_the_terms_with_what_was_committed(app, drawn):
    """The comparison is the service's, after it locks the contract (edit_lines takes the same lock), on the lines
    as they stand: lines loaded before another request's rebalancing (here a statement the loaded objects do not
    see) do not make stale terms look current."""
    from core.errors import Conflict

    officer, manager, contract = drawn
    with app.test_request_context():
        shown = contracts.terms_digest(contract)  # the lines are loaded
        first, second = contract.lines[0], contract.lines[1]
        for line, change in ((first, -100_000), (second, 100_000)):
            db.session.execute(sa.update(ContractLine).where(ContractLine.id == line.id)
                               .values(budget_fen=line.budget_fen + change)
                               .execution_options(synchronize_session=False))
        with pytest.raises(Conflict) as refused:
            contracts.confirm(contract, actor=manager, terms=shown)
        assert refused.value.code == "terms_changed" and contract.org_confirmed_at is None
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        assert contract.org_confirmed_at is not None


def test_a_confirmation_without_the_terms_shown_is_refused(client, login_as, drawn):
    """A crafted POST that leaves the digest out cannot skip the comparison."""
    officer, manager, contract = drawn
    login_as(manager)
    response = client.post(f"/contracts/{contract.id}/confirm", headers=ZH, data={"acknowledged": "y"})
    assert response.status_code == 422 and 'id="acknowledged-error"' in response.text
    db.session.expire_all()
    assert contract.org_confirmed_at is None


def test_someone_with_nothing_to_confirm_is_refused(client, login_as, drawn):
    _officer, manager, contract = drawn
    login_as(manager)
    post_confirm(client, contract, acknowledged="y")
    db.session.expire_all()
    response = client.post(f"/contracts/{contract.id}/confirm",  # the manager again, terms and tick in order
                           data={"terms": contracts.terms_digest(contract), "acknowledged": "y"})
    assert response.status_code == 403
    db.session.expire_all()
    assert contract.officer_confirmed_at is None and contract.status == "draft"


def test_the_confirmation_page_in_english_has_each_id_once(client, login_as, drawn):
    _officer, manager, contract = drawn
    login_as(manager)
    response = client.get(f"/contracts/{contract.id}/confirm", headers={"Accept-Language": "en"})
    page = page_text(response)
    assert "I have read the clauses and all the terms above, and agree to them." in page
    assert "after the report on “中期”" in page
    assert repeated_ids(response.get_data(as_text=True)) == {}


# Who may confirm is decided once (projects.permissions.can_confirm_contract) for the contract page's button, the
# confirmation page and the service: the manager and an officer, each until their side has confirmed.
def button_shown(client, contract) -> bool:
    page = page_text(client.get(f"/contracts/{contract.id}", headers=ZH))
    return re.search(rf'href="/contracts/{contract.id}/confirm"[^>]*id="confirm"', page) is not None


def test_each_side_confirms_once_and_the_pages_agree(app, client, login_as, drawn):
    officer, manager, contract = drawn
    bystander = make_user()
    assert can_confirm_contract(manager, contract) and can_confirm_contract(officer, contract)
    assert not can_confirm_contract(bystander, contract)
    login_as(manager)
    assert button_shown(client, contract)
    assert client.get(f"/contracts/{contract.id}/confirm").status_code == 200
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
    assert contract.org_confirmed_at is not None and contract.officer_confirmed_at is None
    assert not can_confirm_contract(manager, contract) and can_confirm_contract(officer, contract)
    assert not button_shown(client, contract)
    assert client.get(f"/contracts/{contract.id}/confirm").headers["Location"] == f"/contracts/{contract.id}"
    logout(client)
    login_as(officer)
    assert button_shown(client, contract)
    with app.test_request_context():
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    assert contract.status == "active"
    assert not can_confirm_contract(officer, contract) and not can_confirm_contract(manager, contract)
    assert not button_shown(client, contract)


def test_the_confirmation_page_names_each_lines_category(client, login_as, drawn):
    _officer, manager, contract = drawn
    login_as(manager)
    page = page_text(client.get(f"/contracts/{contract.id}/confirm", headers=ZH))
    lines = page.split('id="confirm-lines"', 1)[1].split("</table>", 1)[0]
    shown = re.findall(r'<tr><td class="stack-title">([^<]*)</td><td data-label="支出内容">([^<]*)</td>', lines)
    names = {"personnel": "人员费", "activities": "活动费", "materials": "物资费", "management_fee": "管理费",
             "other": "其他费用"}
    assert shown == [(names[line.category], line.item) for line in contract.lines]


def test_someone_who_may_not_sign_is_refused_as_such_whatever_digest_they_send(app, drawn):
    """The service asked about the terms before the signer: a stranger with a stale digest was told the contract
    had changed (a 409 naming its terms) instead of that they have nothing to confirm."""
    from core.errors import Forbidden

    _officer, _manager, contract = drawn
    stranger = make_user()
    with app.test_request_context(), pytest.raises(Forbidden):
        contracts.confirm(contract, actor=stranger, terms="0" * 64)
    assert contract.org_confirmed_at is None and contract.officer_confirmed_at is None
