"""The proposal form as an organisation manager meets it (found by a user-journey test): the budget categories in
the page's language, and a refused cell marked beside its row with a summary at the top; nothing is saved."""

import html
import re

import pytest

from accounts.enums import Role
from core.db import db
from projects import proposals
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def draft(app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    org = good_org(manager, officer)
    with app.test_request_context():
        call = published_call(officer)
        proposal = proposals.start_proposal(call, org, actor=manager)
    db.session.commit()
    return manager, proposal


def category_options(page: str) -> list[str]:
    select = page.split('id="budget_lines-0-category"', 1)[1].split("</select>", 1)[0]
    return [html.unescape(text) for text in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


@pytest.mark.parametrize("headers, expected", [
    (ZH, ["—", "人员费", "活动费", "物资费", "管理费", "其他费用"]),
    (EN, ["—", "Personnel", "Activities", "Materials", "Management fee", "Other costs"]),
])
def test_budget_categories_are_in_the_pages_language(client, login_as, draft, headers, expected):
    manager, proposal = draft
    login_as(manager)
    page = client.get(f"/proposals/{proposal.id}/edit", headers=headers).get_data(as_text=True)
    assert category_options(page) == expected
