"""The resident's voucher list: what can still be spent comes first, with the last day it is good for (a voucher
valid for N days is good through the end of the Nth day after its issue, Beijing time: a date, no minute of a
morning to work out); a fully spent voucher says 'used up', not 'valid'."""

import re

from core.db import db
from core.timeutil import format_until
from vouchers import issuance, redemption

from .helpers import world
from .test_views import phone_resident


def test_spendable_vouchers_first_with_their_expiry_time_and_spent_ones_marked_used_up(app, client, login_as):
    with app.test_request_context():
        w = world()  # 4 x 50 yuan issued to w.resident (no phone); give a phone resident their own
        user, resident = phone_resident(w.staff, "王淑芬")


        vouchers = issuance.issue_to_resident(w.programme, resident, actor=w.officer)
        code, _row = redemption.issue_code(resident, actor=user)
        redemption.redeem(code, w.service, 5000, "spend-one", actor=w.manager)  # the earliest voucher, whole
        db.session.commit()
        expiry = format_until(vouchers[0].expires_at)
    login_as(user)
    page = client.get("/vouchers/me", headers={"Accept-Language": "en"}).get_data(as_text=True)
    rows = [re.sub(r"<[^>]+>", "", row)  # the text as read (a time is kept on one line by an element of its own)
            for row in re.findall(r'<li class="list-group-item[^"]*">(.*?)</li>', page, re.S)]
    assert len(rows) == 4
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", expiry)  # a whole day
    assert all(f"valid until {expiry}" in row and f"{expiry} " not in row for row in rows[:3])
    assert "Used up" in rows[3] and "valid until" not in rows[3] and "Valid" not in rows[3]
    chinese = re.sub(r"<[^>]+>", "", client.get("/vouchers/me").get_data(as_text=True))
    assert "已用完" in chinese and f"有效期至 {expiry}" in chinese


def test_labels_take_a_full_width_colon_in_chinese(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    chinese = client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True)
    english = client.get(f"/vouchers/provider/{w.org.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "居民评分：" in chinese and "居民评分: " not in chinese
    assert "Rating from residents: " in english
