"""A draft contract can be corrected (QA: only its budget lines could be, and terminating the draft blocked the
award for good): until both sides have signed, the officer edits every term through the drawing-up form, filled, under
the same rules; the audit trail records each term before and after. Any change to a draft's terms (budget lines or the
rest) withdraws both confirmations given (an officer's confirmation stood for figures a colleague changed afterwards,
and the PDF named her 经办人), tells whoever had confirmed, and the contract page says so. The sides are named as the
contract names them: 购买方（甲方） and 承接方（乙方）."""

import html
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from projects import contract_drafts, contracts
from projects.contract_models import Milestone
from tests.factories import logout, make_user
from tests.projects.contract_helpers import drawn_contract, last_event

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
TODAY = local_today()


@pytest.fixture
def drawn(app, session):
    """A contract drawn up (¥120,000 from today for a year; milestones 中期 and 末期; 40/30/30), awaiting both
    signatures: (officer, manager, contract)."""
    return drawn_contract(app, "甲方按季度抽查。")


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def terms_form(amount="120000", starts_on=TODAY, ends_on=TODAY + timedelta(days=365), clauses="甲方按季度抽查。",
               milestones=(("中期", TODAY + timedelta(days=60), "中期报告", ""),
                           ("末期", TODAY + timedelta(days=300), "总结报告", "")),
               tranches=((40, 0), (30, 1), (30, "final"))) -> dict:
    data = {"amount": amount, "starts_on": str(starts_on), "ends_on": str(ends_on), "clauses": clauses}
    for i, row in enumerate(milestones):
        data |= dict(zip((f"milestone-{i}-{name}" for name in ("title", "due_on", "deliverables", "evidence")),
                         map(str, row), strict=True))
    for i, (share, link) in enumerate(tranches):
        data |= {f"tranche-{i}-percent": str(share), f"tranche-{i}-milestone": str(link)}
    return data


def value_of(page: str, name: str) -> str | None:
    if found := re.search(rf'<input [^>]*name="{name}"[^>]*value="([^"]*)"', page):
        return found[1]
    if found := re.search(rf'<textarea [^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S):
        return found[1].strip()
    if found := re.search(rf'<select [^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', found[1])
        return chosen and chosen[1]
    return None


def snapshot(contract) -> tuple:
    db.session.expire_all()
    return (contracts.terms_digest(contract), contract.org_confirmed_at, contract.officer_confirmed_at,
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def notices(user, code: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.code == code)))


def test_the_edit_page_is_the_drawing_up_form_filled_with_the_draft(client, login_as, drawn):
    officer, _manager, contract = drawn
    login_as(officer)
    response = client.get(f"/contracts/{contract.id}/edit", headers=ZH)
    page = text(response)
    assert response.status_code == 200
    assert "修改合同草案" in page and 'id="save-draft"' in page and 'id="draw-up"' not in page
    assert value_of(page, "amount") == "120000.00"
    assert value_of(page, "starts_on") == str(TODAY)
    assert value_of(page, "ends_on") == str(TODAY + timedelta(days=365))
    assert value_of(page, "clauses") == "甲方按季度抽查。"
    assert [value_of(page, f"milestone-{i}-title") for i in range(3)] == ["中期", "末期", ""]
    assert value_of(page, "milestone-1-due_on") == str(TODAY + timedelta(days=300))
    assert value_of(page, "milestone-0-deliverables") == "中期报告"
    assert [value_of(page, f"tranche-{i}-percent") for i in range(3)] == ["40", "30", "30"]
    assert [value_of(page, f"tranche-{i}-milestone") for i in range(3)] == ["0", "1", "final"]
    assert 'data-confirm' not in page.split('id="save-draft"', 1)[1].split(">", 1)[0]  # nobody has confirmed


