"""Corrections to settlement statements: a statement drawn up or approved is withdrawn with a reason (its redemptions
can go on a new statement; it stays, withdrawn); a paid one is not. A paid statement's payment reference is
corrected with a reason, the old and the new kept in its event and shown; a statement PDF issued before is issued
again. The provider's members are told when their statement is approved, paid, withdrawn or corrected."""

import json

import pytest
from sqlalchemy import select

from accounts.enums import Role
from accounts.notifications import Notification
from audit.documents import IssuedDocument, superseded_by
from core.db import db
from core.errors import Conflict, Forbidden, ServiceError
from tests.factories import make_user
from tests.vouchers.helpers import events
from tests.vouchers.test_settlement import settled_month  # noqa: F401  (the fixture)
from tests.vouchers.test_statement_pdf_provider_change import pdf_text
from vouchers import settlement, settlement_corrections, statement_facts
from vouchers.enums import SettlementStatus
from vouchers.redemption_models import Redemption


def drawn_up(settled):
    w, _redemptions, _dispute, later = settled
    [ready] = settlement.settleable(w.programme, now=later)
    return w, settlement.prepare_settlement(w.programme, w.org, ready.period, actor=w.officer, now=later), later


def paid(settled, reference="BANK-2026-11-O1"):
    w, statement, later = drawn_up(settled)
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference=reference)
    return w, statement, later


def notices(user, code: str) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.code == code)))


def lines_of(statement) -> set[int]:
    return set(db.session.scalars(select(Redemption.id).where(Redemption.settlement_id == statement.id)))


@pytest.mark.parametrize("approve_first", [False, True])
def test_a_withdrawn_statement_gives_its_redemptions_back_for_a_new_one(settled_month, approve_first):  # noqa: F811
    w, statement, later = drawn_up(settled_month)
    lines = lines_of(statement)
    if approve_first:
        settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    settlement_corrections.withdraw_settlement(statement, "  金额按错误月份汇总  ", actor=w.officer)
    assert statement.status == SettlementStatus.WITHDRAWN and lines_of(statement) == set()
    assert (statement.total_fen, statement.redemption_count) == (3000, 2)  # as it was drawn up
    [event] = events("voucher.settlement_withdrawn")
    data = json.loads(event.data)
    assert (data["from"], data["to"], data["reason"]) == (
        "approved" if approve_first else "draft", "withdrawn", "金额按错误月份汇总")
    assert set(data["redemption_ids"]) == lines
    [ready] = settlement.settleable(w.programme, now=later)
    assert (ready.redemptions, ready.total_fen) == (2, 3000)
    again = settlement.prepare_settlement(w.programme, w.org, ready.period, actor=w.officer, now=later)
    assert (again.seq, lines_of(again)) == (2, lines)
    [note] = notices(w.manager, "voucher.settlement_withdrawn")
    assert "金额按错误月份汇总" in note.text and note.link.endswith(f"/settlements/{statement.id}")
    [withdrawal] = statement_facts.corrections(statement)
    assert (withdrawal.action, withdrawal.by.id, set(withdrawal.redemption_ids)) == ("withdrawn", w.officer.id, lines)


def test_withdrawal_needs_a_reason_and_an_officer_and_a_statement_not_paid(settled_month):  # noqa: F811
    w, statement, _later = paid(settled_month)
    with pytest.raises(Conflict):
        settlement_corrections.withdraw_settlement(statement, "付错了", actor=w.officer)
    assert statement.status == "paid" and lines_of(statement)
    assert not settlement_corrections.can_withdraw(w.officer, statement)


def test_a_refused_withdrawal_changes_nothing(settled_month):  # noqa: F811
    w, statement, _later = drawn_up(settled_month)
    lines = lines_of(statement)
    with pytest.raises(ServiceError) as refused:
        settlement_corrections.withdraw_settlement(statement, "   ", actor=w.officer)
    assert "reason" in refused.value.fields
    with pytest.raises(Forbidden):
        settlement_corrections.withdraw_settlement(statement, "不对", actor=w.manager)
    with pytest.raises(ServiceError):  # the one transition function asks the reason too
        settlement.transition_settlement(statement, SettlementStatus.WITHDRAWN, actor=w.officer)
    assert statement.status == "draft" and lines_of(statement) == lines
    assert events("voucher.settlement_withdrawn") == []
    settlement_corrections.withdraw_settlement(statement, "重复编制", actor=w.officer)
    with pytest.raises(Conflict):  # withdrawn is the end
        settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)


