"""The officers' review queue is paged like the other lists: applications, annual reports and changes waiting are
each shown a page at a time, oldest submitted first, with the way to the next page; each list's pager keeps the
other lists' page numbers. It listed every waiting row on one page."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

from accounts.enums import Role
from core.db import db, utcnow
from core.paging import PER_PAGE
from orgs import changes, officer_views, standing
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org, submitted_org


def section(page: str, list_id: str) -> str:
    return page.split(f'id="{list_id}"', 1)[1].split("</ul>" if list_id != "queue" else "</table>", 1)[0]


def listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/orgs/(\d+)"', section(page, "queue"))]


def test_applications_come_a_page_at_a_time_oldest_first(session, client, login_as):
    officer, applicant = make_user(Role.OFFICER), make_user()
    start = utcnow() - timedelta(days=1)
    orgs = [submitted_org(applicant) for _ in range(PER_PAGE + 3)]
    for minutes, org in enumerate(reversed(orgs)):  # submitted in the reverse order of their ids
        org.submitted_at = start + timedelta(minutes=minutes)
    db.session.commit()
    oldest_first = [o.id for o in reversed(orgs)]
    login_as(officer)
    first = client.get("/orgs/review").get_data(as_text=True)
    assert listed_ids(first) == oldest_first[:PER_PAGE]
    assert 'href="/orgs/review?applications_page=2"' in first
    second = client.get("/orgs/review?applications_page=2").get_data(as_text=True)
    assert listed_ids(second) == oldest_first[PER_PAGE:]
    assert 'href="/orgs/review?applications_page=1"' in second
    assert client.get("/orgs/review?applications_page=abc").status_code == 200


def test_each_queue_pages_apart_and_keeps_the_others_page(session, client, login_as, monkeypatch):
    monkeypatch.setattr(officer_views, "REVIEW_PER_PAGE", 1)
    officer = make_user(Role.OFFICER)
    submitted = [submitted_org(make_user()) for _ in range(2)]
    reports, requests = [], []
    for name in ("晨曦社工服务中心", "朝阳社工服务中心"):
        manager = make_user()
        org = approved_org(manager, officer, name=name)
        reports.append(standing.submit_annual_report(org, 2025, Upload(), actor=manager))
        items = changes.RegisteredItems(name=org.name, uscc=org.uscc, legal_representative=org.legal_representative,
                                        address="东城区新街2号")
        requests.append(changes.request_change(org, items, "搬迁", actor=manager))
    db.session.commit()
    login_as(officer)
    page = client.get("/orgs/review?reports_page=2&changes_page=2").get_data(as_text=True)
    assert listed_ids(page) == [submitted[0].id]
    assert f"#report-{reports[1].id}" in section(page, "report-queue")
    assert f"#report-{reports[0].id}" not in section(page, "report-queue")
    assert f"#change-{requests[1].id}" in section(page, "change-queue")
    assert f"#change-{requests[0].id}" not in section(page, "change-queue")
    links = {parse_link(link) for link in re.findall(r'class="page-link" href="([^"]+)"', page)}
    # the applications' next page keeps the reports' and changes' pages; their previous pages keep the others'
    assert links == {(("applications_page", "2"), ("changes_page", "2"), ("reports_page", "2"), ""),
                     (("changes_page", "2"), ("reports_page", "1"), "report-queue"),
                     (("changes_page", "1"), ("reports_page", "2"), "change-queue")}


def parse_link(link: str) -> tuple:
    parts = urlsplit(html.unescape(link))
    assert parts.path == "/orgs/review"
    return (*sorted(parse_qsl(parts.query)), parts.fragment)
