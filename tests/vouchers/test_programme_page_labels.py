"""The programme page: the reconciliation's first line is the amount issued (it read '签发时间', 'time of issue', the
audit page's sense of 'Issued'), and closing the programme, which revokes every unspent voucher for good, asks first."""

import re

from core.db import db

from .helpers import world


def test_reconciliation_says_issued_amount_and_closing_asks_for_confirmation(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)
    page = client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    assert re.search(r"<th>已发放</th><td[^>]*id=\"recon-issued\">¥200\.00<", page)
    assert "签发时间" not in page
    close_form = re.search(r'<form[^>]*to=closed[^>]*>|<form[^>]*/status/closed[#"][^>]*>', page).group(0)
    assert "data-confirm=" in close_form and "不能重新开启" in close_form