def test_the_provider_members_are_told_of_approval_and_payment(settled_month):  # noqa: F811
    w, statement, _later = paid(settled_month, reference="财付-88")
    [approved] = notices(w.manager, "voucher.settlement_approved")
    [paid_note] = notices(w.manager, "voucher.settlement_paid")
    assert "¥30.00" in approved.text and "财付-88" in paid_note.text
    assert notices(w.officer, "voucher.settlement_paid") == []  # the provider's members, not the officers


def test_a_paid_statement_has_its_payment_reference_corrected_with_the_old_and_new_kept(settled_month):  # noqa: F811
    w, statement, _later = paid(settled_month, reference="BANK-2026-11-O1")
    other = make_user(Role.OFFICER)
    assert settlement_corrections.correct_payment_reference(
        statement, " BANK-2026-11-01 ", "凭证号中的 0 误录为 O", actor=other) is None  # no PDF issued: none again
    assert statement.payment_reference == "BANK-2026-11-01" and statement.status == "paid"
    [event] = events("voucher.settlement_reference_corrected")
    data = json.loads(event.data)
    assert data["changes"] == {"payment_reference": ["BANK-2026-11-O1", "BANK-2026-11-01"]}
    assert data["reason"] == "凭证号中的 0 误录为 O" and event.actor_id == other.id
    [correction] = statement_facts.corrections(statement)
    assert (correction.old, correction.new, correction.by.id) == ("BANK-2026-11-O1", "BANK-2026-11-01", other.id)
    [note] = notices(w.manager, "voucher.settlement_reference_corrected")
    assert "BANK-2026-11-O1" in note.text and "BANK-2026-11-01" in note.text


@pytest.mark.parametrize(("reference", "reason", "fields"), [
    ("", "理由", {"payment_reference"}), ("BANK-3", "", {"reason"}), ("BANK-1", "理由", {"payment_reference"}),
    ("x" * 101, "理由", {"payment_reference"}), ("BANK-2", "长" * 501, {"reason"}),
])
def test_a_refused_correction_changes_nothing(settled_month, reference, reason, fields):  # noqa: F811
    w, statement, _later = paid(settled_month, reference="BANK-1")
    with pytest.raises(ServiceError) as refused:
        settlement_corrections.correct_payment_reference(statement, reference, reason, actor=w.officer)
    assert set(refused.value.fields) == fields
    assert statement.payment_reference == "BANK-1" and events("voucher.settlement_reference_corrected") == []


def test_only_a_paid_statement_and_only_an_officer(settled_month):  # noqa: F811
    w, statement, _later = drawn_up(settled_month)
    with pytest.raises(Conflict):
        settlement_corrections.correct_payment_reference(statement, "BANK-9", "理由", actor=w.officer)
    settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
    settlement.transition_settlement(statement, SettlementStatus.PAID, actor=w.officer, payment_reference="BANK-8")
    with pytest.raises(Forbidden):
        settlement_corrections.correct_payment_reference(statement, "BANK-9", "理由", actor=w.manager)
    assert statement.payment_reference == "BANK-8"


def test_a_statement_pdf_issued_before_is_issued_again_with_the_correction(app, settled_month):  # noqa: F811
    from vouchers import documents

    w, statement, _later = paid(settled_month, reference="BANK-2026-11-O1")
    with app.test_request_context():
        first = documents.issue_statement(statement, actor=w.officer)
        again = settlement_corrections.correct_payment_reference(statement, "BANK-2026-11-01", "误录", actor=w.officer)
    assert again is not None and again.id != first.id and statement.document_code == again.code
    assert superseded_by(db.session.get(IssuedDocument, first.id)).id == again.id
    text = pdf_text(again).replace("\n", "")
    assert "BANK-2026-11-01" in text and "付款凭证号更正" in text and "误录" in text
    assert "BANK-2026-11-01" not in pdf_text(first)
