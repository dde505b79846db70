"""An advance payment (预付款): at most one, the first tranche, at most half the contract; payable once the contract
comes into force (not before), audited; paid through the usual flow with the two-person rule (its approver does not
pay it too); cancelled with its contract; shown with its kind on the page, in the CSV, the PDF's terms and the API.
The drawing-up form keeps an advance chosen without its share where it was typed (it came back after the other
rows, and so was no longer first) and says when each kind of tranche is paid."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit import services as audit
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import local_today
from projects import contract_drafts, contract_money, contracts
from projects.advance_payment import RELEASED
from projects.contract_forms import contract_rows
from projects.contract_models import Contract, ContractStatus, TrancheKind, TrancheStatus
from tests.factories import make_user
from tests.projects.contract_helpers import awarded_decision, bearer, draft_form, last_event, plan
from tests.projects.contract_helpers import shown_beside as beside
from tests.projects.test_contract_draft_rows import value_of

TODAY = local_today()
END = TODAY + timedelta(days=365)
MID, LATE = TODAY + timedelta(days=120), TODAY + timedelta(days=300)
ROWS = [("中期", MID), ("末期", LATE)]


def _with_advance(app):
    """A draft of ¥120,000 with an advance of 30%, then 30, 20 and 20 for the two milestones and the final
    evaluation: (officer, manager, contract)."""
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, TODAY - timedelta(days=1), END, plan(), [30, 20, 20], "",
                                            actor=officer, advance_percent=30)
    return officer, manager, contract


def _sign(app, contract, *signers):
    with app.test_request_context():
        for signer in signers:
            contracts.confirm(contract, actor=signer, terms=contracts.terms_digest(contract))


def _count() -> tuple[int, int]:
    return (db.session.scalar(select(func.count(Contract.id))),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_an_advance_drawn_up_through_the_form_is_the_first_tranche(app, client, login_as, session):
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/contracts/new/{decision.id}", headers={"Accept-Language": "en"},
                           data=draft_form(TODAY, END, [ROWS[0]], [(30, "advance"), (40, 0), (30, "final")]))
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.proposal_id == decision.proposal_id))
    assert [(t.kind, t.percent, t.amount_fen, t.milestone_id) for t in contract.tranches] == [
        ("advance", 30, 3_600_000, None), ("milestone", 40, 4_800_000, contract.milestones[0].id),
        ("final", 30, 3_600_000, None)]
    assert audit.decoded_data(last_event("contract.drafted"))["advance_percent"] == 30
    # Editing the draft: the form comes back with the advance chosen in the first row.
    assert contract_rows(contract).tranches[0] == {"percent": "30", "milestone": "advance"}


@pytest.mark.parametrize(("tranches", "key", "reason"), [
    ([(20, "advance"), (20, "advance"), (30, 0), (30, "final")], "tranche-1-milestone",
     "Only one tranche is an advance payment."),
    ([(40, 0), (30, "advance"), (30, "final")], "tranche-1-milestone",
     "The advance payment is the first tranche: choose it in the first row."),
    ([(60, "advance"), (20, 0), (20, "final")], "tranche-0-percent",
     "An advance payment is at most 50% of the contract amount."),
])
def test_the_form_refuses_a_second_advance_one_not_first_and_one_above_the_cap(app, client, login_as, session,
                                                                               tranches, key, reason):
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    before = _count()
    response = client.post(f"/contracts/new/{decision.id}", headers={"Accept-Language": "en"},
                           data=draft_form(TODAY, END, [ROWS[0]], tranches))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert beside(page, key) == reason
    assert _count() == before  # nothing drawn up


SHARE_MISSING = "Enter the share as a whole number of percent, e.g. 40."


def _rows_shown(page: str, n: int) -> list[tuple[str, str]]:
    return [(value_of(page, f"tranche-{k}-percent"), value_of(page, f"tranche-{k}-milestone")) for k in range(n)]


def test_an_advance_chosen_without_its_share_comes_back_first_with_the_share_asked_for(app, client, login_as, session):
    """It came back after the other rows (not first any more, so typing its share there was refused as an advance
    not in the first row), and nothing said its share was missing but the total."""
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    before = _count()
    response = client.post(f"/contracts/new/{decision.id}", headers={"Accept-Language": "en"},
                           data=draft_form(TODAY, END, [ROWS[0]], [("", "advance"), (40, 0), (30, "final")]))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and _count() == before
    assert _rows_shown(page, 4) == [("", "advance"), ("40", "0"), ("30", "final"), ("", "")]  # as typed, then spare
    assert beside(page, "tranche-0-percent") == SHARE_MISSING
    assert beside(page, "tranche-0-milestone") is None  # it is first
    assert beside(page, "tranches") == "The tranche percentages must add up to exactly 100 (now 70)."
    # The page as shown, with the share typed in the advance's row: drawn up, the advance first.
    data = draft_form(TODAY, END, [ROWS[0]], [(30, "advance"), *_rows_shown(page, 3)[1:]])
    response = client.post(f"/contracts/new/{decision.id}", headers={"Accept-Language": "en"}, data=data)
    assert response.status_code == 302
    contract = db.session.scalar(select(Contract).where(Contract.proposal_id == decision.proposal_id))
    assert [(t.kind, t.percent) for t in contract.tranches] == [("advance", 30), ("milestone", 40), ("final", 30)]


def test_an_advance_chosen_without_its_share_after_a_tranche_stays_there_with_both_reasons(app, client, login_as,
                                                                                          session):
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/contracts/new/{decision.id}", headers={"Accept-Language": "en"},
                           data=draft_form(TODAY, END, [ROWS[0]], [(40, 0), ("", "advance"), (60, "final")]))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert _rows_shown(page, 3) == [("40", "0"), ("", "advance"), ("60", "final")]
    assert beside(page, "tranche-1-percent") == SHARE_MISSING
    assert beside(page, "tranche-1-milestone") == ("The advance payment is the first tranche: choose it in the "
                                                   "first row.")


@pytest.mark.parametrize(("language", "said"), [
    ("en", ["Each tranche is a share of ¥120,000.00: an advance payment (if any) is paid once the contract is in force",
            "a milestone's tranche once that milestone's report is accepted",
            "the last tranche after the final evaluation"]),
    ("zh-CN", ["每批按比例从 ¥120,000.00 中拨付：预付款（如有）在合同生效后拨付", "里程碑款在该里程碑的报告通过后拨付",
               "最后一批在终期评估后拨付"]),
])
def test_the_sentence_above_the_tranches_says_when_each_kind_is_paid(app, client, login_as, session, language, said):
    """It said only that a tranche is paid once its milestone's report is accepted, which an advance is not."""
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    page = html.unescape(client.get(f"/contracts/new/{decision.id}", headers={"Accept-Language": language}).text)
    sentence = page.split('id="tranche-base"', 1)[1].split("</p>", 1)[0]
    text, unread = sentence.split(">", 1)[1], sentence.split('data-unread="', 1)[1].split('"', 1)[0]
    assert all(part in text for part in said)
    assert all(part in unread for part in said[1:])  # the amount field unreadable: the same, without the amount


