"""The correction pages of a settlement statement: an officer withdraws a statement not yet paid, with the reason (a
refusal is the form again, 422, and changes nothing), and corrects a paid statement's payment reference; the
statement page then shows the withdrawal or the old and new reference. A provider's member reads, never corrects."""

from sqlalchemy import select

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from vouchers import settlement
from vouchers.enums import SettlementStatus
from vouchers.redemption_models import Redemption, Settlement

from .test_views import scene  # noqa: F401  (fixture)

EN = {"Accept-Language": "en"}


def statement(scene):  # noqa: F811
    return db.session.get(Settlement, scene.settlement.id)


def test_an_officer_withdraws_a_drawn_up_statement_with_a_reason(scene, client, login_as):  # noqa: F811
    login_as(scene.w.officer)
    base = f"/vouchers/settlements/{scene.settlement.id}"
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert 'id="withdraw-link"' in page and 'id="correct-reference-link"' not in page
    form = client.get(f"{base}/withdraw", headers=EN)
    assert form.status_code == 200 and 'id="withdraw-form"' in form.get_data(as_text=True)
    refused = client.post(f"{base}/withdraw", data={"reason": "   "}, headers=EN)
    assert refused.status_code == 422
    assert "Give the reason for withdrawing the statement." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert statement(scene).status == "draft"
    done = client.post(f"{base}/withdraw", data={"reason": "按错误的月份编制"})
    assert done.status_code == 302 and done.headers["Location"].endswith(base)
    db.session.expire_all()
    assert statement(scene).status == SettlementStatus.WITHDRAWN
    assert db.session.scalar(select(Redemption.id).where(Redemption.settlement_id == scene.settlement.id)) is None
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert 'id="withdrawn-note"' in page and "按错误的月份编制" in page and 'id="withdrawn-by"' in page
    assert 'id="statement-pdf"' not in page and 'id="withdraw-link"' not in page and 'id="approve"' not in page
    chinese = client.get(base).get_data(as_text=True)
    assert "已撤回" in chinese and "撤回结算单" not in chinese  # the state, in Chinese; no second withdrawal offered
    again = client.post(f"{base}/withdraw", data={"reason": "再撤一次"}, headers=EN)
    assert again.status_code == 422 and "withdrawn" in again.get_data(as_text=True)


def test_a_provider_member_cannot_withdraw_or_correct(scene, client, login_as):  # noqa: F811
    login_as(scene.member)
    base = f"/vouchers/settlements/{scene.settlement.id}"
    assert 'id="withdraw-link"' not in client.get(base).get_data(as_text=True)
    assert client.get(f"{base}/withdraw").status_code == 403
    assert client.post(f"{base}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"{base}/payment-reference", data={"payment_reference": "B", "reason": "x"}).status_code == 403
    db.session.expire_all()
    assert statement(scene).status == "draft"


def test_an_officer_corrects_a_paid_statements_reference_and_the_page_shows_both(app, scene, client,  # noqa: F811
                                                                                  login_as):
    with app.test_request_context():
        found = statement(scene)
        settlement.transition_settlement(found, SettlementStatus.APPROVED, actor=scene.w.officer)
        settlement.transition_settlement(found, SettlementStatus.PAID, actor=make_user(Role.OFFICER),
                                         payment_reference="ICBC-2026-O7")
        db.session.commit()
    login_as(scene.w.officer)
    base = f"/vouchers/settlements/{scene.settlement.id}"
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert 'id="correct-reference-link"' in page and 'id="withdraw-link"' not in page
    assert client.get(f"{base}/withdraw", headers=EN).get_data(as_text=True).count('id="correction-not-allowed"') == 1
    same = client.post(f"{base}/payment-reference", data={"payment_reference": "ICBC-2026-O7", "reason": "误录"},
                       headers=EN)
    assert same.status_code == 422 and "already recorded" in same.get_data(as_text=True)
    done = client.post(f"{base}/payment-reference", data={"payment_reference": "ICBC-2026-07", "reason": "字母 O 误录"})
    assert done.status_code == 302
    db.session.expire_all()
    assert statement(scene).payment_reference == "ICBC-2026-07"
    page = client.get(base, headers=EN).get_data(as_text=True)
    assert "from ICBC-2026-O7 to ICBC-2026-07" in page and "字母 O 误录" in page
    client.post("/logout")
    login_as(scene.member)  # the provider reads the correction too
    assert "ICBC-2026-O7" in client.get(base).get_data(as_text=True)
