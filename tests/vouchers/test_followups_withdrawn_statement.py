"""A withdrawn settlement statement has no PDF issued for it: its page hides the button, and the service refuses
a POST made anyway (409, a translated reason, nothing issued). A PDF issued before the withdrawal stays readable."""

import pytest
from sqlalchemy import func, select

from accounts.models import User
from audit.documents import IssuedDocument
from core.db import db
from core.errors import Conflict
from vouchers import documents, settlement_corrections
from vouchers.redemption_models import Settlement

from .test_views import scene  # noqa: F401  (fixture)


def statements() -> int:
    return db.session.scalar(select(func.count(IssuedDocument.id))
                             .where(IssuedDocument.doc_type == documents.STATEMENT))


def withdrawn(app, scene):  # noqa: F811
    with app.test_request_context():
        found = db.session.get(Settlement, scene.settlement.id)
        officer = db.session.get(User, scene.w.officer.id)
        settlement_corrections.withdraw_settlement(found, "按错误月份汇总", actor=officer)
        db.session.commit()
    return found


def test_the_service_refuses_a_withdrawn_statement(app, scene):  # noqa: F811
    statement = withdrawn(app, scene)
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}), pytest.raises(Conflict) as refused:
        documents.issue_statement(statement, actor=db.session.get(User, scene.w.officer.id))
    assert refused.value.status == 409 and refused.value.code == "statement_withdrawn"
    assert "撤回" in refused.value.message
    assert statements() == 0


@pytest.mark.parametrize("who", ["member", "officer"])
def test_a_post_to_issue_it_is_refused_with_the_reason(app, scene, client, login_as, who):  # noqa: F811
    statement = withdrawn(app, scene)
    login_as(scene.member if who == "member" else scene.w.officer)
    response = client.post(f"/vouchers/settlements/{statement.id}/statement", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302 and "/documents/" not in response.headers["Location"]
    assert response.headers["Location"].endswith(f"/vouchers/settlements/{statement.id}")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "不再出具结算单 PDF" in page and 'id="statement-pdf"' not in page
    assert statements() == 0


def test_a_pdf_issued_before_the_withdrawal_stays_readable(app, scene, client, login_as):  # noqa: F811
    login_as(scene.member)
    issued = client.post(f"/vouchers/settlements/{scene.settlement.id}/statement").headers["Location"]
    assert "/documents/" in issued
    withdrawn(app, scene)
    assert client.get(issued).status_code == 200
    assert client.post(f"/vouchers/settlements/{scene.settlement.id}/statement").status_code == 302
    assert statements() == 1
