"""An organisation's staff counts are read as typed ('1,200', '１２'), and what is no whole number is refused beside
the field with nothing saved (core.forms.WholeNumberField)."""

import html
import re

import pytest
from sqlalchemy import select

from core.db import db
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import org_data
from tests.orgs.test_views import form_for


@pytest.mark.parametrize(("typed", "stored"), [
    ({"volunteers": "1,200", "full_time_staff": "１２", "certified_social_workers": " 3 "}, (1200, 12, 3)),
    ({"volunteers": "1 200", "full_time_staff": "1，024", "certified_social_workers": "０"}, (1200, 1024, 0)),
])
def test_an_organisations_counts_are_read_as_typed(client, session, login_as, typed, stored):
    login_as(make_user())
    data = org_data(name="阳光助老服务中心")
    assert client.post("/orgs/apply", data={**form_for(data), **typed}).status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.name == "阳光助老服务中心"))
    assert (org.volunteers, org.full_time_staff, org.certified_social_workers) == stored


@pytest.mark.parametrize(("value", "language", "message"), [
    ("1,2,3", "en", "Enter a whole number, 0 or more."),
    ("十二", "zh-CN", "请填写 0 或正整数。"),
    ("12.5", "en", "Enter a whole number, 0 or more."),
    ("3,000,000,000", "en", "This number is too large."),
])
def test_an_organisations_count_that_is_no_whole_number_is_refused(client, session, login_as, value, language,
                                                                   message):
    login_as(make_user())
    data = org_data(name="阳光助老服务中心")
    page = html.unescape(client.post("/orgs/apply", headers={"Accept-Language": language},
                                     data={**form_for(data), "volunteers": value}).text)
    assert re.search(r'id="volunteers-error" class="field-errors"><div class="invalid-feedback">'
                     + re.escape(message) + "</div></div>", page)  # said once, not also as the range
    assert db.session.scalar(select(Organisation).where(Organisation.name == "阳光助老服务中心")) is None
