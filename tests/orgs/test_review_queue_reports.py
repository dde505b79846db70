"""The review queue's annual reports lead to the report itself on the organisation's page (where it is accepted or
returned), and say when each was submitted. They led to the page's top, the report a long scroll below on a
phone, and gave no date to take the oldest first by."""

import re

from accounts.enums import Role
from core.db import db
from core.timeutil import format_local
from orgs import standing
from tests.factories import make_user
from tests.orgs.helpers import Upload, approved_org


def test_a_waiting_report_links_to_its_row_on_the_page_with_its_date(session, client, login_as):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = approved_org(manager, officer, name="晨曦社工服务中心")
    report = standing.submit_annual_report(org, 2025, Upload(), actor=manager)
    db.session.commit()
    login_as(officer)
    queue = client.get("/orgs/review").get_data(as_text=True)
    listed = queue.split('id="report-queue"', 1)[1].split("</ul>", 1)[0]
    assert f'href="/orgs/{org.id}#report-{report.id}"' in listed
    assert format_local(report.submitted_at) in listed
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    row = re.search(rf'<li id="report-{report.id}">(.*?)</li>', page, re.S).group(1)
    assert f"/orgs/annual-reports/{report.id}/accept" in row
