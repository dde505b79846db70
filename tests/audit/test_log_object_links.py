"""The audit log and the pages of the things it records lead to each other: an event about an organisation, a
voucher programme, an issuance run or a settlement statement links to that thing's own page ('Open its page'), and
those pages link an auditor to their events in the log. The log linked a target only to more of the log, so an
auditor reading 'Settlement #12' could not reach the statement, nor the statement its trail."""

import re

from accounts.enums import Role
from audit.labels import target_page_url
from core.db import db
from tests.factories import make_user
from tests.vouchers.helpers import world
from tests.vouchers.test_views import scene  # noqa: F401  (the fixture)


def target_cells(page: str) -> list[str]:
    table = page.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<td data-label="操作对象">(.*?)</td>', table, re.S)


def test_events_link_to_the_page_of_their_target_and_back(app, client, login_as):
    with app.test_request_context():
        w = world()
        auditor = make_user(Role.AUDITOR)
        db.session.commit()
        programme_url = f"/vouchers/programmes/{w.programme.id}"
        assert target_page_url("voucher_programmes", w.programme.id) == programme_url
        assert target_page_url("organisations", str(w.org.id)) == f"/orgs/{w.org.id}"
        assert target_page_url("voucher_settlements", "7") == "/vouchers/settlements/7"
        assert target_page_url("voucher_issuance_batches", 3) == "/vouchers/batches/3"
        # no page for it, or not an id: no link (never a 500 on an odd stored id)
        assert target_page_url("users", 1) is None and target_page_url("things", 1) is None
        assert target_page_url("organisations", "abc") is None and target_page_url("organisations", "9" * 40) is None
    login_as(auditor)
    page = client.get(f"/audit/?target_type=voucher_programmes&target_id={w.programme.id}").get_data(as_text=True)
    cells = target_cells(page)
    assert cells and all(f'<a href="{programme_url}" class="target-page">打开其页面</a>' in c for c in cells)
    page = client.get("/audit/?target_type=users").get_data(as_text=True)
    assert target_cells(page) and not any("target-page" in c for c in target_cells(page))

    back = f'href="/audit/?target_type=voucher_programmes&amp;target_id={w.programme.id}" id="programme-audit"'
    assert back in client.get(programme_url).get_data(as_text=True)
    org_page = client.get(f"/orgs/{w.org.id}").get_data(as_text=True)
    assert f'href="/audit/?target_type=organisations&amp;target_id={w.org.id}" id="org-audit"' in org_page


def test_the_way_back_to_the_log_is_only_for_those_who_may_read_it(app, client, login_as):
    with app.test_request_context():
        w = world()
        db.session.commit()
    login_as(w.officer)  # officers do not read the audit log (a 403 there)
    assert 'id="programme-audit"' not in client.get(f"/vouchers/programmes/{w.programme.id}").get_data(as_text=True)
    assert 'id="org-audit"' not in client.get(f"/orgs/{w.org.id}").get_data(as_text=True)


def test_a_settlement_statement_links_to_its_events_and_its_events_to_it(scene, client, login_as):  # noqa: F811
    statement = scene.settlement
    login_as(scene.auditor)
    page = client.get(f"/vouchers/settlements/{statement.id}").get_data(as_text=True)
    assert (f'id="statement-audit" href="/audit/?target_type=voucher_settlements&amp;target_id={statement.id}"'
            in page)
    log = client.get(f"/audit/?target_type=voucher_settlements&target_id={statement.id}").get_data(as_text=True)
    assert f'<a href="/vouchers/settlements/{statement.id}" class="target-page">' in log
