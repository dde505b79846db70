"""A provider's voucher page lists its settlement statements a page at a time, newest month first, with a way to
the older ones. It showed the latest 24 and nothing more: a provider in three programmes lost sight of its older
statements (and their payment references) after eight months."""

import re

from core.db import db
from core.paging import PER_PAGE
from vouchers.redemption_models import Settlement

from .helpers import world


def shown_periods(page: str) -> list[str]:
    listed = page.split('id="provider-settlements"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"· (\d{4}-\d{2}) 第 1 份</a>", listed)


def test_every_statement_of_a_provider_can_be_reached(app, client, login_as):
    with app.test_request_context():
        w = world()
        months = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(PER_PAGE + 5)]  # 2024-01 … 2026-01
        for month in months:
            db.session.add(Settlement(programme_id=w.programme.id, provider_org_id=w.org.id, period=month, seq=1,
                                      total_fen=5000, redemption_count=1, status="paid", created_by_id=w.officer.id))
        db.session.commit()
    login_as(w.manager)
    first = client.get(f"/vouchers/provider/{w.org.id}").get_data(as_text=True)
    assert shown_periods(first) == sorted(months, reverse=True)[:PER_PAGE]
    assert f'href="/vouchers/provider/{w.org.id}?statements_page=2#provider-settlements"' in first
    second = client.get(f"/vouchers/provider/{w.org.id}?statements_page=2").get_data(as_text=True)
    assert shown_periods(second) == sorted(months, reverse=True)[PER_PAGE:]
    assert "2024-01" in shown_periods(second)
    # an odd page number is no error
    assert client.get(f"/vouchers/provider/{w.org.id}?statements_page=abc").status_code == 200
    assert client.get(f"/vouchers/provider/{w.org.id}?statements_page=99999999999999999999").status_code == 200
