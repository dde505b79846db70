"""The programme page pages its issuance runs, disputes and settlement statements apart, and each pager's links keep
the other two lists' pages: following the disputes' "Next" sent the runs and the statements back to their first
page (each pager carried only its own number). The statements' number is ?statements_page= (it was ?page=)."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from core.db import db, utcnow
from core.paging import PER_PAGE
from vouchers.models import IssuanceBatch
from vouchers.redemption_models import Dispute, Redemption, Settlement

from .helpers import world

RUNS_PER_PAGE = 10  # vouchers.pages_support.batches


def pager_links(page: str) -> dict[str, dict]:
    """Each pager's links by the list they lead to (their anchor): {anchor: {"Next": {arg: value}, ...}}."""
    found: dict[str, dict] = {}
    for href, label in re.findall(r'class="page-link" href="([^"]+)">([^<]+)</a>', page):
        parts = urlsplit(html.unescape(href))
        found.setdefault(parts.fragment, {})[label] = dict(parse_qsl(parts.query))
    return found


def section(page: str, element_id: str, end: str) -> str:
    return page.split(f'id="{element_id}"', 1)[1].split(end, 1)[0]


def shown_runs(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/vouchers/batches/(\d+)[?"]', section(page, "batches", "</ul>"))]


def shown_disputes(page: str) -> list[str]:
    return re.findall(r"争议理由(\d+)<", section(page, "disputes", "</ul>\n"))


def shown_statements(page: str) -> list[str]:
    return re.findall(r"(\d{4}-\d{2}) 第 1 份", section(page, "settlements", "</table>"))


def test_paging_one_list_keeps_the_others_pages(app, client, login_as):
    with app.test_request_context():
        w = world()
        runs = [IssuanceBatch(programme_id=w.programme.id, period=f"2020-{n + 1:02d}", status="done",
                              started_by_id=w.officer.id) for n in range(RUNS_PER_PAGE + 2)]
        db.session.add_all(runs)
        start = utcnow() - timedelta(days=3)
        for n in range(PER_PAGE + 3):
            redeemed = Redemption(programme_id=w.programme.id, provider_org_id=w.org.id, resident_id=w.resident.id,
                                  service_id=w.service.id, amount_fen=1000, period=start.strftime("%Y-%m"),
                                  idempotency_key=f"three-pagers-{n}", request_hash="0" * 64,
                                  created_at=start + timedelta(minutes=n))
            db.session.add(redeemed)
            db.session.flush()
            db.session.add(Dispute(redemption_id=redeemed.id, reason=f"争议理由{n}", status="rejected",
                                   created_at=start + timedelta(minutes=n)))
        months = [f"{2023 + i // 12}-{i % 12 + 1:02d}" for i in range(PER_PAGE + 4)]
        for month in months:
            db.session.add(Settlement(programme_id=w.programme.id, provider_org_id=w.org.id, period=month, seq=1,
                                      total_fen=5000, redemption_count=1, status="paid", created_by_id=w.officer.id))
        db.session.commit()
        run_ids = sorted((r.id for r in runs), reverse=True)
    login_as(w.officer)
    base = f"/vouchers/programmes/{w.programme.id}"
    newest_disputes = [str(n) for n in range(PER_PAGE + 2, -1, -1)]
    newest_months = sorted(months, reverse=True)

    first = client.get(base).get_data(as_text=True)
    assert shown_runs(first) == run_ids[:RUNS_PER_PAGE]
    assert pager_links(first) == {"batches": {"下一页": {"runs_page": "2"}},
                                  "disputes": {"下一页": {"disputes_page": "2"}},
                                  "settlements": {"下一页": {"statements_page": "2"}}}

    # Page 2 of the runs, then "Next" on the disputes: the runs stay on page 2.
    runs_two = client.get(f"{base}?runs_page=2").get_data(as_text=True)
    assert shown_runs(runs_two) == run_ids[RUNS_PER_PAGE:]
    next_disputes = pager_links(runs_two)["disputes"]["下一页"]
    assert next_disputes == {"runs_page": "2", "disputes_page": "2"}
    assert pager_links(runs_two)["settlements"]["下一页"] == {"runs_page": "2", "statements_page": "2"}
    assert pager_links(runs_two)["batches"]["上一页"] == {"runs_page": "1"}

    both = client.get(base, query_string=next_disputes).get_data(as_text=True)
    assert shown_runs(both) == run_ids[RUNS_PER_PAGE:]
    assert shown_disputes(both) == newest_disputes[PER_PAGE:]
    assert shown_statements(both) == newest_months[:PER_PAGE]
    next_statements = pager_links(both)["settlements"]["下一页"]
    assert next_statements == {"runs_page": "2", "disputes_page": "2", "statements_page": "2"}

    all_three = client.get(base, query_string=next_statements).get_data(as_text=True)
    assert shown_runs(all_three) == run_ids[RUNS_PER_PAGE:]
    assert shown_disputes(all_three) == newest_disputes[PER_PAGE:]
    assert shown_statements(all_three) == newest_months[PER_PAGE:]
    assert pager_links(all_three) == {
        "batches": {"上一页": {"runs_page": "1", "disputes_page": "2", "statements_page": "2"}},
        "disputes": {"上一页": {"runs_page": "2", "disputes_page": "1", "statements_page": "2"}},
        "settlements": {"上一页": {"runs_page": "2", "disputes_page": "2", "statements_page": "1"}}}
