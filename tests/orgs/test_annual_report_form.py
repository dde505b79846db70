"""The annual-report form on an organisation's page: each field labelled (the year had only a placeholder, gone
once typed into, and the form's title for its label), and refused, the first field to correct takes the focus (the
form is screens below the top of the page, which a phone opened at)."""

import io
import re

from accounts.enums import Role
from core.db import db
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, approved_org

EN = {"Accept-Language": "en"}


def focused(page: str) -> list[str]:
    return re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', page)


def manager_of_org(login_as):
    manager, officer = make_user(), make_user(Role.OFFICER)
    org = approved_org(manager, officer)
    db.session.commit()
    login_as(manager)
    return org


def test_the_year_and_the_file_are_labelled(client, session, login_as):
    org = manager_of_org(login_as)
    page = client.get(f"/orgs/{org.id}", headers=EN).text
    assert '<label class="form-label small mb-1" for="report-year">Year</label>' in page
    assert 'for="report-file">File (PDF, image or Office document)</label>' in page
    assert focused(page) == []


def test_a_refused_year_takes_the_focus(client, session, login_as):
    org = manager_of_org(login_as)
    response = client.post(f"/orgs/{org.id}/annual-reports", headers=EN, content_type="multipart/form-data",
                           data={"year": "", "file": (io.BytesIO(PDF_BYTES), "report.pdf")})
    assert response.status_code == 422 and focused(response.text) == ["report-year"]


def test_a_refused_file_takes_the_focus(client, session, login_as):
    org = manager_of_org(login_as)
    response = client.post(f"/orgs/{org.id}/annual-reports", headers=EN, content_type="multipart/form-data",
                           data={"year": "2025", "file": (io.BytesIO(b"not a document"), "report.txt")})
    assert response.status_code == 422 and focused(response.text) == ["report-file"]
