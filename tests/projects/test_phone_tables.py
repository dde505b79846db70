"""The organisation's tables that were cut off on a phone are stacked cards there (.table-stack): each cell says its
heading (data-label), so a line's amounts are read without scrolling sideways. The browser test
tests/e2e/test_org_phone_journey.py checks how they look at 375px; this checks the markup the cards are built from."""

import re

from accounts.enums import Role
from core.db import db
from projects.models import Proposal
from tests.factories import make_user
from tests.projects.helpers import good_org, published_call, ready_proposal

EN = {"Accept-Language": "en"}


def table(page: str, table_id: str) -> str:
    return re.search(rf'<table class="[^"]*table-stack[^"]*" id="{table_id}">.*?</table>', page, re.S).group(0)


def test_a_proposals_budget_is_a_card_per_line_with_its_headings(client, login_as, app, session):
    officer, manager = make_user(Role.OFFICER), make_user()
    with app.test_request_context():
        call = published_call(officer)
        proposal = ready_proposal(call, good_org(manager, officer, name="卡片测试服务中心"), manager)
    db.session.commit()
    login_as(manager)
    shown = table(client.get(f"/proposals/{proposal.id}", headers=EN).text, "budget")
    assert shown.count('data-label="Unit price"') == 3 and shown.count('data-label="Total"') == 3
    assert re.search(r'data-label="Requested" id="requested-total">¥150,000.00<', shown)
    form = table(client.get(f"/proposals/{proposal.id}/edit", headers=EN).text, "budget-lines")
    rows = db.session.get(Proposal, proposal.id).budget_lines
    assert form.count('data-label="Unit price (yuan)"') >= len(rows) and 'data-label="Category"' in form
