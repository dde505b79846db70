"""Issuing to one resident: an ID number mistyped (a digit off, so its check character fails; too short) is said to
be no valid ID number, to be checked against the card. It read 'No resident is registered with this ID number', as
if the resident had to be registered first. A valid number nobody holds still says that."""

from sqlalchemy import func, select

from core.db import db
from vouchers.models import Voucher

from .helpers import id_number, world


def test_a_mistyped_id_number_is_said_to_be_invalid_not_unregistered(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    pid = w.programme.id
    before = db.session.scalar(select(func.count(Voucher.id)))
    good = id_number()
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")  # the check character wrong
    for typed in (typo, "11010519500301"):
        response = client.post(f"/vouchers/programmes/{pid}/issue", data={"id_number": typed, "period": "2026-12"})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and f'value="{typed}"' in page
        assert "不是有效的居民身份证号" in page and "没有以此身份证号登记的居民" not in page
    response = client.post(f"/vouchers/programmes/{pid}/issue", data={"id_number": good, "period": "2026-12"})
    assert response.status_code == 422 and "没有以此身份证号登记的居民" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Voucher.id))) == before
