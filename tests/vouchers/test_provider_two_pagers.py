"""A provider's voucher page pages its redemptions and its settlement statements apart, and each pager's links keep
the other list's page: following the statements' "Next" sent the redemptions back to their first page, and the
other way round. An older link's ?page= still opens that page of redemptions."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from core.db import db, utcnow
from core.paging import PER_PAGE
from vouchers.redemption_models import Redemption, Settlement

from .helpers import world


def links(page: str) -> set[tuple]:
    found = set()
    for link in re.findall(r'class="page-link" href="([^"]+)"', page):
        parts = urlsplit(html.unescape(link))
        found.add((*sorted(parse_qsl(parts.query)), parts.fragment))
    return found


def shown_redemptions(page: str) -> int:
    table = page.split('id="provider-redemptions"', 1)[1].split("</table>", 1)[0]
    return table.count("<tr><td data-label=")


def shown_statements(page: str) -> list[str]:
    listed = page.split('id="provider-settlements"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r"· (\d{4}-\d{2}) 第 1 份</a>", listed)


def test_each_pager_keeps_the_others_page(app, client, login_as):
    with app.test_request_context():
        w = world()
        months = [f"{2024 + i // 12}-{i % 12 + 1:02d}" for i in range(PER_PAGE + 2)]
        for month in months:
            db.session.add(Settlement(programme_id=w.programme.id, provider_org_id=w.org.id, period=month, seq=1,
                                      total_fen=5000, redemption_count=1, status="paid", created_by_id=w.officer.id))
        start = utcnow() - timedelta(days=3)
        for n in range(PER_PAGE + 3):
            db.session.add(Redemption(programme_id=w.programme.id, provider_org_id=w.org.id, resident_id=w.resident.id,
                                      service_id=w.service.id, amount_fen=1000, period=start.strftime("%Y-%m"),
                                      idempotency_key=f"pager-{n}", request_hash="0" * 64,
                                      created_at=start + timedelta(minutes=n)))
        db.session.commit()
    login_as(w.manager)
    base = f"/vouchers/provider/{w.org.id}"
    both = client.get(f"{base}?redemptions_page=2&statements_page=2").get_data(as_text=True)
    assert shown_redemptions(both) == 3
    assert shown_statements(both) == sorted(months, reverse=True)[PER_PAGE:]
    assert links(both) == {(("redemptions_page", "1"), ("statements_page", "2"), "provider-redemptions"),
                           (("redemptions_page", "2"), ("statements_page", "1"), "provider-settlements")}
    first = client.get(base).get_data(as_text=True)
    assert shown_redemptions(first) == PER_PAGE and len(shown_statements(first)) == PER_PAGE
    assert links(first) == {(("redemptions_page", "2"), "provider-redemptions"),
                            (("statements_page", "2"), "provider-settlements")}
    older_link = client.get(f"{base}?page=2&statements_page=2").get_data(as_text=True)
    assert shown_redemptions(older_link) == 3
    assert (("redemptions_page", "2"), ("statements_page", "1"), "provider-settlements") in links(older_link)