def test_the_officer_corrects_every_term_of_the_draft(app, client, login_as, drawn):
    officer, manager, contract = drawn
    login_as(officer)
    new_start, new_end = TODAY + timedelta(days=10), TODAY + timedelta(days=400)
    data = terms_form(amount="100,000", starts_on=new_start, ends_on=new_end, clauses="乙方每月提交台账。",
                      milestones=(("启动", new_start + timedelta(days=30), "启动报告", "签到表"),
                                  ("中期", new_start + timedelta(days=150), "中期报告", ""),
                                  ("末期", new_start + timedelta(days=350), "总结报告", "")),
                      tranches=((30, 0), (20, 1), (20, 2), (30, "final")))
    response = client.post(f"/contracts/{contract.id}/edit", headers=EN, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract.id}")
    db.session.expire_all()
    assert (contract.amount_fen, contract.starts_on, contract.ends_on) == (10_000_000, new_start, new_end)
    assert contract.clauses == "乙方每月提交台账。" and contract.status == "draft" and contract.version == 1
    assert [(m.title, m.deliverables, m.evidence_required) for m in contract.milestones] == [
        ("启动", "启动报告", "签到表"), ("中期", "中期报告", ""), ("末期", "总结报告", "")]
    ids = [m.id for m in contract.milestones]
    assert [(t.percent, t.amount_fen, t.milestone_id) for t in contract.tranches] == [
        (30, 3_000_000, ids[0]), (20, 2_000_000, ids[1]), (20, 2_000_000, ids[2]), (30, 3_000_000, None)]
    assert sum(line.budget_fen for line in contract.lines) == 10_000_000  # scaled from the proposal again
    event = last_event("contract.draft_edited")
    assert event.actor_id == officer.id and event.target_id == str(contract.id)
    changes = json.loads(event.data)["changes"]
    assert changes["amount_fen"] == [12_000_000, 10_000_000]
    assert changes["starts_on"] == [str(TODAY), str(new_start)]
    assert changes["percents"] == [[40, 30, 30], [30, 20, 20, 30]]
    assert changes["clauses"] == ["甲方按季度抽查。", "乙方每月提交台账。"]
    assert [m[0] for m in changes["milestones"][1]] == ["启动", "中期", "末期"]
    # Both sides sign what is now there.
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    assert contract.status == "active"


