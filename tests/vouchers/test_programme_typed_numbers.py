"""The programme form reads amounts and counts as a Chinese user types them ('¥1,000,000', '￥５０元', '３０'):
stored as meant, never refused or emptied; a badly grouped amount is refused beside its field."""

import html

from sqlalchemy import select

from core.db import db
from tests.orgs.helpers import category
from vouchers.models import Programme

from .helpers import world


def _data(**typed) -> dict:
    return {"name": "独居老人服务券", "category_ids": [str(category("elderly").id)], "tags_mode": "any",
            "provider_mode": "open", **typed}


def test_a_programme_typed_as_a_chinese_user_types_it_is_stored_as_meant(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    response = client.post("/vouchers/programmes/new", data=_data(
        budget_fen="¥1,000,000", face_value_fen="￥５０元", vouchers_per_period="２", validity_days="3\u2009650",
        min_age=" ６０ ", resident_cap_fen="1 000.50"))
    assert response.status_code == 302, html.unescape(response.get_data(as_text=True))[-2000:]
    made = db.session.scalar(select(Programme).where(Programme.name == "独居老人服务券"))
    assert (made.budget_fen, made.face_value_fen, made.vouchers_per_period, made.validity_days, made.min_age,
            made.resident_cap_fen) == (100_000_000, 5000, 2, 3650, 60, 100_050)


def test_a_badly_grouped_amount_or_count_is_refused_beside_its_field(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    response = client.post("/vouchers/programmes/new", headers={"Accept-Language": "en"}, data=_data(
        budget_fen="1,00,000", face_value_fen="50", vouchers_per_period="2", validity_days="3,65"))
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Enter an amount in yuan, with at most two decimals." in page.split('id="budget_fen-error"', 1)[1][:300]
    assert "Enter a whole number." in page.split('id="validity_days-error"', 1)[1][:300]
    assert db.session.scalar(select(Programme.id).where(Programme.name == "独居老人服务券")) is None