def test_the_cap_is_said_in_chinese_beside_the_share(app, client, login_as, session):
    officer, decision, _manager = awarded_decision(app)
    db.session.commit()
    login_as(officer)
    response = client.post(f"/contracts/new/{decision.id}", headers={"Accept-Language": "zh-CN"},
                           data=draft_form(TODAY, END, [ROWS[0]], [(51, "advance"), (19, 0), (30, "final")]))
    assert response.status_code == 422
    assert beside(html.unescape(response.get_data(as_text=True)), "tranche-0-percent") == "预付款最多为合同金额的 50%。"


def test_the_service_refuses_an_advance_above_the_cap(app, session):
    officer, decision, _manager = awarded_decision(app)
    with app.test_request_context(), pytest.raises(ServiceError) as refused:
        contracts.draft_contract(decision, TODAY, END, plan(), [20, 29], "", actor=officer, advance_percent=51)
    assert "advance" in refused.value.fields


def test_the_advance_becomes_payable_when_the_contract_comes_into_force_and_not_before(app, session):
    officer, manager, contract = _with_advance(app)
    advance = contract.tranches[0]
    _sign(app, contract, manager)
    db.session.refresh(advance)
    assert advance.status == TrancheStatus.PENDING  # one side's confirmation: not in force yet
    assert last_event(RELEASED) is None
    _sign(app, contract, officer)
    for t in contract.tranches:
        db.session.refresh(t)
    assert contract.status == ContractStatus.ACTIVE
    assert [t.status for t in contract.tranches] == ["payable", "pending", "pending", "pending"]
    event = last_event(RELEASED)
    assert audit.decoded_data(event) == {"tranche_id": advance.id, "amount_fen": 3_600_000}
    assert event.seq > last_event("contract.active").seq  # payable because it is in force