def test_fewer_milestones_and_the_same_amount_keep_the_lines_as_adjusted(app, client, login_as, drawn):
    officer, _manager, contract = drawn
    budgets = {line.id: line.budget_fen for line in contract.lines}
    first, second = list(budgets)[:2]
    budgets[first], budgets[second] = budgets[first] - 100_000, budgets[second] + 100_000
    with app.test_request_context():
        contracts.edit_lines(contract, budgets, actor=officer)
    db.session.commit()
    login_as(officer)
    data = terms_form(milestones=(("全程", TODAY + timedelta(days=200), "总结报告", ""),),
                      tranches=((60, 0), (40, "final")))
    assert client.post(f"/contracts/{contract.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert [m.title for m in contract.milestones] == ["全程"]
    assert db.session.scalar(select(func.count(Milestone.id)).where(Milestone.contract_id == contract.id)) == 1
    assert [(t.percent, t.amount_fen, t.milestone_id) for t in contract.tranches] == [
        (60, 7_200_000, contract.milestones[0].id), (40, 4_800_000, None)]
    assert {line.id: line.budget_fen for line in contract.lines} == budgets  # the rebalancing stands


@pytest.mark.parametrize(("change", "field", "reason"), [
    ({"amount": "120000.01"}, "amount", "The contract amount is at most the amount awarded (¥120,000.00)."),
    ({"amount": "0"}, "amount", "Enter an amount above zero."),
    ({"milestone-1-due_on": str(TODAY + timedelta(days=400))}, None, "The due date falls within the contract"),
    ({"tranche-2-percent": "20"}, None, "The tranche percentages must add up to exactly 100 (now 90)."),
])
def test_a_refused_edit_keeps_what_was_typed_and_changes_nothing(client, login_as, drawn, change, field, reason):
    officer, _manager, contract = drawn
    login_as(officer)
    before = snapshot(contract)
    data = terms_form(clauses="改过的条款") | change
    response = client.post(f"/contracts/{contract.id}/edit", headers=EN, data=data)
    page = text(response)
    assert response.status_code == 422
    assert reason in page
    if field:
        assert reason in page.split(f'id="{field}-error"', 1)[1].split("</div></div>", 1)[0]
    assert value_of(page, "clauses") == "改过的条款"  # as typed
    assert snapshot(contract) == before


def test_drawing_up_takes_an_amount_within_the_award(client, login_as, app, session):
    from tests.projects.contract_helpers import awarded_decision

    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    page = text(client.get(f"/contracts/new/{decision.id}", headers=EN))
    assert value_of(page, "amount") == "120000.00"
    over = client.post(f"/contracts/new/{decision.id}", headers=EN, data=terms_form(amount="130000"))
    assert over.status_code == 422 and "at most the amount awarded (¥120,000.00)" in text(over)
    assert client.post(f"/contracts/new/{decision.id}", data=terms_form(amount="90000")).status_code == 302
    drafted = json.loads(last_event("contract.drafted").data)
    assert drafted["amount_fen"] == 9_000_000 and sum(fen for _item, fen in drafted["lines"]) == 9_000_000


def test_saving_the_same_terms_changes_nothing_and_keeps_the_confirmations(app, client, login_as, drawn):
    officer, manager, contract = drawn
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
    db.session.commit()
    login_as(officer)
    before = snapshot(contract)
    response = client.post(f"/contracts/{contract.id}/edit", headers=EN, data=terms_form())
    assert response.status_code == 302
    assert snapshot(contract) == before and before[1] is not None
    assert "Nothing changed." in text(client.get(f"/contracts/{contract.id}", headers=EN))


def test_an_edit_withdraws_both_confirmations_and_tells_who_gave_them(app, client, login_as, drawn):
    officer, manager, contract = drawn
    colleague = make_user(Role.OFFICER)
    with app.test_request_context():
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    db.session.commit()
    login_as(colleague)
    page = text(client.get(f"/contracts/{contract.id}/edit", headers=ZH))
    assert "已作出的确认将被撤回" in page.split('id="save-draft"', 1)[1].split(">", 1)[0]  # asks first
    assert client.post(f"/contracts/{contract.id}/edit", data=terms_form(clauses="新条款")).status_code == 302
    db.session.expire_all()
    assert contract.officer_confirmed_at is None and contract.officer_confirmed_by_id is None
    assert json.loads(last_event("contract.draft_edited").data)["officer_confirmation_withdrawn"] is True
    [notice] = notices(officer, "contract.draft_edited")
    assert notice.link == f"/contracts/{contract.id}/confirm"
    assert notices(manager, "contract.draft_edited") == []  # the organisation had not confirmed
    assert notices(colleague, "contract.draft_edited") == []
    logout(client)
    login_as(officer)
    page = text(client.get(f"/contracts/{contract.id}", headers=ZH))
    assert "购买方（甲方）：未确认" in page and 'id="confirm"' in page  # she confirms again, having read it
    assert "购买方（甲方）的确认已撤回" in page.split('id="terms-changed"', 1)[1]


def test_changed_budget_lines_withdraw_the_officers_confirmation_too(app, client, login_as, drawn):
    """QA's walk: the officer confirmed, a colleague rebalanced the lines, the page still said the officer had
    confirmed, and the signed PDF named her 经办人 for figures she never saw."""
    officer, manager, contract = drawn
    colleague = make_user(Role.OFFICER)
    with app.test_request_context():
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    db.session.commit()
    login_as(colleague)
    page = text(client.get(f"/contracts/{contract.id}", headers=ZH))
    button = page.split('id="save-lines"', 1)[1].split(">", 1)[0]
    assert 'data-confirm="确定保存预算科目吗？已作出的确认将被撤回' in button
    first, second = contract.lines[0], contract.lines[1]
    data = {f"line-{line.id}": str((line.budget_fen + {first.id: -100_000, second.id: 100_000}.get(line.id, 0))
                                   / 100) for line in contract.lines}
    response = client.post(f"/contracts/{contract.id}/lines", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert contract.officer_confirmed_at is None and contract.org_confirmed_at is None
    event = json.loads(last_event("contract.lines_edited").data)
    assert event["officer_confirmation_withdrawn"] is True and event["org_confirmation_withdrawn"] is False
    assert len(notices(officer, "contract.lines_edited")) == 1
    page = text(client.get(f"/contracts/{contract.id}", headers=ZH))
    assert "购买方（甲方）：未确认" in page and "承接方（乙方）：未确认" in page
    assert 'id="terms-changed"' in page
    assert "data-confirm" not in page.split('id="save-lines"', 1)[1].split(">", 1)[0]  # nothing left to undo
    # The organisation confirms, the officer confirms again: the PDF's 经办人 is the one who saw these figures.
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=colleague, terms=contracts.terms_digest(contract))
    assert contract.status == "active" and contract.officer_confirmed_by_id == colleague.id


def test_the_confirmations_are_named_as_the_contract_names_the_sides(app, client, login_as, drawn):
    _officer, manager, contract = drawn
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
    db.session.commit()
    login_as(manager)
    page = text(client.get(f"/contracts/{contract.id}", headers=ZH))
    assert "购买方（甲方）：未确认" in page.split('id="officer-confirmed"', 1)[1].split("</span>", 1)[0]
    assert "承接方（乙方）：✔ 已确认" in page.split('id="org-confirmed"', 1)[1].split("</span>", 1)[0]
    assert "工作人员：" not in page
    assert 'id="edit-draft"' not in page and 'id="terms-changed"' not in page
    english = text(client.get(f"/contracts/{contract.id}", headers=EN))
    assert "Purchaser (Party A): not confirmed" in english and "Provider (Party B): ✔ confirmed" in english


def test_only_an_officer_edits_and_only_a_draft(app, client, login_as, drawn):
    officer, manager, contract = drawn
    login_as(manager)
    assert client.get(f"/contracts/{contract.id}/edit").status_code == 403
    assert client.post(f"/contracts/{contract.id}/edit", data=terms_form(clauses="x")).status_code == 403
    logout(client)
    login_as(make_user())  # not of the organisation: the contract does not exist for them
    assert client.get(f"/contracts/{contract.id}/edit").status_code == 404
    logout(client)
    with app.test_request_context():
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
    db.session.commit()
    login_as(officer)
    response = client.get(f"/contracts/{contract.id}/edit", headers=EN)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract.id}")
    before = snapshot(contract)
    refused = client.post(f"/contracts/{contract.id}/edit", headers=EN, data=terms_form(clauses="签署后改"))
    assert refused.status_code == 409 and "ask for a budget or schedule change" in text(refused)
    assert snapshot(contract) == before
    assert 'id="edit-draft"' not in text(client.get(f"/contracts/{contract.id}"))


