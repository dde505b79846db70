"""The application form's staff counts, left empty or below zero, are refused saying what they take, beside the field,
with everything else typed kept (WTForms said only "This field is required.")."""

import html
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from orgs.models import Organisation
from tests.factories import make_user
from tests.orgs.helpers import org_data
from tests.orgs.test_views import form_for


@pytest.mark.parametrize(("value", "language", "message"), [
    ("", "en", "Enter a whole number, 0 or more."),
    ("-1", "en", "Enter a whole number, 0 or more."),
    ("", "zh-CN", "请填写 0 或正整数。"),
])
def test_a_count_left_empty_says_what_it_takes(client, login_as, session, value, language, message):
    login_as(make_user())
    data = org_data()
    before = db.session.scalar(select(func.count(Organisation.id)))
    page = html.unescape(client.post("/orgs/apply", headers={"Accept-Language": language},
                                     data={**form_for(data), "volunteers": value}).text)
    assert re.search(r'id="volunteers-error" class="field-errors"><div class="invalid-feedback">'
                     + re.escape(message) + "<", page)
    assert f'value="{data.name}"' in page  # the rest as typed
    assert db.session.scalar(select(func.count(Organisation.id))) == before