def test_the_advance_is_paid_through_the_usual_flow_with_the_two_person_rule(app, session):
    officer, manager, contract = _with_advance(app)
    second = make_user(Role.OFFICER)
    _sign(app, contract, manager, officer)
    advance = contract.tranches[0]
    previous = app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"]
    app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = 3_000_000  # the advance (3.6M fen) is above
    try:
        with app.test_request_context():
            with pytest.raises(Conflict):
                contract_money.pay_tranche(advance, "预付001", TODAY, actor=officer)  # not approved yet
            with pytest.raises(ServiceError) as refused:  # dated before the contract came into force
                contract_money.pay_tranche(advance, "预付001", TODAY - timedelta(days=1), actor=second)
            assert "paid_on" in refused.value.fields
            contract_money.approve_tranche(advance, actor=officer)
            contract_money.pay_tranche(advance, "预付001", TODAY, actor=second)
    finally:
        app.config["TWO_PERSON_APPROVAL_ABOVE_FEN"] = previous
    db.session.refresh(advance)
    db.session.refresh(contract)
    assert (advance.status, advance.paid_by_id, contract.paid_fen) == ("paid", second.id, 3_600_000)
    assert audit.decoded_data(last_event("contract.tranche_paid"))["tranche_id"] == advance.id


def test_the_officer_who_approved_the_advance_cannot_also_pay_it(app, client, login_as, session, monkeypatch):
    """The two-person rule holds for every tranche above the threshold; the advance is one of them."""
    officer, manager, contract = _with_advance(app)
    _sign(app, contract, manager, officer)
    advance = contract.tranches[0]
    monkeypatch.setitem(app.config, "TWO_PERSON_APPROVAL_ABOVE_FEN", 3_000_000)  # the advance (3.6M fen) is above
    with app.test_request_context():
        contract_money.approve_tranche(advance, actor=officer)
        with pytest.raises(Forbidden):
            contract_money.pay_tranche(advance, "预付001", TODAY, actor=officer)
    db.session.commit()
    login_as(officer)
    events = _count()[1]
    response = client.post(f"/contracts/tranches/{advance.id}/pay",
                           data={"paid_on": str(TODAY), "reference": "预付001"})
    assert response.status_code == 403
    db.session.refresh(advance)
    db.session.refresh(contract)
    assert (advance.status, advance.approved_by_id, advance.paid_by_id, contract.paid_fen) == (
        "payable", officer.id, None, 0)
    assert _count()[1] == events and last_event("contract.tranche_paid") is None


@pytest.mark.parametrize("signed", [False, True])
def test_a_contract_terminated_before_the_advance_is_paid_cancels_it(app, session, signed):
    officer, manager, contract = _with_advance(app)
    if signed:
        _sign(app, contract, manager, officer)
    with app.test_request_context():
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="承接方放弃")
    for t in contract.tranches:
        db.session.refresh(t)
    assert [t.status for t in contract.tranches] == ["cancelled"] * 4


def test_editing_a_draft_adds_or_removes_the_advance(app, session):
    officer, manager, contract = _with_advance(app)
    with app.test_request_context():
        assert contract_drafts.edit_draft(contract, contract.starts_on, END, plan(), [40, 30, 30], "", actor=officer)
    assert [(t.kind, t.percent) for t in contract.tranches] == [("milestone", 40), ("milestone", 30), ("final", 30)]
    with app.test_request_context():
        contract_drafts.edit_draft(contract, contract.starts_on, END, plan(), [30, 30, 20], "", actor=officer,
                                   advance_percent=20)
    assert [t.kind for t in contract.tranches] == ["advance", "milestone", "milestone", "final"]
    assert contract.tranches[1].milestone_id == contract.milestones[0].id


