"""Two requests that loaded the same object before either committed (a double click, two officers at once) cannot
both act on it: the transition functions lock the row and read its status again (core.db.lock_row), so the second
sees the first's decision and is refused. Simulated here in one session: the object as the second request loaded it
is kept aside while the first request's decision commits, then used."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.documents import IssuedDocument
from audit.models import AuditEvent
from core.db import db
from core.errors import Conflict
from core.timeutil import local_today
from projects import calls, contract_changes, contract_reports, contracts, proposals
from projects.contract_change_models import ChangeRequest, ChangeStatus
from projects.contract_models import Contract, Milestone, MilestoneReport, ReportStatus, Tranche, TrancheStatus
from projects.contract_report_input import ReportInput
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call, Proposal, ProposalVersion
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract, awarded_decision, plan
from tests.projects.helpers import call_data, good_org, published_call, ready_proposal
from tests.vouchers.helpers import world
from tests.vouchers.test_settlement import redeem
from vouchers import ledger, settlement
from vouchers.enums import SettlementStatus
from vouchers.programmes import period_bounds, period_of
from vouchers.redemption_models import LedgerEntry, Settlement


def loaded_before(model, ident, first_request):
    """The object as a request loaded it before first_request (another request's work, committed) ran."""
    mine = db.session.get(model, ident)
    db.session.expunge(mine)  # keeps the values it was loaded with
    first_request(db.session.get(model, ident))
    db.session.commit()
    db.session.expunge(db.session.get(model, ident))
    db.session.add(mine)  # back, with its old values: as the second request still holds it
    return mine


def a_statement(w) -> Settlement:
    """A draft statement of one redemption of ¥15 made early this month, looked at after its dispute window."""
    start, end = period_bounds(period_of())
    redeem(w, 1500, "p1", at=start + timedelta(hours=1))
    return settlement.prepare_settlement(w.programme, w.org, period_of(start), actor=w.officer,
                                         now=end + timedelta(days=8))


def test_a_statement_is_paid_once(session):
    w = world()
    statement = a_statement(w)
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    db.session.commit()

    def pay(reference):
        return lambda found: settlement.transition_settlement(found, SettlementStatus.PAID, actor=w.officer,
                                                              payment_reference=reference)

    mine = loaded_before(Settlement, statement.id, pay("财付A"))
    with pytest.raises(Conflict):
        pay("财付B")(mine)
    db.session.rollback()
    rows = db.session.scalars(select(LedgerEntry.amount_fen).where(LedgerEntry.settlement_id == statement.id)).all()
    assert rows == [1500] and db.session.get(Settlement, statement.id).payment_reference == "财付A"
    assert ledger.check() == []


def test_a_report_returned_while_another_officer_accepts_it_releases_no_money(app, session):
    officer, manager, contract = active_contract(app)
    with app.test_request_context():
        report = contract_reports.submit_report(contract.milestones[0], ReportInput(
            "本阶段工作已完成，详见附件。", outputs={"探访": 10}), actor=manager)
    db.session.commit()
    milestone_id = report.milestone_id
    with app.test_request_context():
        mine = loaded_before(MilestoneReport, report.id, lambda found: contract_reports.review_report(
            found, False, "请补充签到表", actor=officer))
        with pytest.raises(Conflict):
            contract_reports.review_report(mine, True, "", actor=officer)
    db.session.rollback()
    assert db.session.get(MilestoneReport, report.id).status == ReportStatus.RETURNED
    assert db.session.get(Milestone, milestone_id).accepted_at is None
    assert db.session.scalar(select(func.count(Tranche.id)).where(Tranche.milestone_id == milestone_id,
                                                                   Tranche.status != TrancheStatus.PENDING)) == 0


def test_the_ledger_check_holds_each_paid_statement_to_one_settle_row(session):
    """A second settle row (what a double payment would have left) is a difference the nightly check reports."""
    w = world()
    statement = a_statement(w)
    assert ledger.check() == []  # a draft owes nothing yet
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference="财付A")
    assert ledger.check() == []
    ledger.add_entries([{"programme_id": w.programme.id, "provider_org_id": w.org.id, "kind": "settle",
                         "amount_fen": 1500, "settlement_id": statement.id, "actor_id": w.officer.id}])
    [mismatch] = ledger.check()
    assert (mismatch.what, mismatch.id, mismatch.stored_fen, mismatch.ledger_fen) == ("settlement", statement.id,
                                                                                       1500, 3000)


def test_a_budget_change_moves_money_once(app, session):
    officer, manager, contract = active_contract(app)
    source, target = contract.lines[0], contract.lines[1]
    before = (source.budget_fen, target.budget_fen)
    with app.test_request_context():
        change = contract_changes.request_change(contract, contract_changes.ChangeInput(
            "budget", "活动场次增加，需要调整预算", from_line_id=source.id, to_line_id=target.id, amount_fen=50_000),
            actor=manager)
    db.session.commit()
    with app.test_request_context():
        mine = loaded_before(ChangeRequest, change.id, lambda found: contract_changes.transition_change(
            found, ChangeStatus.REJECTED, actor=officer, reason="理由不足"))
        with pytest.raises(Conflict):
            contract_changes.transition_change(mine, ChangeStatus.APPROVED, actor=officer, reason="同意")
    db.session.rollback()
    db.session.expire_all()
    assert (source.budget_fen, target.budget_fen) == before and contract.version == 1


def test_both_sides_confirming_at_once_activate_the_contract(app, session):
    officer, decision, manager = awarded_decision(app)
    with app.test_request_context():
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "", actor=officer)
    db.session.commit()
    with app.test_request_context():
        mine = loaded_before(Contract, contract.id, lambda found: contracts.confirm(
            found, actor=manager, terms=contracts.terms_digest(found)))
        # it had not seen the organisation's confirmation
        contracts.confirm(mine, actor=officer, terms=contracts.terms_digest(mine))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == "active"


def test_a_proposal_submitted_twice_at_once_is_submitted_once(app, session):
    """A double click on "submit": the second request, holding the draft it loaded, froze a second version."""
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        manager = make_user()
        proposal = ready_proposal(published_call(officer), good_org(manager, officer), manager)
    db.session.commit()

    def submit(found):
        proposals.transition_proposal(found, ProposalStatus.SUBMITTED, actor=manager)

    with app.test_request_context():
        mine = loaded_before(Proposal, proposal.id, submit)
        with pytest.raises(Conflict):
            submit(mine)
    db.session.rollback()
    assert db.session.scalar(select(func.count(ProposalVersion.id)).where(
        ProposalVersion.proposal_id == proposal.id)) == 1


def test_a_call_published_twice_at_once_is_announced_once(app, session):
    """Two officers (or a double click) publishing the same draft: the second issued a second announcement PDF."""
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        call = calls.create_call(call_data(), actor=officer)
    db.session.commit()

    def publish(found):
        calls.transition_call(found, CallStatus.PUBLISHED, actor=officer)

    with app.test_request_context():
        mine = loaded_before(Call, call.id, publish)
        with pytest.raises(Conflict):
            publish(mine)
    db.session.rollback()
    assert db.session.scalar(select(func.count(IssuedDocument.id)).where(
        IssuedDocument.doc_type == "call_announcement", IssuedDocument.target_id == str(call.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action == "call.published", AuditEvent.target_id == str(call.id))) == 1