def test_terms_changed_while_the_signer_read_them_are_not_signed(app, drawn):
    """confirm() reads every term again under the lock, not only the lines: a due date changed by another request
    (a statement the loaded objects do not see) makes the digest shown stale."""
    _officer, manager, contract = drawn
    with app.test_request_context():
        shown = contracts.terms_digest(contract)
        milestone = contract.milestones[0]
        db.session.execute(sa.update(Milestone).where(Milestone.id == milestone.id)
                           .values(due_on=milestone.due_on + timedelta(days=1))
                           .execution_options(synchronize_session=False))
        with pytest.raises(Conflict) as refused:
            contracts.confirm(contract, actor=manager, terms=shown)
        assert refused.value.code == "terms_changed" and contract.org_confirmed_at is None
        with pytest.raises(Conflict):  # the contract's own columns too
            db.session.execute(sa.text("UPDATE contracts SET clauses = 'x' WHERE id = :id"), {"id": contract.id})
            contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))


def test_the_service_refuses_a_non_officer_and_a_signed_contract(app, drawn):
    from core.errors import Forbidden

    officer, manager, contract = drawn
    plans = [contracts.MilestonePlan("中期", TODAY + timedelta(days=60))]
    with app.test_request_context():
        with pytest.raises(Forbidden):
            contract_drafts.edit_draft(contract, TODAY, TODAY + timedelta(days=365), plans, [50, 50], "",
                                       actor=manager)
        contracts.confirm(contract, actor=manager, terms=contracts.terms_digest(contract))
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        with pytest.raises(Conflict):
            contract_drafts.edit_draft(contract, TODAY, TODAY + timedelta(days=365), plans, [50, 50], "",
                                       actor=officer)


def test_terminating_a_draft_says_what_it_means(client, login_as, drawn):
    officer, _manager, contract = drawn
    login_as(officer)
    page = text(client.get(f"/contracts/{contract.id}", headers=EN))
    assert "To correct a mistake in the terms, edit the draft instead." in page.split('id="terminate-draft-note"')[1]
    button = re.search(r'<button class="btn btn-danger" type="submit" data-confirm="([^"]*)"', page)[1]
    assert button.startswith("Terminate this draft? Its award ends with it")
    assert re.search(rf'href="/contracts/{contract.id}/edit"[^>]*id="edit-draft"', page)


def test_asking_to_change_the_amount_says_what_is_possible(app, client, contract_world):
    """It said to terminate the contract and draw up a new one, which the award does not allow."""
    from accounts.tokens import create_token

    _officer, manager, contract = contract_world
    _token, plain = create_token(manager, "t", actor=manager)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}", **EN}
    response = client.post(f"/api/v1/contracts/{contract.id}/changes", headers=headers,
                           json={"kind": "amount", "reason": "追加", "amount_fen": 1})
    body = response.get_json()["error"]
    assert response.status_code == 409 and body["code"] == "amount_fixed"
    assert "Terminate" not in body["message"] and "budget change" in body["message"]