def test_a_drafts_page_and_confirmation_say_the_advance_waits_for_the_contract_in_force(app, client, login_as, session):
    officer, manager, contract = _with_advance(app)
    db.session.commit()
    login_as(officer)
    page = html.unescape(client.get(f"/contracts/{contract.id}").get_data(as_text=True))
    assert "预付款" in page and "合同生效后可支付" in page  # a draft's advance waits for the contract to be in force
    confirm = html.unescape(client.get(f"/contracts/{contract.id}/confirm").get_data(as_text=True))
    assert "预付款：合同生效后" in confirm


def test_in_force_the_page_csv_and_api_say_it_is_an_advance(app, client, login_as, session):
    officer, manager, contract = _with_advance(app)
    _sign(app, contract, manager, officer)
    db.session.commit()
    login_as(officer)
    csv = client.get(f"/contracts/{contract.id}/money.csv", headers={"Accept-Language": "en"}, buffered=True)
    assert "Advance payment: once the contract is in force" in csv.get_data(as_text=True)
    page = html.unescape(client.get(f"/contracts/{contract.id}", headers={"Accept-Language": "en"})
                         .get_data(as_text=True))
    assert "Advance payment" in page and "payable once the contract is in force" not in page  # payable now
    answer = client.get(f"/api/v1/contracts/{contract.id}", headers=bearer(officer)).get_json()
    assert [t["kind"] for t in answer["tranches"]] == ["advance", "milestone", "milestone", "final"]
    assert answer["tranches"][0]["status"] == "payable"


def test_existing_kinds_are_what_the_final_tranche_is_found_by(app, session):
    officer, manager, contract = _with_advance(app)
    from projects.final_tranche import final_tranche

    assert final_tranche(contract).kind == TrancheKind.FINAL  # never the advance, though neither has a milestone


def test_the_contract_pdf_names_the_advance_and_when_it_is_paid(app, session):
    from flask import render_template

    from projects import contract_document

    _officer, _manager, contract = _with_advance(app)
    with app.test_request_context():
        text = render_template(contract_document.TEMPLATE, **contract_document.pdf_context(contract))
    assert text.count("预付款：合同生效后") == 1 and text.count("终期评估合格后") == 1


def test_the_officers_board_lists_the_payable_advance(app, client, login_as, session):
    officer, manager, contract = _with_advance(app)
    _sign(app, contract, manager, officer)
    db.session.commit()
    login_as(officer)
    page = html.unescape(client.get("/contracts/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    payable = page.split('id="payable"', 1)[1].split("</ul>", 1)[0]
    assert "Advance payment" in payable and "36,000.00" in payable


def test_the_closeout_account_of_a_contract_terminated_with_its_advance_payable(app, session):
    from projects.closeout_export import closeout_csv_rows
    from projects.contract_closeout import closeout_account

    officer, manager, contract = _with_advance(app)
    _sign(app, contract, manager, officer)
    with app.test_request_context():
        contracts.transition_contract(contract, ContractStatus.TERMINATED, actor=officer, reason="承接方放弃")
        account = closeout_account(contract)
        rows = closeout_csv_rows(account)
    advance, *others = account.tranches
    assert advance.payable_when_ended and not any(a.payable_when_ended for a in others)
    assert account.payable_cancelled_fen == 3_600_000
    assert next(r[:2] for r in rows if r and r[0] == "第 1 批") == ["第 1 批", "预付款：合同生效后"]


def test_an_advance_is_paid_once_in_force_even_before_the_work_starts(app, session):
    """预付款 is paid after signing, before the work starts (QA walk: a contract starting next week could not record its
    advance, a payment being refused before the start date); other tranches still wait for the start."""
    officer, decision, manager = awarded_decision(app)
    starts = TODAY + timedelta(days=7)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, starts, END, plan(), [30, 20, 20], "", actor=officer,
                                            advance_percent=30)
    _sign(app, contract, manager, officer)
    advance = contract.tranches[0]
    with app.test_request_context():
        assert contract_money.payment_date_problem(advance, TODAY) is None
        assert contract_money.payment_date_problem(contract.tranches[1], TODAY) is not None  # before the start
        contract_money.pay_tranche(advance, "预付002", TODAY, actor=officer)
    db.session.refresh(advance)
    assert (advance.status, advance.paid_on) == ("paid", TODAY)
