"""Approving a change registration (变更登记) rewrites the organisation's registered name or credit code, so its
button asks first (data-confirm) as the other irreversible decisions do; rejecting, which changes nothing, does
not."""

import re

from accounts.enums import Role
from tests.factories import make_user
from tests.orgs.test_change_decision_kept import pending_change


def test_approving_a_change_asks_first(session, client, login_as):
    officer = make_user(Role.OFFICER)
    org, change = pending_change(officer)
    login_as(officer)
    page = client.get(f"/orgs/{org.id}").get_data(as_text=True)
    item = page[page.index(f'id="change-{change.id}"'):]
    approve = re.search(r'<button[^>]*>核准变更</button>', item).group(0)
    assert 'data-confirm="确定核准此变更吗？登记事项将立即改写，此后只能通过新的变更登记再作更改。"' in approve
    reject = re.search(r'<button[^>]*formaction="[^"]*/reject"[^>]*>', item).group(0)
    assert "data-confirm" not in reject
