"""An officer's suspension of an organisation and the withdrawal of its hub designation ask first (data-confirm),
as its deregistration and rejection did: one tap on a phone did either."""

import re

from accounts.enums import Role
from core.db import db
from orgs import standing
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org


def test_suspending_and_withdrawing_the_hub_designation_ask_first(session, client):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    standing.designate_hub(org, True, actor=officer)
    db.session.commit()
    login(client, officer.username)
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    suspend = re.search(r'<button[^>]*value="suspended"[^>]*>', page).group(0)
    assert 'data-confirm="确定暂停该组织的活动吗？之后可以恢复。"' in suspend
    hub = re.search(r'<button[^>]*id="hub-toggle"[^>]*>', page).group(0)
    assert 'data-confirm="确定撤销该组织的枢纽型社会组织认定吗？"' in hub


def test_designating_a_hub_does_not_ask(session, client):
    officer = make_user(Role.OFFICER)
    org = approved_org(make_user(), officer)
    db.session.commit()
    login(client, officer.username)
    hub = re.search(r'<button[^>]*id="hub-toggle"[^>]*>', client.get(f"/orgs/{org.id}").get_data(as_text=True))
    assert "data-confirm" not in hub.group(0)
