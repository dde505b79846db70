"""Issuing to one ineligible resident: the reasons read as a sentence beside the field and in the banner, never as a
Python list (['该居民…'])."""

from datetime import date

from sqlalchemy import func, select

from accounts.residents import ResidentData, register_without_phone
from core.db import db
from tests.orgs.helpers import community
from vouchers.models import Voucher

from .helpers import id_number, world


def test_the_reasons_a_resident_is_not_eligible_read_as_a_sentence(app, client, login_as):
    with app.test_request_context():
        w = world(min_age=70)
        number = id_number(date(1990, 5, 1), 990, "110105")
        register_without_phone(ResidentData(real_name="年轻居民", id_number=number,
                                            community_id=community("和平社区").id, tags=[]), actor=w.staff)
        db.session.commit()
    login_as(w.officer)
    before = db.session.scalar(select(func.count(Voucher.id)))
    response = client.post(f"/vouchers/programmes/{w.programme.id}/issue",
                           data={"id_number": number, "period": "2026-12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "该居民未满70周岁。" in page
    assert "[&#39;" not in page and "['" not in page and "&#39;]" not in page
    assert db.session.scalar(select(func.count(Voucher.id))) == before
